from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "civicdesk.notifications"
    label = "notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from civicdesk.notifications import receivers

        receivers.connect()
