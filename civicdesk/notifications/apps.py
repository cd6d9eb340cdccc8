from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "civicdesk.notifications"
    label = "notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from civicdesk.core import health
        from civicdesk.notifications import receivers, selectors

        receivers.connect()
        health.register("outbox", selectors.outbox_health)
