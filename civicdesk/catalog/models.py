"""What can be reported: each city's service types and the questions each one asks."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicdesk.core.written import Written, written


class ServiceType(models.Model):
    city = models.ForeignKey(
        "tenants.City", on_delete=models.CASCADE, related_name="service_types", verbose_name=_("city")
    )
    code = models.SlugField(_("code"), max_length=60, help_text=_("Open311 service_code; stable, never reused."))
    name = models.CharField(_("name"), max_length=200)
    name_es = models.CharField(
        _("name in Spanish"), max_length=200, blank=True, help_text=_("Shown to residents reading in Spanish.")
    )
    group = models.CharField(_("group"), max_length=100, blank=True)
    group_es = models.CharField(
        _("group in Spanish"), max_length=100, blank=True, help_text=_("Shown to residents reading in Spanish.")
    )
    description = models.TextField(_("description"), blank=True)
    keywords = models.CharField(_("keywords"), max_length=300, blank=True)
    department = models.ForeignKey(
        "tenants.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_types",
        help_text=_("Where new cases of this type are routed. Empty: cases wait in triage."),
        verbose_name=_("department"),
    )
    target_days = models.PositiveSmallIntegerField(
        _("target days"), null=True, blank=True, help_text=_("Days a case of this type should take to close.")
    )
    target_in_business_days = models.BooleanField(
        _("target counts business days"),
        default=False,
        help_text=_(
            "Count the target in the city's business days (its working weekdays, not its holidays): "
            "a case is due at closing time on the last of them. Unchecked: calendar days."
        ),
    )
    active = models.BooleanField(_("active"), default=True)
    is_confidential = models.BooleanField(
        _("confidential"),
        default=False,
        help_text=_("Cases of this type never appear on any public page, feed or API."),
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("service type")
        verbose_name_plural = _("service types")
        ordering = ["city", "group", "sort_order", "name"]
        constraints = [models.UniqueConstraint(fields=["city", "code"], name="service_code_unique_in_city")]

    def __str__(self) -> str:
        return self.name

    def local_name(self, language: str) -> Written:
        """The name in ``language`` ("es": the Spanish name when there is one)."""
        return written(self.name, self.name_es, language)

    def local_group(self, language: str) -> Written:
        """The group in ``language`` ("es": the Spanish group when there is one)."""
        return written(self.group, self.group_es, language)

    def clean(self) -> None:
        if self.department_id and self.department and self.department.city_id != self.city_id:
            raise ValidationError({"department": _("The department must belong to the same city.")})


class Datatype(models.TextChoices):
    STRING = "string", _("Short text")
    NUMBER = "number", _("Number")
    DATETIME = "datetime", _("Date and time")
    TEXT = "text", _("Long text")
    SINGLEVALUELIST = "singlevaluelist", _("One choice")
    MULTIVALUELIST = "multivaluelist", _("Several choices")


class ServiceAttribute(models.Model):
    """A question a service type asks (an Open311 attribute)."""

    service_type = models.ForeignKey(
        ServiceType, on_delete=models.CASCADE, related_name="attributes", verbose_name=_("service type")
    )
    code = models.SlugField(_("code"), max_length=60)
    datatype = models.CharField(_("datatype"), max_length=20, choices=Datatype.choices, default=Datatype.STRING)
    question = models.CharField(_("question"), max_length=300, help_text=_("The question as the resident reads it."))
    question_es = models.CharField(
        _("question in Spanish"), max_length=300, blank=True, help_text=_("Shown to residents reading in Spanish.")
    )
    description = models.CharField(
        _("description"), max_length=300, blank=True, help_text=_("Open311 datatype_description.")
    )
    required = models.BooleanField(_("required"), default=False)
    variable = models.BooleanField(
        _("variable"), default=True, help_text=_("False for an informational note with no answer.")
    )
    values = models.JSONField(
        _("values"),
        default=list,
        blank=True,
        help_text=_('For lists: [{"key": "k", "name": "Shown name", "name_es": "Nombre"}, ...] ("name_es" optional)'),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("service attribute")
        verbose_name_plural = _("service attributes")
        ordering = ["service_type", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["service_type", "code"], name="attribute_code_unique_in_type")]

    def __str__(self) -> str:
        return self.question

    def value_keys(self) -> list[str]:
        return [str(v.get("key")) for v in self.values or [] if isinstance(v, dict)]

    def local_question(self, language: str) -> Written:
        """The question in ``language`` ("es": the Spanish question when there is one)."""
        return written(self.question, self.question_es, language)

    def local_choices(self, language: str) -> list[tuple[str, Written]]:
        """(key, name) of each choice, the name in ``language`` where the choice has one
        (``"name_es"``), else as written."""
        return [
            (str(v.get("key")), written(str(v.get("name", v.get("key"))), str(v.get("name_es") or ""), language))
            for v in self.values or []
            if isinstance(v, dict)
        ]


class CannedResponse(models.Model):
    """A ready-made closing note staff pick when closing a case.

    One without a service type is offered for every type of the city.
    """

    city = models.ForeignKey(
        "tenants.City", on_delete=models.CASCADE, related_name="canned_responses", verbose_name=_("city")
    )
    service_type = models.ForeignKey(
        ServiceType,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="canned_responses",
        help_text=_("Empty: offered for every type of the city."),
        verbose_name=_("service type"),
    )
    title = models.CharField(_("title"), max_length=100, help_text=_("What staff pick from the list."))
    text = models.TextField(_("text"), help_text=_("The closing note the resident reads."))

    class Meta:
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")
        ordering = ["city", "title"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.service_type_id and self.service_type and self.service_type.city_id != self.city_id:
            raise ValidationError({"service_type": _("The service type must belong to the same city.")})


class AgreementStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACTIVE = "active", _("Active")
    DECLINED = "declined", _("Declined")
    ENDED = "ended", _("Ended")


class ServiceAgreement(models.Model):
    """City B's department works some of city A's service types (a shared service).

    The client city's administrator proposes it; the provider city's administrator accepts
    it. While active and within its dates, new cases of those types in the client city are
    routed to the provider's department: they stay the client city's cases, and the
    provider's staff see and work them (and nothing else of the client city).
    """

    client_city = models.ForeignKey(
        "tenants.City", on_delete=models.PROTECT, related_name="agreements_as_client", verbose_name=_("client city")
    )
    provider_city = models.ForeignKey(
        "tenants.City", on_delete=models.PROTECT, related_name="agreements_as_provider", verbose_name=_("provider city")
    )
    provider_department = models.ForeignKey(
        "tenants.Department", on_delete=models.PROTECT, related_name="agreements", verbose_name=_("provider department")
    )
    service_types = models.ManyToManyField(
        ServiceType,
        related_name="agreements",
        help_text=_("The client city's types the provider works."),
        verbose_name=_("service types"),
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True, help_text=_("Last day; empty: until ended."))
    billing_note = models.TextField(
        _("billing note"), blank=True, help_text=_("How the provider bills the client, e.g. per case.")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=AgreementStatus.choices, default=AgreementStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    proposed_at = models.DateTimeField(_("proposed at"))
    decided_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("service agreement")
        verbose_name_plural = _("service agreements")
        ordering = ["client_city", "-starts_on"]

    def __str__(self) -> str:
        return f"{self.provider_department} for {self.client_city} ({self.get_status_display()})"
