"""Cases in the admin: read-only, for a city's staff and for operators.

Every change to a case goes through ``civicdesk.cases.services`` (the console, the
intake channels), so that it is checked, audited and notified; the admin only shows.
The audit log (CaseEvent) can be read but never added to, changed or deleted here, by
anyone, superusers included.

Regional administrators get no access to cases at all: cases hold residents' names,
addresses, emails and phone numbers, and the regional role sees settings and aggregate
figures only (as ``civicdesk.cases.permissions`` already says for the console).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.contrib import admin
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy

from civicdesk.accounts.models import Role
from civicdesk.cases.models import CaseEvent, Photo, ServiceRequest
from civicdesk.cases.permissions import STAFF_ROLES
from civicdesk.tenants.scoping import NOTHING, READ_ONLY, CityScopedAdmin, CityScopedInline, RoleAccess

READ_FOR_CITY_STAFF = {role.value: READ_ONLY for role in STAFF_ROLES}
REFERENCE = re.compile(r"^\s*[A-Za-z]+-(\d+)\s*$")


def _confidential_scope(request: HttpRequest, qs: QuerySet, case_path: str) -> QuerySet:
    """Confidential cases (a fraud hotline) are shown to the city's investigators only, and
    investigators see only those; superusers (operators) do not read them either."""
    investigator = getattr(request.user, "role", "") == Role.INVESTIGATOR
    return qs.filter(**{f"{case_path}service_type__is_confidential": investigator})


class _CaseReading(RoleAccess):
    superuser_can = READ_ONLY
    regional_admin_can = NOTHING
    city_roles_can: Mapping[str, frozenset[str]] = READ_FOR_CITY_STAFF
    case_path = "case__"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return _confidential_scope(request, super().get_queryset(request), self.case_path)  # type: ignore[misc]


class CaseEventInline(_CaseReading, CityScopedInline, admin.TabularInline):
    model = CaseEvent
    city_lookup = "case__city"
    fields = ["at", "kind", "who", "is_public", "text", "changes"]
    readonly_fields = ["at", "kind", "who", "is_public", "text", "changes"]
    can_delete = False
    extra = 0
    verbose_name = gettext_lazy("audit log entry")
    verbose_name_plural = gettext_lazy("audit log (append-only)")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=gettext_lazy("By"))
    def who(self, obj: CaseEvent) -> str:
        return obj.who


class PhotoInline(_CaseReading, CityScopedInline, admin.TabularInline):
    model = Photo
    city_lookup = "case__city"
    fields = ["preview", "original_name", "is_public", "uploaded_at", "uploaded_by"]
    readonly_fields = ["preview", "original_name", "is_public", "uploaded_at", "uploaded_by"]
    can_delete = False
    extra = 0

    @admin.display(description=gettext_lazy("Photo"))
    def preview(self, obj: Photo) -> str:
        if not obj.thumbnail:
            return "—"
        return format_html('<img src="{}" alt="{}" style="max-height:80px">', obj.thumbnail.url, obj.original_name)


class DistrictFilter(admin.RelatedOnlyFieldListFilter):
    """The districts of the listed cases: the current map's first, in its order, then the
    retired ones, latest retired first (each named with its last day, "Citywide (map until
    2026-12-06)"), as the console's and the portal's district filters list them."""

    def field_admin_ordering(self, field: Any, request: HttpRequest, model_admin: Any) -> tuple[Any, ...]:
        return (F("retired_on").desc(nulls_first=True), "number", "name")


@admin.register(ServiceRequest)
class ServiceRequestAdmin(_CaseReading, CityScopedAdmin):
    case_path = ""
    inlines = [CaseEventInline, PhotoInline]
    list_display = [
        "reference_label",
        "service_type",
        "status",
        "department",
        "district",
        "assignee",
        "opened_at",
        "due_at",
        "overdue",
        "city",
    ]
    list_filter = [
        "status",
        ("service_type", admin.RelatedOnlyFieldListFilter),
        ("department", admin.RelatedOnlyFieldListFilter),
        ("district", DistrictFilter),
        "channel",
        "priority",
        "city",
    ]
    search_fields = ["address", "description", "external_id"]
    search_help_text = gettext_lazy("A case number such as IND-1042, or words of the address or description.")
    date_hierarchy = "opened_at"
    list_select_related = ["city", "service_type", "department", "district", "assignee"]
    fieldsets = [
        (None, {"fields": ["reference_label", "city", "service_type", "status", "resolution", "priority", "channel"]}),
        (gettext_lazy("Routing"), {"fields": ["department", "assignee", "district", "duplicate_of"]}),
        (gettext_lazy("Concern"), {"fields": ["description", "attributes", "address", "lat", "lng"]}),
        (
            gettext_lazy("Reporter"),
            {"fields": ["reporter_name", "reporter_email", "reporter_phone", "notify_reporter"]},
        ),
        (
            gettext_lazy("Timing"),
            {"fields": ["opened_at", "due_at", "closed_at", "closing_note", "updated_at", "created_by"]},
        ),
        (gettext_lazy("Import"), {"fields": ["is_imported", "external_id"], "classes": ["collapse"]}),
    ]

    @admin.display(description=gettext_lazy("Case"), ordering="number")
    def reference_label(self, obj: ServiceRequest) -> str:
        return obj.reference

    @admin.display(description=gettext_lazy("Overdue"), boolean=True)
    def overdue(self, obj: ServiceRequest) -> bool:
        return obj.is_overdue

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        match = REFERENCE.match(search_term)
        if match:
            return queryset.filter(number=int(match.group(1))), False
        return super().get_search_results(request, queryset, search_term)


@admin.register(CaseEvent)
class CaseEventAdmin(_CaseReading, CityScopedAdmin):
    """The whole audit log, searchable; read-only for everyone."""

    city_lookup = "case__city"
    list_display = ["at", "case", "kind", "who", "is_public"]
    list_filter = ["kind", "is_public"]
    list_select_related = ["case__city", "actor"]
    search_fields = ["text"]
    date_hierarchy = "at"
    fields = ["case", "at", "kind", "who", "is_public", "text", "changes"]
    readonly_fields = ["case", "at", "kind", "who", "is_public", "text", "changes"]

    @admin.display(description=gettext_lazy("By"))
    def who(self, obj: CaseEvent) -> str:
        return obj.who

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        match = REFERENCE.match(search_term)
        if match:
            return queryset.filter(case__number=int(match.group(1))), False
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
