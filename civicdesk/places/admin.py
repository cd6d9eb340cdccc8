"""The gazetteer in the admin: read-only (``load_addresses`` writes it), scoped to the
user's city, and saying "illustrative addresses" wherever the demo's invented ones are, as
the demo's districts say they are illustrative."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy

from civicdesk.accounts.models import Role
from civicdesk.places.models import AddressPoint
from civicdesk.tenants.scoping import READ_ONLY, CityScopedAdmin

ILLUSTRATIVE_NOTICE = gettext_lazy(
    "Illustrative addresses: invented for the demo, not the city's own address data. "
    "Load the city's addresses with manage.py load_addresses (docs/geocoding.md)."
)


@admin.register(AddressPoint)
class AddressPointAdmin(CityScopedAdmin):
    change_list_template = "admin/places/addresspoint/change_list.html"
    list_display = ["address_key", "city", "zip_code", "source", "data_status"]
    list_filter = ["illustrative", "source", "city"]
    search_fields = ["address_key"]
    show_full_result_count = False  # a county has 300,000: no second count on every page
    # Loaded from files; edited by loading the file again.
    city_roles_can = {Role.CITY_ADMIN.value: READ_ONLY}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("Data"), ordering="illustrative")
    def data_status(self, obj: AddressPoint) -> str:
        if obj.illustrative:
            return format_html('<strong class="civicdesk-illustrative">{}</strong>', gettext_lazy("Illustrative"))
        return obj.get_source_display()  # type: ignore[attr-defined,no-any-return]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        context = {
            **(extra_context or {}),
            "illustrative_any": self.get_queryset(request).filter(illustrative=True).exists(),
            "illustrative_notice": ILLUSTRATIVE_NOTICE,
        }
        return super().changelist_view(request, extra_context=context)
