from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "civicdesk.portal"
    label = "portal"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from civicdesk.portal import limits

        limits.connect()
