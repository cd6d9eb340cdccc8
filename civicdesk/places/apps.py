from django.apps import AppConfig


class PlacesConfig(AppConfig):
    """The gazetteer: the addresses and streets of the member cities, and searching them."""

    name = "civicdesk.places"
    label = "places"
    default_auto_field = "django.db.models.BigAutoField"
