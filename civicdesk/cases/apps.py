from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "civicdesk.cases"
    verbose_name = _("Cases")
    label = "cases"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from civicdesk.cases import receivers

        receivers.connect()
