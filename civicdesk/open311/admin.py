"""City administrators manage their own city's Open311 application keys."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext

from civicdesk.accounts.models import Role
from civicdesk.open311.models import Open311ApiKey
from civicdesk.open311.selectors import key_digest
from civicdesk.open311.services import api_key_create


def _is_city_admin(request: HttpRequest) -> bool:
    user: Any = request.user
    return bool(user.is_active and user.role == Role.CITY_ADMIN and user.city_id)


@admin.register(Open311ApiKey)
class Open311ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "key_prefix", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "key_prefix"]
    readonly_fields = ["key_prefix", "created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Open311ApiKey]:
        keys = super().get_queryset(request).select_related("city")
        if request.user.is_superuser:  # type: ignore[union-attr]
            return keys
        return keys.filter(city_id=request.user.city_id) if _is_city_admin(request) else keys.none()  # type: ignore[union-attr]

    def get_fields(self, request: HttpRequest, obj: Open311ApiKey | None = None) -> Any:
        fields = ["name", "active", "key_prefix", "created_at"]
        return ["city", *fields] if request.user.is_superuser else fields  # type: ignore[union-attr]

    def _allowed(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser or _is_city_admin(request))  # type: ignore[union-attr]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def save_model(self, request: HttpRequest, obj: Open311ApiKey, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        city = obj.city if request.user.is_superuser else request.user.city  # type: ignore[union-attr]
        assert city is not None
        key, raw_key = api_key_create(city=city, name=obj.name)
        obj.pk, obj.key_digest, obj.key_prefix = key.pk, key_digest(raw_key), key.key_prefix
        key.active = obj.active
        key.save(update_fields=["active"])
        messages.warning(
            request,
            gettext(
                "The key for %(name)s is %(key)s (jurisdiction_id=%(jurisdiction)s). Copy it now: it is not shown again."
            )
            % {"name": key.name, "key": raw_key, "jurisdiction": city.jurisdiction_id},
        )
