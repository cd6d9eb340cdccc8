from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    name = "civicdesk.performance"
    label = "performance"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from civicdesk.core import periodic
        from civicdesk.performance import signals
        from civicdesk.performance.setup import dashboard_steps
        from civicdesk.performance.tasks import refresh_ensure
        from civicdesk.tenants import selectors

        signals.connect()
        selectors.setup_steps_register(dashboard_steps)
        # Every sweeper round makes sure the regional comparison's figures are kept fresh (tasks.py).
        periodic.register("regional comparison figures", refresh_ensure)
