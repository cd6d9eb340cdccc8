from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "civicdesk.tenants"
    verbose_name = _("Cities and regions")
    label = "tenants"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from civicdesk.tenants import reference
        from civicdesk.tenants.models import City, Department, District

        reference.watch(Department, lambda department: [department.city_id])
        reference.watch(District, lambda district: [district.city_id])
        # A city added, renamed or removed: the lists of the other cities of its collaborative
        # name it (the case page's "transfer to" list).
        reference.watch(City, lambda city: City.objects.filter(region_id=city.region_id).values_list("pk", flat=True))
