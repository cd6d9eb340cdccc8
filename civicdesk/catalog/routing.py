"""Where a case goes: which department works a type, and which type a case takes in the
city where its location lies."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from civicdesk.catalog.models import AgreementStatus, ServiceAgreement, ServiceType
from civicdesk.core.sql import first_row
from civicdesk.tenants.models import City, Department
from civicdesk.tenants.services import city_today

# Whether an active agreement names the type: asked by every report, in plain SQL (core/sql.py).
_NAMED_SQL = """
SELECT 1 FROM "catalog_serviceagreement_service_types" AS named
INNER JOIN "catalog_serviceagreement" AS agreement ON agreement."id" = named."serviceagreement_id"
WHERE named."servicetype_id" = %s AND agreement."status" = %s
LIMIT 1
"""


def agreement_for(service_type: ServiceType, *, on: dt.date | None = None) -> ServiceAgreement | None:
    """The active shared-service agreement under which another city works this type on
    ``on`` (the city's today when None), if any."""
    if on is None:
        # The city's time zone alone, not its boundary.
        on = city_today(City.objects.only("timezone").get(pk=service_type.city_id))
    # Most types are worked by their own city: whether any active agreement names the type
    # at all is asked first (one index of the agreements' types), and only a yes reads the
    # agreement of the day with its department and city.
    if first_row(ServiceAgreement, _NAMED_SQL, [service_type.pk, AgreementStatus.ACTIVE.value]) is None:
        return None
    return (
        ServiceAgreement.objects.filter(
            status=AgreementStatus.ACTIVE,
            client_city_id=service_type.city_id,
            service_types=service_type,
            starts_on__lte=on,
            provider_department__active=True,
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .select_related("provider_department", "provider_city")
        .order_by("-starts_on", "pk")
        .first()
    )


def department_for(service_type: ServiceType, *, on: dt.date | None = None) -> Department | None:
    """The department that works new cases of this type (None: the triage queue).

    Under an active shared-service agreement that is the provider city's department; the
    case stays the client city's. ``on`` is the day the case was opened (today if None).
    """
    agreement = agreement_for(service_type, on=on)
    if agreement is not None:
        return agreement.provider_department
    department = service_type.department
    if department is not None and not department.active:
        return None
    return department


class Departments:
    """``department_for`` for every type of a city and any day, read once: the batch form
    for an importer, whose cases were opened on many days (``department_for`` reads the
    agreements of one day per call). Answers without touching the database afterwards."""

    def __init__(self, types: list[ServiceType]) -> None:
        self._types = {t.pk: t for t in types}
        agreements = (
            ServiceAgreement.objects.filter(
                status=AgreementStatus.ACTIVE,
                client_city_id__in={t.city_id for t in types},
                provider_department__active=True,
            )
            .select_related("provider_department")
            .prefetch_related("service_types")
            .order_by("-starts_on", "pk")  # as agreement_for: the latest start wins
        )
        self._agreements: dict[int, list[ServiceAgreement]] = {}
        for agreement in agreements:
            for service_type in agreement.service_types.all():
                self._agreements.setdefault(service_type.pk, []).append(agreement)
        self._memo: dict[tuple[int, dt.date], Department | None] = {}

    def shared(self, service_type: ServiceType) -> bool:
        """Is the type worked under an agreement on some day (else its department every day)?"""
        return service_type.pk in self._agreements

    def department(self, service_type: ServiceType, on: dt.date) -> Department | None:
        """The department working new cases of ``service_type`` on ``on`` (None: triage)."""
        key = (service_type.pk, on)
        if key not in self._memo:
            department = next(
                (
                    a.provider_department
                    for a in self._agreements.get(service_type.pk, ())
                    if a.starts_on <= on and (a.ends_on is None or a.ends_on >= on)
                ),
                None,
            )
            self._memo[key] = department if department is not None else self.own(service_type)
        return self._memo[key]

    def own(self, service_type: ServiceType) -> Department | None:
        """The type's own department, None when it is inactive (the triage queue)."""
        own = self._types[service_type.pk].department
        return own if own is not None and own.active else None


def service_type_in_city(service_type: ServiceType, city: City) -> ServiceType:
    """The type a case takes in ``city``: the same type, or that city's type with the same code.

    A report made at one city's door about a place in another member city is that other
    city's case; the types of member cities share codes where they mean the same thing.
    """
    if service_type.city_id == city.pk:
        return service_type
    match = (
        ServiceType.objects.filter(city=city, code=service_type.code, active=True).first()
        or ServiceType.objects.filter(city=city, name__iexact=service_type.name, active=True).first()
    )
    if match is None:
        raise ValidationError(
            {
                "service_type": _(
                    "This location is in %(city)s, which takes no “%(type)s” reports. Please choose one of %(city)s's problem types."
                )
                % {"city": city.name, "type": service_type.name}
            },
            code="type_not_in_city",
        )
    return match
