from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "civicdesk.tenants"
    label = "tenants"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from civicdesk.tenants import reference
        from civicdesk.tenants.models import Department, District

        reference.watch(Department, lambda department: [department.city_id])
        reference.watch(District, lambda district: [district.city_id])
