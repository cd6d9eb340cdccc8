from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExpectedConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "civicdesk.expected"
    verbose_name = _("Expected closing dates")
