from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    """The gazetteer: the addresses and streets of the member cities, and searching them."""

    name = "civicdesk.places"
    verbose_name = _("Places")
    label = "places"
    default_auto_field = "django.db.models.BigAutoField"
