"""Where a case goes: which department works a type, and which type a case takes in the
city where its location lies."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from civicdesk.catalog.models import ServiceType
from civicdesk.tenants.models import City, Department


def department_for(service_type: ServiceType) -> Department | None:
    """The department that works new cases of this type (None: the triage queue)."""
    department = service_type.department
    if department is not None and not department.active:
        return None
    return department


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
