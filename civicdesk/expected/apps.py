from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExpectedConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "civicdesk.expected"
    verbose_name = _("Expected closing dates")

    def ready(self) -> None:
        from civicdesk.core import periodic
        from civicdesk.expected import receivers
        from civicdesk.expected.tasks import schedule_next

        # A new case's expected date, before the city's number lock (expected/receivers.py).
        receivers.connect()

        # Every sweeper round makes sure the nightly training is queued (expected/tasks.py).
        periodic.register("expected closing dates: nightly training", schedule_next)
