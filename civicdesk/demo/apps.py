from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo is an app for its ``load_demo`` command only: it has no models. It sits above
    every other app (it loads all of them), so nothing below imports it."""

    name = "civicdesk.demo"
    label = "demo"
