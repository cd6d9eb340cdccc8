"""Staff accounts: every staff member belongs to one city (regional admins to none)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CALL_TAKER = "call_taker", _("Call taker")
    WORKER = "worker", _("Department worker")
    SUPERVISOR = "supervisor", _("Supervisor")
    CITY_ADMIN = "city_admin", _("City administrator")
    # Works the city's confidential reports (e.g. a fraud hotline), and only those.
    INVESTIGATOR = "investigator", _("Investigator (confidential reports)")
    REGIONAL_ADMIN = "regional_admin", _("Regional administrator")


# The roles whose accounts are emailed: a case can be assigned to any of them (investigators
# the confidential ones), and supervisors, or else administrators, are told of the reports
# waiting in triage. Such an account needs an address. A regional administrator's, or an
# operator's without a role, may have none: nothing is emailed to them.
EMAILED_ROLES = frozenset({Role.CALL_TAKER, Role.WORKER, Role.SUPERVISOR, Role.CITY_ADMIN, Role.INVESTIGATOR})


class User(AbstractUser):
    email = models.EmailField(_("email address"), blank=True)
    city = models.ForeignKey(
        "tenants.City", null=True, blank=True, on_delete=models.PROTECT, related_name="staff", verbose_name=_("city")
    )
    department = models.ForeignKey(
        "tenants.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
        verbose_name=_("department"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["last_name", "first_name", "username"]

    def clean(self) -> None:
        super().clean()
        if self.role and self.role != Role.REGIONAL_ADMIN and self.city_id is None:
            raise ValidationError({"city": _("Staff with this role must belong to a city.")})
        if self.department_id and self.department and self.department.city_id != self.city_id:
            raise ValidationError({"department": _("The department must belong to the staff member's city.")})

    @property
    def is_city_staff(self) -> bool:
        return bool(self.role) and self.city_id is not None and self.is_active

    @property
    def is_regional_admin(self) -> bool:
        return self.role == Role.REGIONAL_ADMIN and self.is_active

    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def __str__(self) -> str:
        return self.display_name()
