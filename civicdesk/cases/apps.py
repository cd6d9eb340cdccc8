from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "civicdesk.cases"
    label = "cases"
    default_auto_field = "django.db.models.BigAutoField"
