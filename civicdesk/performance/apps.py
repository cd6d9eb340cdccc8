from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    name = "civicdesk.performance"
    label = "performance"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from civicdesk.core import periodic
        from civicdesk.performance import signals
        from civicdesk.performance.tasks import refresh_ensure

        signals.connect()
        # Every sweeper round makes sure the regional comparison's figures are kept fresh (tasks.py).
        periodic.register("regional comparison figures", refresh_ensure)
