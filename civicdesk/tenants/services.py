"""Writes of the tenants app: council districts from an administrator's map."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicdesk.tenants.districts import DistrictShape
from civicdesk.tenants.models import City, District


@transaction.atomic
def district_import(*, city: City, shapes: list[DistrictShape], is_illustrative: bool = False) -> list[District]:
    """Create one district of ``city`` per shape, all or none.

    A name the city already uses is refused rather than overwritten: replacing an adopted
    map is done district by district, where the administrator sees what changes.
    """
    taken = set(District.objects.filter(city=city, name__in=[s.name for s in shapes]).values_list("name", flat=True))
    if taken:
        raise ValidationError(
            _("%(city)s already has districts named %(names)s; rename or delete them first.")
            % {"city": city.name, "names": ", ".join(f"“{n}”" for n in sorted(taken))}
        )
    return [
        District.objects.create(
            city=city, name=s.name, number=s.number, boundary=s.boundary, is_illustrative=is_illustrative
        )
        for s in shapes
    ]
