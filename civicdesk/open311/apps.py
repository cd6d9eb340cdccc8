from django.apps import AppConfig


class Open311Config(AppConfig):
    name = "civicdesk.open311"
    label = "open311"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from civicdesk.open311.setup import open311_key_steps
        from civicdesk.tenants import selectors

        selectors.setup_steps_register(open311_key_steps)
