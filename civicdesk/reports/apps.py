from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "civicdesk.reports"
    label = "reports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from civicdesk.reports import signals

        signals.connect()
