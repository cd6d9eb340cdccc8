"""One rule for every admin page: a city's staff see and change their own city only.

``CityScopedAdmin`` (and ``CityScopedInline`` for inlines) decide access from the user's
role, not from Django's per-user permission tables, so a new city administrator can work
the moment the account exists. Each admin says what each kind of user may do:

- ``superuser_can``: superusers (the operators of the deployment);
- ``regional_admin_can``: regional administrators, who read every city's settings;
- ``city_roles_can``: per staff role, what a member of a city may do *in that city*.

Everything is enforced on the server: the queryset (so another city's object is a 404),
the ``has_*_permission`` hooks, the choices of every foreign key, and ``save_model``,
which puts a new object in the administrator's own city whatever the request says.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from civicdesk.accounts.models import Role
from civicdesk.tenants.models import City

VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"
EVERYTHING = frozenset({VIEW, ADD, CHANGE, DELETE})
READ_ONLY = frozenset({VIEW})
NOTHING: frozenset[str] = frozenset()


def is_unscoped(user: Any) -> bool:
    """Superusers and regional administrators look across cities; nobody else does."""
    return bool(user.is_superuser or user.role == Role.REGIONAL_ADMIN)


def user_city_id(user: Any) -> int | None:
    """The city a city-scoped user belongs to (None for everyone else)."""
    if not user.is_authenticated or is_unscoped(user):
        return None
    return user.city_id


def city_id_of(obj: models.Model, lookup: str) -> int | None:
    """Follow a lookup such as ``service_type__city`` to the city id of ``obj``."""
    if lookup == "pk":
        return obj.pk
    *path, last = lookup.split("__")
    target: Any = obj
    for name in path:
        target = getattr(target, name, None)
        if target is None:
            return None
    return getattr(target, f"{last}_id", None)


class RoleAccess:
    """What a user may do, from their role. Shared by model admins and inlines."""

    superuser_can: frozenset[str] = EVERYTHING
    regional_admin_can: frozenset[str] = READ_ONLY
    city_roles_can: Mapping[str, frozenset[str]] = {Role.CITY_ADMIN.value: EVERYTHING}

    def allowed_actions(self, request: HttpRequest) -> frozenset[str]:
        user: Any = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return NOTHING
        if user.is_superuser:
            return self.superuser_can
        if user.role == Role.REGIONAL_ADMIN:
            return self.regional_admin_can
        if user.city_id is None:
            return NOTHING
        return self.city_roles_can.get(user.role, NOTHING)

    def may(self, request: HttpRequest, action: str) -> bool:
        actions = self.allowed_actions(request)
        # As in Django, whoever may change may also look.
        return action in actions or (action == VIEW and CHANGE in actions)

    def scope_queryset(self, request: HttpRequest, qs: QuerySet, lookup: str) -> QuerySet:
        if not self.may(request, VIEW):
            return qs.none()
        city_id = user_city_id(request.user)
        if city_id is None:
            return qs
        return qs.filter(**{lookup: city_id})

    def limit_choices(self, db_field: models.ForeignKey, request: HttpRequest, kwargs: dict[str, Any]) -> None:
        """Offer only the user's own city's objects in a foreign-key dropdown.

        For users who look across cities, label each choice with its city, since two
        cities may well have a department of the same name.
        """
        related = db_field.related_model
        has_city = any(f.name == "city" for f in related._meta.get_fields())
        city_id = user_city_id(request.user)
        if city_id is not None:
            if related is City:
                kwargs["queryset"] = City.objects.filter(pk=city_id)
            elif has_city:
                base = kwargs.get("queryset", related._default_manager.all())
                kwargs["queryset"] = base.filter(city_id=city_id)
        elif has_city:
            base = kwargs.get("queryset", related._default_manager.all())
            kwargs["queryset"] = base.select_related("city")


def _label_with_city(field: forms.Field | None, request: HttpRequest) -> forms.Field | None:
    if isinstance(field, forms.ModelChoiceField) and field.queryset is not None and user_city_id(request.user) is None:
        model = field.queryset.model
        if any(f.name == "city" for f in model._meta.get_fields()) and model._meta.model_name != "user":
            field.label_from_instance = lambda o: f"{o.city} — {o}"  # type: ignore[method-assign,assignment]
    return field


class CityScopedAdmin(RoleAccess, admin.ModelAdmin):
    """A ModelAdmin whose every page, choice and save is confined to the user's city.

    ``city_lookup`` says how to reach the city from the model (``"city"``,
    ``"case__city"``, or ``"pk"`` for City itself). When it is ``"city"``, city-scoped
    users never see the field: it is removed from their form and set on save.
    """

    city_lookup = "city"

    # --- what is shown -------------------------------------------------------------
    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return self.scope_queryset(request, super().get_queryset(request), self.city_lookup)

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        # Django redirects to the index when an object is missing; another city's object
        # is simply not there for this user, and a 404 says so without revealing it.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("No such object.")
        return obj

    def hides_city_field(self, request: HttpRequest) -> bool:
        return self.city_lookup == "city" and user_city_id(request.user) is not None

    def hidden_fields(self, request: HttpRequest) -> set[str]:
        """Fields a city-scoped user never sees; admins may add to these."""
        return {"city"} if self.hides_city_field(request) else set()

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        hidden = self.hidden_fields(request)
        fieldsets = super().get_fieldsets(request, obj)
        if not hidden:
            return fieldsets
        trimmed = []
        for name, options in fieldsets:
            fields = [f for f in options.get("fields", ()) if f not in hidden]
            if fields:
                trimmed.append((name, {**options, "fields": fields}))
        return trimmed

    def get_list_display(self, request: HttpRequest) -> Any:
        shown = super().get_list_display(request)
        if self.hides_city_field(request):
            return [f for f in shown if f != "city"]
        return shown

    def get_list_filter(self, request: HttpRequest) -> Any:
        filters = super().get_list_filter(request)
        if self.hides_city_field(request):
            return [f for f in filters if f != "city"]
        return filters

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if not self.hides_city_field(request):
            return form
        city_id = user_city_id(request.user)

        class OwnCityForm(form):  # type: ignore[valid-type,misc]
            def __init__(self, *args: Any, **kw: Any) -> None:
                super().__init__(*args, **kw)
                # Set before validation, so the model's own checks (a type's department
                # in the same city, codes unique within the city) see the real city.
                self.instance.city_id = city_id

            def _get_validation_exclusions(self) -> set[str]:
                exclude = super()._get_validation_exclusions()
                exclude.discard("city")
                return exclude

        OwnCityForm.__name__ = form.__name__
        return OwnCityForm

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        self.limit_choices(db_field, request, kwargs)
        return _label_with_city(super().formfield_for_foreignkey(db_field, request, **kwargs), request)

    # --- what is allowed -----------------------------------------------------------
    def in_scope(self, request: HttpRequest, obj: Any) -> bool:
        city_id = user_city_id(request.user)
        return obj is None or city_id is None or city_id_of(obj, self.city_lookup) == city_id

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(self.allowed_actions(request))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may(request, VIEW) and self.in_scope(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.may(request, ADD)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may(request, CHANGE) and self.in_scope(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may(request, DELETE) and self.in_scope(request, obj)

    # --- what is saved -------------------------------------------------------------
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        city_id = user_city_id(request.user)
        if city_id is not None:
            if self.city_lookup == "city":
                obj.city_id = city_id
            elif city_id_of(obj, self.city_lookup) != city_id:
                # Every form field is already limited to the city; this is the last wall.
                raise Http404("No such object.")
        super().save_model(request, obj, form, change)


class CityScopedInline(RoleAccess):
    """Mixin for an inline under a city-scoped parent: same roles, parent's city.

    ``city_lookup`` reaches the city from the inline's own model; the parent's admin has
    already confined the parent object to the user's city.
    """

    city_lookup = "city"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return self.scope_queryset(request, super().get_queryset(request), self.city_lookup)  # type: ignore[misc]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        self.limit_choices(db_field, request, kwargs)
        return _label_with_city(super().formfield_for_foreignkey(db_field, request, **kwargs), request)  # type: ignore[misc]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may(request, VIEW)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may(request, ADD)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may(request, CHANGE)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may(request, DELETE)
