from django.apps import AppConfig


class Open311Config(AppConfig):
    name = "civicdesk.open311"
    label = "open311"
    default_auto_field = "django.db.models.BigAutoField"
