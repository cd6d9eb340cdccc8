from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "civicdesk.console"
    label = "console"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from civicdesk.console import remembered, selectors

        selectors.watch_staff()
        selectors.watch_canned_responses()
        # A new sign-in opens the role's default list, not the one kept from before.
        user_logged_in.connect(remembered.list_forget, dispatch_uid="console.list_forget")
