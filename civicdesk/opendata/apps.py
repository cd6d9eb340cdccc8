from django.apps import AppConfig


class OpenDataConfig(AppConfig):
    name = "civicdesk.opendata"
    label = "opendata"
    default_auto_field = "django.db.models.BigAutoField"
