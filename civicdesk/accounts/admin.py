"""Admin for staff accounts.

A city administrator creates and edits their own city's staff: any city role, a
department of their city, a password checked by Django's validators. They cannot see or
touch superusers or regional administrators, cannot make anyone either, and cannot move
anyone to another city. Administrators get into the admin the moment their account
exists: ``is_staff`` follows from the role.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_lazy

from civicdesk.accounts.models import EMAILED_ROLES, Role, User
from civicdesk.core.forms import SignInMistakes
from civicdesk.tenants.scoping import READ_ONLY, CityScopedAdmin, user_city_id


class AdminSignInForm(SignInMistakes, AdminAuthenticationForm):
    """The admin's sign-in (/admin/login/, templates/admin/login.html) tells a wrong password
    as the console's does: in the summary, linked to the username, both boxes marked invalid
    and described by the summary (Django's page writes the message nowhere else we keep)."""

    mistake_id = "error-summary"


admin.site.login_form = AdminSignInForm


class StaffEmailRequired:
    """The add and change pages ask an active account of a city's role for its email
    address: the cases assigned to it are emailed there, and without one it is told nothing
    (``EMAILED_ROLES``). Two accounts may share an address: nothing matches a reply or a
    sign-in to an account by it."""

    fields: dict[str, Any]
    cleaned_data: dict[str, Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "email" in self.fields:
            self.fields["email"].help_text = gettext_lazy(
                "Required for a city's staff (every role but regional administrator): the cases assigned to "
                "them are emailed here. An operator's account may leave it empty."
            )

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean()  # type: ignore[misc]
        role = cleaned.get("role")
        active = cleaned.get("is_active", True)  # the add page has no box: a new account is active
        errors: Any = getattr(self, "errors", {})
        if role in EMAILED_ROLES and active and not cleaned.get("email") and "email" not in errors:
            self.add_error(  # type: ignore[attr-defined]
                "email",
                gettext(
                    "Enter an email address: the cases assigned to staff with the role “%(role)s” are emailed "
                    "to them, and an account without one is told of nothing."
                )
                % {"role": Role(role).label},
            )
        return cleaned


class StaffCreationForm(StaffEmailRequired, AdminUserCreationForm):
    pass


class StaffChangeForm(StaffEmailRequired, UserChangeForm):
    pass


ADMIN_ROLES = {Role.CITY_ADMIN, Role.REGIONAL_ADMIN}
# Only a superuser grants these; a city administrator never sees them.
OPERATOR_FIELDS = {"is_superuser", "groups", "user_permissions"}


@admin.register(User)
class StaffAdmin(CityScopedAdmin, UserAdmin):
    regional_admin_can = READ_ONLY
    add_form = StaffCreationForm
    form = StaffChangeForm
    list_display = ["username", "display_name", "email", "role", "department", "city", "is_active", "is_staff"]
    list_filter = ["role", "is_active", "is_staff", ("department", admin.RelatedOnlyFieldListFilter), "city"]
    search_fields = ["username", "first_name", "last_name", "email"]
    ordering = ["last_name", "first_name", "username"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (gettext_lazy("Person"), {"fields": ["first_name", "last_name", "email", "phone"]}),
        (gettext_lazy("Work"), {"fields": ["role", "city", "department"]}),
        (
            gettext_lazy("Access"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (gettext_lazy("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        # The address beside the username: a city's staff are emailed their cases (StaffEmailRequired).
        (None, {"classes": ["wide"], "fields": ["username", "email", "usable_password", "password1", "password2"]}),
        (gettext_lazy("Person"), {"fields": ["first_name", "last_name", "phone"]}),
        (gettext_lazy("Work"), {"fields": ["role", "city", "department"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]

    @admin.display(description=gettext_lazy("Name"))
    def display_name(self, obj: User) -> str:
        return obj.get_full_name()

    def get_queryset(self, request: HttpRequest) -> Any:
        qs = super().get_queryset(request).select_related("city", "department")
        if user_city_id(request.user) is not None:
            # A city's staff list holds its staff; operators' accounts are not theirs to touch.
            qs = qs.filter(is_superuser=False).exclude(role=Role.REGIONAL_ADMIN)
        return qs

    def hidden_fields(self, request: HttpRequest) -> set[str]:
        hidden = super().hidden_fields(request)
        if not request.user.is_superuser:
            hidden |= OPERATOR_FIELDS
        return hidden

    def formfield_for_choice_field(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "role" and not request.user.is_superuser:
            kwargs["choices"] = [("", "---------")] + [(r.value, r.label) for r in Role if r != Role.REGIONAL_ADMIN]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        # The form cannot offer these to anyone but a superuser; this stops a crafted request.
        if not request.user.is_superuser and (obj.role == Role.REGIONAL_ADMIN or obj.is_superuser):
            raise PermissionDenied
        if obj.role in ADMIN_ROLES:
            obj.is_staff = True
        super().save_model(request, obj, form, change)
