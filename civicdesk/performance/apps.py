from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PerformanceConfig(AppConfig):
    name = "civicdesk.performance"
    verbose_name = _("Performance")
    label = "performance"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from civicdesk.core import periodic
        from civicdesk.performance import signals
        from civicdesk.performance.periods import business_calendar_for
        from civicdesk.performance.setup import dashboard_steps
        from civicdesk.performance.tasks import refresh_ensure
        from civicdesk.tenants import selectors

        signals.connect()
        selectors.setup_steps_register(dashboard_steps)
        # Due dates in business days count the days the dashboard's settings give (catalog/targets.py).
        selectors.business_calendar_register(business_calendar_for)
        # Every sweeper round makes sure the regional comparison's figures are kept fresh (tasks.py).
        periodic.register("regional comparison figures", refresh_ensure)
