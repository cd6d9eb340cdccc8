from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "civicdesk.notifications"
    verbose_name = _("Notifications")
    label = "notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from civicdesk.core import health
        from civicdesk.notifications import receivers, selectors

        receivers.connect()
        health.register("outbox", selectors.outbox_health)
