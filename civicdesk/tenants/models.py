"""The collaborative and its member cities, their council districts and departments."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(_("%(tz)s is not a known time zone."), params={"tz": value}) from exc


def validate_geojson_area(value: object) -> None:
    """A boundary must be a GeoJSON Polygon or MultiPolygon (or a Feature holding one)."""
    from civicdesk.tenants import geo

    geo.shape_from_geojson(value)


class Region(models.Model):
    """A group of cities that run one shared system (the collaborative)."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), unique=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class City(models.Model):
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="cities", verbose_name=_("region"))
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), unique=True)
    jurisdiction_id = models.CharField(
        _("jurisdiction id"),
        max_length=200,
        unique=True,
        help_text=_("Open311 jurisdiction_id, usually the city's web domain."),
    )
    case_prefix = models.CharField(
        _("case prefix"),
        max_length=8,
        unique=True,
        help_text=_("Letters before each case number, e.g. IND for IND-1042."),
    )
    timezone = models.CharField(_("timezone"), max_length=64, default="America/Chicago", validators=[validate_timezone])
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        _("fiscal year start month"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("Month the fiscal year starts: 7 means Q1 is July to September."),
    )
    boundary = models.JSONField(
        _("boundary"),
        help_text=_("City limits, a GeoJSON Polygon or MultiPolygon."),
        validators=[validate_geojson_area],
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    email = models.EmailField(
        _("email"), blank=True, help_text=_("Address residents write to; mail to it becomes cases.")
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    website = models.URLField(_("website"), blank=True)
    # Next per-city case number; taken under a row lock in cases.services.case_create.
    next_case_number = models.PositiveIntegerField(_("next case number"), default=1001, editable=False)
    # Moved on when the city's staff, types, departments, districts or agreements change: each
    # process's copies of those short lists (tenants/reference.py) are then read again.
    reference_version = models.PositiveBigIntegerField(_("reference version"), default=0, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("city")
        ordering = ["name"]
        verbose_name_plural = _("cities")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The case counter is written only by cases.invariants.case_numbers_take (one UPDATE …
        # RETURNING, under its row lock). A city saved from an admin form or a command loaded
        # earlier must not write back the number it read then, or two cases would share one; nor
        # the reference version it read (tenants/reference.py), or copies made since would pass
        # for fresh.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in ("next_case_number", "reference_version")
            ]
        super().save(*args, **kwargs)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class District(models.Model):
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="districts", verbose_name=_("city"))
    name = models.CharField(_("name"), max_length=100)
    number = models.PositiveSmallIntegerField(_("number"), null=True, blank=True)
    boundary = models.JSONField(_("boundary"), validators=[validate_geojson_area])
    is_illustrative = models.BooleanField(
        _("is illustrative"),
        default=False,
        help_text=_("Drawn for the demo, not the city's adopted map."),
    )
    retired_on = models.DateField(
        _("retired on"),
        null=True,
        blank=True,
        help_text=_("The day a new map replaced this district. Its cases keep it; new cases are not placed in it."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["city", "number", "name"]
        constraints = [
            models.UniqueConstraint(fields=["city", "name"], name="district_name_unique_in_city"),
            # Each district of a city's current map has its own number; a retired district
            # keeps its number (its cases' reports name it), so the rule is on current ones.
            # The admin's form, the import and a restore say it in words first; this is the
            # backstop for whatever writes a district another way.
            models.UniqueConstraint(
                fields=["city", "number"],
                condition=models.Q(retired_on__isnull=True, number__isnull=False),
                name="district_number_unique_in_current_map",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="departments", verbose_name=_("city"))
    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(_("code"), max_length=60)
    email = models.EmailField(
        _("email"), blank=True, help_text=_("Shared inbox told of cases assigned to the department.")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["city", "name"]
        constraints = [models.UniqueConstraint(fields=["city", "code"], name="department_code_unique_in_city")]

    def __str__(self) -> str:
        return self.name


class NeighbourArea(models.Model):
    """A neighbouring place that is not a member of the collaborative.

    Known only so that a resident whose pin falls there is told whom to contact instead of
    a bare "outside the service area".
    """

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), unique=True)
    boundary = models.JSONField(
        _("boundary"), help_text=_("Its limits, a GeoJSON Polygon or MultiPolygon."), validators=[validate_geojson_area]
    )
    website = models.URLField(_("website"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("neighbor area")
        verbose_name_plural = _("neighbor areas")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
