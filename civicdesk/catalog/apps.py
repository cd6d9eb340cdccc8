from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "civicdesk.catalog"
    label = "catalog"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from civicdesk.catalog import cache, setup
        from civicdesk.tenants import selectors, setup_upload

        cache.connect()
        selectors.setup_steps_register(setup.service_type_steps)
        setup_upload.catalogue_importer_register(setup.catalogue_upload)
