from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "civicdesk.catalog"
    verbose_name = _("Catalog")
    label = "catalog"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from civicdesk.catalog import cache, setup
        from civicdesk.catalog.models import ServiceAgreement, ServiceAttribute, ServiceType
        from civicdesk.tenants import reference, selectors, setup_upload
        from civicdesk.tenants.models import City

        cache.connect()
        # The console's type lists, and whether a city works others' cases. Every city's staff
        # lists leave out the confidential types of every city (cases.selectors._case_scope):
        # a type saved anywhere moves every city's version (types change a few times a year).
        reference.watch(ServiceType, lambda _service_type: City.objects.values_list("pk", flat=True))
        reference.watch(ServiceAgreement, lambda agreement: [agreement.provider_city_id, agreement.client_city_id])
        # A type's questions: Open311 intake keeps the city's types with them (open311.selectors).
        # (Read by id: a type deleted with its questions is gone by then, and moves every city itself.)
        reference.watch(
            ServiceAttribute,
            lambda question: ServiceType.objects.filter(pk=question.service_type_id).values_list("city_id", flat=True),
        )
        selectors.setup_steps_register(setup.service_type_steps)
        setup_upload.catalogue_importer_register(setup.catalogue_upload)
        setup_upload.catalogue_exporter_register(setup.catalogue_download)
