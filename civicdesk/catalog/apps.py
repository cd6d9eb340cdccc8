from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "civicdesk.catalog"
    label = "catalog"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from civicdesk.catalog import cache

        cache.connect()
