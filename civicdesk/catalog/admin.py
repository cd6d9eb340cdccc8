"""Admin for each city's catalogue: service types and the questions they ask."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicdesk.catalog.models import CannedResponse, Datatype, ServiceAttribute, ServiceType
from civicdesk.tenants.scoping import CityScopedAdmin, CityScopedInline

LIST_DATATYPES = {Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST}


def clean_choice_values(values: Any, *, datatype: str) -> list[dict[str, str]]:
    """Check an attribute's choices: a JSON list of {"key", "name"}, keys unique.

    A list question needs at least one choice; other questions have none.
    """
    values = values or []
    if not isinstance(values, list):
        raise ValidationError(_('Write the choices as a JSON list, e.g. [{"key": "yes", "name": "Yes"}].'))
    cleaned: list[dict[str, str]] = []
    for position, item in enumerate(values, start=1):
        if not isinstance(item, dict) or not str(item.get("key", "")).strip() or not str(item.get("name", "")).strip():
            raise ValidationError(
                _('Choice %(n)d needs a “key” and a “name”, e.g. {"key": "yes", "name": "Yes"}.') % {"n": position}
            )
        cleaned.append({"key": str(item["key"]).strip(), "name": str(item["name"]).strip()})
    keys = [c["key"] for c in cleaned]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise ValidationError(_("Each choice needs its own key; repeated: %(keys)s.") % {"keys": ", ".join(repeated)})
    if datatype in LIST_DATATYPES and not cleaned:
        raise ValidationError(_("A question answered from a list needs at least one choice."))
    if datatype not in LIST_DATATYPES and cleaned:
        raise ValidationError(
            _("Only “One choice” and “Several choices” questions have choices; remove them or change the type.")
        )
    return cleaned


class ServiceAttributeForm(forms.ModelForm):
    class Meta:
        model = ServiceAttribute
        fields = ["order", "code", "question", "datatype", "required", "variable", "values", "description"]
        widgets = {"values": forms.Textarea(attrs={"rows": 2, "cols": 40})}

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if "values" in cleaned:
            try:
                cleaned["values"] = clean_choice_values(cleaned["values"], datatype=cleaned.get("datatype", ""))
            except ValidationError as exc:
                self.add_error("values", exc)
        return cleaned


class ServiceAttributeInline(CityScopedInline, admin.TabularInline):
    model = ServiceAttribute
    form = ServiceAttributeForm
    city_lookup = "service_type__city"
    extra = 0
    verbose_name = gettext_lazy("question")
    verbose_name_plural = gettext_lazy("questions asked of the reporter (Open311 attributes)")


@admin.register(ServiceType)
class ServiceTypeAdmin(CityScopedAdmin):
    inlines = [ServiceAttributeInline]
    list_display = ["name", "code", "group", "department", "target_days", "active", "is_confidential", "city"]
    list_filter = ["active", "is_confidential", ("department", admin.RelatedOnlyFieldListFilter), "city"]
    search_fields = ["name", "code", "keywords", "group"]
    prepopulated_fields = {"code": ["name"]}
    fieldsets = [
        (None, {"fields": ["city", "name", "name_es", "code", "group", "description", "keywords"]}),
        (gettext_lazy("Routing and service level"), {"fields": ["department", "target_days", "sort_order"]}),
        (gettext_lazy("Visibility"), {"fields": ["active", "is_confidential"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("city", "department")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The code is the Open311 service_code: apps keep it, so it never changes.
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "code"] if obj is not None else fields

    def get_prepopulated_fields(self, request: HttpRequest, obj: Any = None) -> dict[str, Any]:
        return {} if obj is not None else super().get_prepopulated_fields(request, obj)


@admin.register(CannedResponse)
class CannedResponseAdmin(CityScopedAdmin):
    list_display = ["title", "service_type", "city"]
    list_filter = [("service_type", admin.RelatedOnlyFieldListFilter), "city"]
    search_fields = ["title", "text"]
    fields = ["city", "service_type", "title", "text"]
