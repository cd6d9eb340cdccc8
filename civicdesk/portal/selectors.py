"""Reads for the resident pages. Everything here is public: never a confidential type,
never a reporter's details (templates show only the case's public fields)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from civicdesk.cases.models import OPEN_STATUSES, ServiceRequest, Status
from civicdesk.cases.selectors import LIST_DEFERRED, cases_within, public_case_list
from civicdesk.catalog import cache as catalogue_cache
from civicdesk.catalog.models import ServiceType
from civicdesk.catalog.selectors import reportable_types
from civicdesk.catalog.templatetags.service_types import awaits_triage, type_name_for_resident
from civicdesk.core.written import Written
from civicdesk.tenants import reference
from civicdesk.tenants.models import City
from civicdesk.tenants.selectors import DistrictChoices, district_choices

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


@dataclass(frozen=True)
class Nearby:
    case: ServiceRequest
    metres: int


def nearby_open_cases(
    *, service_type: ServiceType, lat: float, lng: float, radius_m: int = NEARBY_RADIUS_M, limit: int = 5
) -> list[Nearby]:
    """Open public cases of the same problem within ``radius_m`` of the point, nearest first.

    The same problem is matched by code, so a case just across a city line is found too. The
    circle is the cases' shared one (``cases.selectors.cases_within``), asked of each city that
    has the problem: the index by band of latitude leads with the city, so naming the cities
    lets it read only the bands the circle crosses."""
    types = ServiceType.objects.filter(code=service_type.code, is_confidential=False).values_list("pk", "city_id")
    if not types:
        return []
    type_ids, city_ids = zip(*types, strict=True)
    candidates = public_case_list().filter(
        city_id__in=sorted(set(city_ids)), service_type_id__in=sorted(type_ids), status__in=OPEN_STATUSES
    )
    found = cases_within(candidates, lat=lat, lng=lng, radius_m=radius_m).order_by(F("distance_m").asc(), "pk")
    return [Nearby(case=case, metres=round(case.distance_m)) for case in found[:limit]]  # type: ignore[attr-defined]


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
