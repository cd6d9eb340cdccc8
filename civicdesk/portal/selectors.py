"""Reads for the resident pages. Everything here is public: never a confidential type,
never a reporter's details (templates show only the case's public fields)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from civicdesk.cases.models import OPEN_STATUSES, ServiceRequest, Status
from civicdesk.cases.selectors import LIST_DEFERRED, public_case_list
from civicdesk.catalog import cache as catalogue_cache
from civicdesk.catalog.models import ServiceType
from civicdesk.catalog.selectors import reportable_types
from civicdesk.catalog.templatetags.service_types import awaits_triage, type_name_for_resident
from civicdesk.core.written import Written
from civicdesk.tenants import reference
from civicdesk.tenants.models import City
from civicdesk.tenants.selectors import DistrictChoices, district_choices

EARTH_RADIUS_M = 6_371_000
NEARBY_RADIUS_M = 200


def report_types(*, city: City | None) -> list[ServiceType]:
    """The problem types a resident can pick.

    On a city's page, that city's active types. On the regional page the resident's city is
    not known yet, so each problem appears once (member cities share codes for the same
    problem; ``case_create`` maps it to the city where the pin falls).
    """
    types = reportable_types().order_by("group", "sort_order", "name", "city_id")
    if city is not None:
        return list(types.filter(city=city))
    seen: set[str] = set()
    unique = []
    for service_type in types.order_by("city_id", "group", "sort_order", "name"):
        if service_type.code not in seen:
            seen.add(service_type.code)
            unique.append(service_type)
    return sorted(unique, key=lambda t: (t.group, t.sort_order, t.name))


def grouped(types: Iterable[ServiceType]) -> list[tuple[Written, list[ServiceType]]]:
    """Types in their groups, in order, each group by its name in the active language (the
    city's Spanish one when it gave one); types without a group go under "Other"."""
    language = translation.get_language() or ""
    groups: dict[str, list[ServiceType]] = {}
    labels: dict[str, Written] = {}
    for service_type in types:
        groups.setdefault(service_type.group, []).append(service_type)
        if service_type.group not in labels or not labels[service_type.group].language.startswith(language[:2]):
            labels[service_type.group] = service_type.local_group(language)
    other = Written(_("Other"), language or settings.LANGUAGE_CODE)
    return [(labels[group] if group else other, members) for group, members in groups.items()]


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine): exact enough for "within 200 m"."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class Nearby:
    case: ServiceRequest
    metres: int


def nearby_open_cases(
    *, service_type: ServiceType, lat: float, lng: float, radius_m: int = NEARBY_RADIUS_M, limit: int = 5
) -> list[Nearby]:
    """Open public cases of the same problem within ``radius_m`` of the point, nearest first.

    The same problem is matched by code, so a case just across a city line is found too.
    """
    # A bounding box the database can use first; the exact distance is checked after.
    dlat = radius_m / 111_320
    dlng = radius_m / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    candidates = public_case_list().filter(
        status__in=OPEN_STATUSES,
        service_type__code=service_type.code,
        lat__range=(lat - dlat, lat + dlat),
        lng__range=(lng - dlng, lng + dlng),
    )
    found = []
    for case in candidates[:200]:
        assert case.lat is not None and case.lng is not None  # the range filter above saw them
        metres = distance_m(lat, lng, case.lat, case.lng)
        if metres <= radius_m:
            found.append(Nearby(case=case, metres=round(metres)))
    found.sort(key=lambda n: n.metres)
    return found[:limit]


def browse_types(*, city: City, language: str = "") -> list[tuple[str, str]]:
    """(code, name) of the problems the browse page filters by, named and sorted in
    ``language`` (``ServiceType.local_name``): the city's public types from the catalogue (a
    few dozen rows), not the types found among its cases, which meant reading every case the
    city ever had. Kept per process and language while the city's reference version holds
    (``city`` as loaded for this request: tenants/reference.py), else in the shared cache (by
    the active language)."""

    def build() -> list[tuple[str, str]]:
        rows = ServiceType.objects.filter(city=city, is_confidential=False).order_by("code", "pk")
        seen: set[str] = set()
        found = []
        for service_type in rows.only("code", "name", "name_es"):
            if service_type.code not in seen:
                seen.add(service_type.code)
                if awaits_triage(service_type):  # residents read what happens, not the queue's name
                    with translation.override(language or translation.get_language()):
                        name = type_name_for_resident(service_type)
                else:
                    name = service_type.local_name(language)
                found.append((service_type.code, name))
        return sorted(found, key=lambda item: (item[1], item[0]))

    return reference.kept(
        city, f"browse-types:{language}", lambda: catalogue_cache.cached("browse-types", city.pk, build)
    )


def browse_districts(*, city: City) -> DistrictChoices:
    """The city's districts for the browse page's filter (``district_choices``); kept per
    process while the city's reference version holds (tenants/reference.py)."""
    return reference.kept(city, "browse-districts", lambda: district_choices(city.districts.all()))


# What a public list of cases shows of each (reference, type, address or district, status,
# opened, the map's pin): the rest of the row and the assignee and department are not read.
# Fewer joins matter beyond the rows: planning a query of six joined tables took longer than
# running it.
LISTED_RELATED = ("city", "service_type", "district")
LISTED_DEFERRED = (
    *(f for f in LIST_DEFERRED if not f.startswith("assignee__")),
    "city__boundary",
    "district__boundary",
)


def listed(cases: QuerySet[ServiceRequest]) -> QuerySet[ServiceRequest]:
    """``cases`` as a public list reads them (``LISTED_RELATED``)."""
    return cases.select_related(None).select_related(*LISTED_RELATED).defer(*LISTED_DEFERRED)


STATUS_FILTERS = {"open": OPEN_STATUSES, "closed": (Status.CLOSED,)}


def browse_cases(
    *, city: City, district: str = "", service_type: str = "", status: str = ""
) -> QuerySet[ServiceRequest]:
    """A city's public cases for the browse page, newest first, filtered by the resident's
    choices; unknown filter values are ignored rather than refused."""
    cases = listed(public_case_list(city=city)).order_by("-opened_at", "-pk")
    if district.isdigit():
        cases = cases.filter(district_id=int(district))
    if service_type:
        # The ids of the city's type of that code, looked up first: given the id itself, the
        # planner knows how many cases the type has (a join told it only an average) and reads
        # the newest ones from the index by type instead of fetching every case of the type.
        ids = list(ServiceType.objects.filter(city=city, code=service_type).order_by().values_list("pk", flat=True))
        cases = cases.filter(service_type_id__in=ids)
    if status in STATUS_FILTERS:
        cases = cases.filter(status__in=STATUS_FILTERS[status])
    return cases
