"""Loading the five-city demo: places, catalogue, staff, and months of cases up to today.

Cases are made by the real services (``case_create``, ``case_assign``, ``case_close``…),
each call inside ``clock.frozen_at`` so its events carry their historical moment, and
inside ``outbox.suppressed`` so replaying the past sends no email. The mix of problem
types follows seed 004 (see ``civicdesk.demo.catalogue``). Everything is drawn from a
random generator seeded with the date, so two loads on the same day give the same demo.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import random
import time
import zoneinfo
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, ImageDraw
from shapely.geometry.base import BaseGeometry

from civicdesk.accounts.models import Role, User
from civicdesk.cases import services
from civicdesk.cases.models import Channel, Resolution, ServiceRequest, Status
from civicdesk.catalog.models import CannedResponse, ServiceAttribute, ServiceType
from civicdesk.core import clock
from civicdesk.core.business_days import BusinessCalendar
from civicdesk.demo import texts
from civicdesk.demo.catalogue import (
    CATALOGUES,
    INDEPENDENCE_CASES_PER_3_WEEKS,
    PROBLEMS,
    CityCatalogue,
    Problem,
)
from civicdesk.demo.places import DEFAULT_DATA_DIR, MEMBER_CITIES, load_member_cities
from civicdesk.demo.spanish import GROUPS_ES, choices_with_spanish, question_es
from civicdesk.demo.staff import DEMO_PASSWORD, STAFF
from civicdesk.demo.streets import DLNG, address_at, address_point, demo_streets_load
from civicdesk.notifications import outbox
from civicdesk.places.models import AddressPoint, Source
from civicdesk.places.readers import ColumnMapping, point_row
from civicdesk.places.services import addresses_load
from civicdesk.reports import rollups
from civicdesk.tenants.geo import shape_from_geojson
from civicdesk.tenants.models import City, Department, District
from civicdesk.tenants.selectors import business_calendar
from civicdesk.tenants.services import city_today

REGION_SLUG = "eastern-jackson-county"
REFERENCE_CITY = "independence"  # the city whose seed-004 volume the others scale from
DEFAULT_DAYS = 91  # three months: several months of history, loaded in about a minute or two

# How residents reach the city (per cent); phone and walk-in are staff-entered.
STAFF_ENTERED = (Channel.PHONE, Channel.WALK_IN)
CHANNEL_MIX = (
    (Channel.WEB, 30),
    (Channel.MOBILE, 25),
    (Channel.PHONE, 24),
    (Channel.WALK_IN, 5),
    (Channel.EMAIL, 9),
    (Channel.OPEN311, 7),
)
# Relative volume by weekday (Monday first) and by local hour of the day.
WEEKDAY_FACTOR = (1.25, 1.15, 1.1, 1.1, 1.0, 0.45, 0.35)
HOUR_WEIGHTS = (1, 1, 0, 0, 0, 1, 3, 6, 9, 10, 10, 9, 8, 9, 9, 8, 7, 6, 5, 5, 4, 3, 2, 1)

# Shares of a case's life (drawn per case).
CLOSE_MEDIAN_OF_TARGET = 0.55  # median time to close, as a fraction of the target days
CLOSE_SPREAD = 0.8  # log-normal sigma: about a quarter of closed cases are overdue
NEVER_CLOSED = 0.03  # old cases still open: the backlog
IN_PROGRESS, PUBLIC_NOTE, INTERNAL_NOTE = 0.5, 0.3, 0.15
PHOTO, CHANGE_TYPE, REOPEN = 0.004, 0.01, 0.015
# A department that takes up calls on their business day (``DepartmentSpec.same_day_calls``,
# animal services) does so after a wait drawn with this mean, in hours from the call (or from
# opening time, for one that came in overnight or at the weekend); a call still waiting at
# closing time is held over to the next business day, as is one of a short-staffed day (this
# share of them).
# The calls of the last hours of the afternoon are the ones held over: about 16% of all calls,
# near the 15% Independence reported for the first quarter of FY2018 (seed 003; goal < 5%).
RESPONSE_HOURS, SHORT_STAFFED = 2.0, 0.05
# Any other department that keeps office hours (code enforcement: inspectors) first inspects a
# report after a wait counted in its office hours, drawn with this mean (about two business
# days of nine hours), so a report of Friday evening is seen in the next week: about four in
# five reports are inspected within five days, near the 81% Independence reported for the first
# quarter of FY2018 (seed 003; goal 75%).
INSPECTION_OFFICE_HOURS = 18.0


@dataclass
class DemoSummary:
    loaded: bool
    cities: int = 0
    departments: int = 0
    service_types: int = 0
    staff: int = 0
    cases: int = 0
    open_cases: int = 0
    seconds: float = 0.0

    def lines(self) -> list[str]:
        head = "Demo loaded" if self.loaded else "Demo already loaded; nothing to do"
        return [
            f"{head} ({self.seconds:.1f} s):",
            f"  {self.cities} cities, {self.departments} departments, {self.service_types} service types,",
            f"  {self.staff} staff accounts, {self.cases} cases ({self.open_cases} open).",
        ]


def demo_is_loaded() -> bool:
    """The marker: the collaborative exists and has cases."""
    return ServiceRequest.objects.filter(city__region__slug=REGION_SLUG).exists()


def load_demo(
    *,
    days: int = DEFAULT_DAYS,
    scale: float = 1.0,
    today: dt.date | None = None,
    data_dir: Path = DEFAULT_DATA_DIR,
    progress: Callable[[str], None] | None = None,
) -> DemoSummary:
    """Load the whole demo unless it is already there; return what the database holds.

    ``days`` of history end now; ``scale`` multiplies the volume (1.0 is seed 004's
    volume for Independence, the others in proportion to population). ``today`` is the
    last day of the history (default: the current date; nothing is made after now) and
    seeds the random draws, so the demo is reproducible.
    """
    started = time.monotonic()
    if demo_is_loaded():
        if not AddressPoint.objects.filter(illustrative=True).exists():
            # A demo loaded before it had a gazetteer gets one.
            gazetteer_load(cities={c.slug: c for c in City.objects.filter(region__slug=REGION_SLUG)})
        # A database loaded before the demo had streets gets them now (nothing if it has them).
        demo_streets_load(cities=list(City.objects.filter(region__slug=REGION_SLUG)))
        # ... and one loaded before its types had Spanish names gets those (one query if it has them).
        spanish_names_load()
        # ... and one whose closing notes were offered for types they do not fit gets them refitted.
        canned_responses_refit(cities=list(City.objects.filter(region__slug=REGION_SLUG)))
        return _summary(loaded=False, started=started)
    say = progress or (lambda _msg: None)
    with transaction.atomic():
        cities = {c.slug: c for c in load_member_cities(data_dir=data_dir)}
        catalogue_load(cities=cities)
        for city in cities.values():
            canned_responses_load(city=city)
        staff_load(cities=cities)
    say(f"Places, catalog and staff: {time.monotonic() - started:.1f} s")
    cases_load(cities=cities, days=days, scale=scale, today=today, progress=say)
    # The gazetteer (the grid's blocks, the cases' addresses) comes after the history: its
    # cases were reported in their own city with addresses typed as they came, and a made-up
    # address found in another member city's streets would send the case there (no wrong
    # door), away from the staff who work it in the history.
    demo_streets_load(cities=list(cities.values()))
    addresses = gazetteer_load(cities=cities)
    addresses_read_against_the_gazetteer(cities=cities)
    say(f"Illustrative gazetteer: {addresses} addresses")
    return _summary(loaded=True, started=started)


def gazetteer_load(*, cities: dict[str, City]) -> int:
    """Each city's gazetteer from its demo cases' invented addresses, flagged illustrative
    as the districts are: a newcomer can try the address search and the pin's address. The
    addresses are made up, from the illustrative street grid at the case's point
    (``streets.address_at``), so a pin's address names the street the map draws under it;
    each is placed on that street level with the pin (``streets.address_point``), where its
    number lies. Confidential cases are left out: the gazetteer is public. Returns how many
    addresses were written."""
    mapping = ColumnMapping(columns={"address": "address", "id": "id"})
    written = 0
    for city in cities.values():
        cases = (
            ServiceRequest.objects.filter(
                city=city, lat__isnull=False, lng__isnull=False, service_type__is_confidential=False
            )
            .exclude(address="")
            .order_by("opened_at", "pk")
            .values_list("number", "address", "lat", "lng")
        )
        # Each address at its place on the street it names (``address_point``), not at the
        # case's pin, which may be half a block off: a search finds it on the drawn street.
        rows = (
            (
                n,
                point_row(
                    {"address": address, "id": f"{city.case_prefix}-{number}"}.__getitem__,
                    mapping,
                    *address_point(float(lat or 0), float(lng or 0)),  # never None: filtered above
                ),
            )
            for n, (number, address, lat, lng) in enumerate(cases.iterator(), start=1)
        )
        report = addresses_load(city=city, rows=rows, source=Source.CASES, illustrative=True)
        written += report.written
    return written


def addresses_read_against_the_gazetteer(*, cities: dict[str, City]) -> int:
    """Record each pinned case's address as intake would have with the gazetteer there: the
    history is replayed before the grid and the cases' addresses are loaded (see load_demo),
    so every address beside a pin was recorded "typed, not matched". Only the source and the
    distance change, never the address. Returns how many cases changed."""
    from civicdesk.cases.models import AddressSource
    from civicdesk.cases.placement import pin_with_address

    changed: list[ServiceRequest] = []
    cases = ServiceRequest.objects.filter(
        city__in=list(cities.values()), lat__isnull=False, lng__isnull=False, address_source=AddressSource.TYPED
    ).exclude(address="")
    for case in cases.only("pk", "address", "lat", "lng").iterator():
        assert case.lat is not None and case.lng is not None  # the query's filter
        placed = pin_with_address(case.address, (case.lat, case.lng))
        if placed.source != AddressSource.TYPED:
            case.address_source, case.address_distance_m = placed.source, placed.distance_m
            changed.append(case)
    ServiceRequest.objects.bulk_update(changed, ["address_source", "address_distance_m"], batch_size=500)
    return len(changed)


def _summary(*, loaded: bool, started: float) -> DemoSummary:
    cases = ServiceRequest.objects.filter(city__region__slug=REGION_SLUG)
    return DemoSummary(
        loaded=loaded,
        cities=City.objects.filter(region__slug=REGION_SLUG).count(),
        departments=Department.objects.filter(city__region__slug=REGION_SLUG).count(),
        service_types=ServiceType.objects.filter(city__region__slug=REGION_SLUG).count(),
        staff=User.objects.filter(username__in=[s.username for s in STAFF]).count(),
        cases=cases.count(),
        open_cases=cases.exclude(status=Status.CLOSED).count(),
        seconds=time.monotonic() - started,
    )


# --- catalogue ------------------------------------------------------------------------


def canned_responses_load(*, city: City) -> None:
    """Ready-made closing notes: each type's own (``texts.CLOSING_NOTES_BY_TYPE``, the notes
    that fit it), and general ones offered for every type."""
    for service_type in city.service_types.exclude(is_confidential=True):
        for text in texts.closing_notes_for(service_type.code):
            CannedResponse.objects.get_or_create(
                city=city, service_type=service_type, title=text.split(".")[0][:80], defaults={"text": text}
            )
    for text in (*texts.GENERAL_CLOSING_NOTES, *texts.NO_ACTION_NOTES, *texts.REFERRED_NOTES):
        CannedResponse.objects.get_or_create(
            city=city, service_type=None, title=text.split(".")[0][:80], defaults={"text": text}
        )


def canned_responses_refit(*, cities: list[City]) -> int:
    """A demo loaded when its closing notes went to every type of a group ("Bulb and photocell
    replaced." offered for a missing sign) loses those the table says do not fit and gets the
    ones that do. Nothing happens (one query) when every demo note fits its type. Returns how
    many canned responses were removed."""
    tied = CannedResponse.objects.filter(
        city__in=cities, service_type__isnull=False, text__in=list(texts.CLOSING_NOTES_BY_TYPE)
    ).values_list("pk", "text", "service_type__code")
    misfits = [pk for pk, text, code in tied if code not in texts.CLOSING_NOTES_BY_TYPE[text]]
    if not misfits:
        return 0
    with transaction.atomic():
        CannedResponse.objects.filter(pk__in=misfits).delete()
        for city in cities:
            canned_responses_load(city=city)
    return len(misfits)


def catalogue_load(*, cities: dict[str, City]) -> None:
    """Create or update each city's departments, service types and their questions."""
    for slug, catalogue in CATALOGUES.items():
        city = cities[slug]
        departments = {}
        for spec in catalogue.departments:
            departments[spec.code], _ = Department.objects.update_or_create(
                city=city,
                code=spec.code,
                defaults={"name": spec.name, "email": f"{spec.mailbox}@{slug}.civicdesk.localhost", "active": True},
            )
        for order, offer in enumerate(catalogue.offers):
            problem = PROBLEMS[offer.problem]
            service_type, _ = ServiceType.objects.update_or_create(
                city=city,
                code=problem.code,
                defaults={
                    "name": offer.name or problem.name,
                    "name_es": problem.name_es,
                    "group": problem.group,
                    "group_es": GROUPS_ES.get(problem.group, ""),
                    "description": problem.description,
                    "keywords": problem.keywords,
                    "department": departments[offer.department] if offer.department else None,
                    "target_days": problem.target_days,
                    "target_in_business_days": problem.target_in_business_days,
                    "is_confidential": problem.is_confidential,
                    "active": True,
                    "sort_order": order,
                },
            )
            for position, attr in enumerate(problem.attributes):
                ServiceAttribute.objects.update_or_create(
                    service_type=service_type,
                    code=attr.code,
                    defaults={
                        "datatype": attr.datatype,
                        "question": attr.question,
                        "question_es": question_es(problem.code, attr.code),
                        "description": attr.description,
                        "required": attr.required,
                        "values": choices_with_spanish(problem.code, attr.code, attr.values),
                        "order": position,
                    },
                )


def spanish_names_load() -> int:
    """Give the demo's types without a Spanish name their problem's (``Problem.name_es``), by
    code, and their groups and questions theirs (``demo.spanish``); what an administrator
    typed is kept (a question's choices when they were changed). Saved one by one, so the
    catalogue's caches forget the old names. Returns how many types were named."""
    missing = ServiceType.objects.filter(city__region__slug=REGION_SLUG, name_es="", code__in=list(PROBLEMS))
    named = 0
    with transaction.atomic():
        for service_type in missing.only("pk", "city_id", "code", "name_es"):
            service_type.name_es = PROBLEMS[service_type.code].name_es
            if service_type.name_es:
                service_type.save(update_fields=["name_es"])
                named += 1
        # Their groups and questions too (Spanish given after the demo was loaded).
        ungrouped = ServiceType.objects.filter(city__region__slug=REGION_SLUG, group_es="", group__in=list(GROUPS_ES))
        for service_type in ungrouped.only("pk", "city_id", "group", "group_es"):
            service_type.group_es = GROUPS_ES[service_type.group]
            service_type.save(update_fields=["group_es"])
        unasked = ServiceAttribute.objects.filter(
            service_type__city__region__slug=REGION_SLUG, question_es="", service_type__code__in=list(PROBLEMS)
        ).select_related("service_type")
        for attribute in unasked:
            spec = next((a for a in PROBLEMS[attribute.service_type.code].attributes if a.code == attribute.code), None)
            attribute.question_es = question_es(attribute.service_type.code, attribute.code)
            if spec is None or not attribute.question_es:
                continue
            if [(v.get("key"), v.get("name")) for v in attribute.values or []] == list(spec.values):
                attribute.values = choices_with_spanish(attribute.service_type.code, attribute.code, spec.values)
            attribute.save(update_fields=["question_es", "values"])
    return named


# --- staff ----------------------------------------------------------------------------


def staff_load(*, cities: dict[str, City]) -> list[User]:
    """Create the demo accounts, all with the one demo password.

    An account that already exists (say an ``admin`` made with ``createsuperuser``) is left
    as it is: the demo never resets someone's password.
    """
    validate_password(DEMO_PASSWORD)
    # One hash for all: the password hasher is slow by design, and these are demo accounts.
    hashed = make_password(DEMO_PASSWORD)
    users = []
    for spec in STAFF:
        city = cities[spec.city] if spec.city else None
        department = Department.objects.get(city=city, code=spec.department) if spec.department else None
        domain = f"{spec.city}.civicdesk.localhost" if spec.city else "civicdesk.localhost"
        user, _ = User.objects.get_or_create(
            username=spec.username,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "email": f"{spec.username}@{domain}",
                "city": city,
                "department": department,
                "role": spec.role,
                "is_staff": spec.is_staff or spec.is_superuser,
                "is_superuser": spec.is_superuser,
                "is_active": True,
                "password": hashed,
            },
        )
        users.append(user)
    return users


# --- cases ----------------------------------------------------------------------------


class _Picker:
    """Smooth weighted round-robin with a little noise.

    Pure random draws would let a three-week window stray several points from the
    report's shares; this keeps every type within a case or two of its share at any
    moment, while the noise keeps the order from looking mechanical.
    """

    def __init__(self, items: Sequence[Any], weights: Sequence[float], rng: random.Random) -> None:
        total = float(sum(weights))
        self.items = list(items)
        self.weights = [w / total for w in weights]
        # A random start, or the first case of every rare type lands on the heaviest item.
        self.current = [rng.random() for _ in self.items]
        self.rng = rng

    def pick(self) -> Any:
        best, best_score = 0, -math.inf
        for i, w in enumerate(self.weights):
            self.current[i] += w
            score = self.current[i] + self.rng.random() * 0.25
            if w > 0 and score > best_score:
                best, best_score = i, score
        self.current[best] -= 1.0
        return self.items[best]


@dataclass
class _Area:
    district: District | None
    geom: BaseGeometry
    points: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class _CityPlan:
    city: City
    catalogue: CityCatalogue
    types: dict[str, ServiceType]
    type_picker: _Picker
    district_pickers: dict[str, _Picker]
    areas: list[_Area]
    per_day: float
    calltaker: User
    supervisor: User
    investigator: User  # works the confidential hotline's cases, which no one else may see
    workers: dict[int, User]  # department id -> worker
    business: BusinessCalendar = field(default_factory=BusinessCalendar)
    office_hours: frozenset[int] = frozenset()  # ids of the departments that keep office hours
    same_day: frozenset[int] = frozenset()  # ids of those that take up a call on its business day
    last_of_type: dict[int, ServiceRequest] = field(default_factory=dict)


def _sample_points(geom: BaseGeometry, count: int, rng: np.random.Generator) -> list[tuple[float, float]]:
    """``count`` random (lat, lng) points inside the area, by rejection sampling."""
    # Keep off the boundary by ~50 m, so a point is never claimed by a neighbouring city.
    inner = geom.buffer(-0.0005)
    if inner.is_empty:
        inner = geom
    minx, miny, maxx, maxy = inner.bounds
    found: list[tuple[float, float]] = []
    while len(found) < count:
        xs = rng.uniform(minx, maxx, count * 2)
        ys = rng.uniform(miny, maxy, count * 2)
        inside = shapely.contains_xy(inner, xs, ys)
        found += [(round(float(y), 6), round(float(x), 6)) for x, y in zip(xs[inside], ys[inside], strict=True)]
    return found[:count]


def _city_plan(
    city: City, rng: random.Random, nprng: np.random.Generator, scale: float, reference_population: int
) -> _CityPlan:
    catalogue = CATALOGUES[city.slug]
    types = {
        t.code: t
        for t in ServiceType.objects.filter(city=city).select_related("department").prefetch_related("attributes")
    }
    offers = [o for o in catalogue.offers if o.problem in types]
    type_picker = _Picker([o.problem for o in offers], [o.share for o in offers], rng)

    districts = list(District.objects.filter(city=city).order_by("number", "name"))
    areas = [_Area(d, shape_from_geojson(d.boundary)) for d in districts] or [
        _Area(None, shape_from_geojson(city.boundary))
    ]
    # Pins keep half a block off the city line: one nearer it could take its address from a
    # street of the grid beyond the line, which the city's map does not draw (``address_at``).
    inside = shape_from_geojson(city.boundary).buffer(-DLNG / 2)
    for area in areas:
        within = area.geom.intersection(inside)
        area.points = _sample_points(area.geom if within.is_empty else within, 400, nprng)

    # Per type, how its cases spread over the districts: seed 004's counts where the report
    # gives them, the districts' remaining counts for every other type.
    n = len(areas)
    totals: list[float] = (
        [float(t) for t in catalogue.district_totals]
        if len(catalogue.district_totals) == n
        else [rng.uniform(0.6, 1.4) for _ in range(n)]
    )
    residual = list(totals)
    for counts in catalogue.district_counts.values():
        residual = [max(r - c, 0.0) for r, c in zip(residual, counts, strict=True)]
    if not any(residual):
        residual = totals
    district_pickers = {
        code: _Picker(list(range(n)), catalogue.district_counts.get(code, residual), rng) for code in types
    }

    staff = {u.username: u for u in User.objects.filter(city=city).select_related("department")}
    prefix = city.case_prefix.lower()
    workers = {u.department_id: u for u in staff.values() if u.role == Role.WORKER and u.department_id}
    reference_rate = INDEPENDENCE_CASES_PER_3_WEEKS / 21
    office_hours, same_day = _office_hours_departments(city, catalogue, types)
    return _CityPlan(
        city=city,
        catalogue=catalogue,
        types=types,
        type_picker=type_picker,
        district_pickers=district_pickers,
        areas=areas,
        per_day=reference_rate * scale * (city.population or reference_population) / reference_population,
        calltaker=staff[f"{prefix}-calltaker"],
        supervisor=staff[f"{prefix}-supervisor"],
        investigator=staff[f"{prefix}-investigator"],
        workers=workers,
        business=business_calendar(city),
        office_hours=office_hours,
        same_day=same_day,
    )


def _office_hours_departments(
    city: City, catalogue: CityCatalogue, types: dict[str, ServiceType]
) -> tuple[frozenset[int], frozenset[int]]:
    """The ids of the city's departments whose staff keep office hours, and of those that take
    up a call on its business day (``DepartmentSpec.same_day_calls``).

    A department keeps office hours when it works a type whose target counts business days (its
    inspectors and clerks count the days they work), or when the catalogue says so
    (``DepartmentSpec.office_hours``: animal services, a code-enforcement office with no such
    type). The one rule, for every step of a case's life (``_life``)."""
    ids = dict(Department.objects.filter(city=city).values_list("code", "pk"))
    counting = {t.department_id for t in types.values() if t.target_in_business_days and t.department_id}
    marked = {ids[d.code] for d in catalogue.departments if d.office_hours and d.code in ids}
    same_day = {ids[d.code] for d in catalogue.departments if d.same_day_calls and d.code in ids}
    return frozenset(counting | marked | same_day), frozenset(same_day)


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 60:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _weighted(rng: random.Random, pairs: Sequence[tuple[Any, float]]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def cases_load(
    *,
    cities: dict[str, City],
    days: int = DEFAULT_DAYS,
    scale: float = 1.0,
    today: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> int:
    """Replay ``days`` of cases up to now through the case services; return how many."""
    say = progress or (lambda _msg: None)
    end = clock.now()
    today = today or city_today(cities[REFERENCE_CITY], now=end)
    rng = random.Random(today.toordinal())
    nprng = np.random.default_rng(today.toordinal())
    reference_population = next(s.population for s in MEMBER_CITIES if s.slug == REFERENCE_CITY)
    plans = [_city_plan(cities[s.slug], rng, nprng, scale, reference_population) for s in MEMBER_CITIES]
    tz = zoneinfo.ZoneInfo(cities[REFERENCE_CITY].timezone)
    made = 0
    started = time.monotonic()
    # One transaction for the whole history: a load that fails half-way leaves no cases, so
    # the next start loads the demo again instead of taking the half as "already loaded".
    # The report roll-ups are rebuilt once at the end instead of after every step.
    with outbox.suppressed(), transaction.atomic(), rollups.deferred():
        for offset in range(days - 1, -1, -1):
            day = today - dt.timedelta(days=offset)
            batch: list[tuple[dt.datetime, _CityPlan]] = []
            for plan in plans:
                for _ in range(_poisson(rng, plan.per_day * WEEKDAY_FACTOR[day.weekday()] * 7 / sum(WEEKDAY_FACTOR))):
                    hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
                    local = dt.datetime.combine(day, dt.time(hour, rng.randrange(60), rng.randrange(60)), tzinfo=tz)
                    moment = local.astimezone(dt.UTC)
                    if moment < end:
                        batch.append((moment, plan))
            batch.sort(key=lambda item: (item[0], item[1].city.slug))
            with transaction.atomic():
                for moment, plan in batch:
                    _one_case(plan, moment, end, rng)
            made += len(batch)
            if offset % 30 == 0:
                say(f"  {day}: {made} cases, {time.monotonic() - started:.1f} s")
    return made


def _address(rng: random.Random) -> str:
    return f"{rng.randrange(100, 19999)} {rng.choice(texts.DIRECTIONS)}{rng.choice(texts.STREETS)}"


def _answers(problem: Problem, opened: dt.datetime, rng: random.Random) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for attr in problem.attributes:
        if not attr.required and rng.random() < 0.4:
            continue
        keys = [k for k, _name in attr.values]
        if attr.datatype == "singlevaluelist":
            answers[attr.code] = rng.choice(keys)
        elif attr.datatype == "multivaluelist":
            answers[attr.code] = rng.sample(keys, rng.randint(1, min(2, len(keys))))
        elif attr.datatype == "number":
            answers[attr.code] = rng.randint(1, 12)
        elif attr.datatype == "datetime":
            answers[attr.code] = (opened - dt.timedelta(hours=rng.randint(1, 48))).isoformat()
        elif attr.datatype == "text":
            answers[attr.code] = "I saw it myself more than once; I would rather not give names here."
        else:
            answers[attr.code] = rng.choice(
                ("Blue sedan", "Near the corner", "Pole 4471", "North side", "White pickup")
            )
    return answers


def _reporter(rng: random.Random, confidential: bool) -> dict[str, Any]:
    if rng.random() < (0.8 if confidential else 0.35):
        return {}
    first, last = rng.choice(texts.FIRST_NAMES), rng.choice(texts.LAST_NAMES)
    reporter: dict[str, Any] = {
        "reporter_name": f"{first} {last}",
        "reporter_email": f"{first}.{last}{rng.randrange(1, 99)}@example.org".lower(),
        "notify_reporter": rng.random() < 0.7,
    }
    if rng.random() < 0.4:
        reporter["reporter_phone"] = f"816-555-01{rng.randrange(100):02d}"  # 555-01xx: fictional numbers
    return reporter


def _photo(rng: random.Random) -> ContentFile:
    """A small generated picture standing in for a resident's photo."""
    img = Image.new("RGB", (640, 480), tuple(rng.randrange(60, 200) for _ in range(3)))
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        x, y = rng.randrange(640), rng.randrange(480)
        draw.ellipse(
            (x, y, x + rng.randrange(20, 160), y + rng.randrange(20, 120)),
            fill=tuple(rng.randrange(256) for _ in range(3)),
        )
    draw.text((12, 452), "civicdesk demo photo", fill=(255, 255, 255))
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=80)
    return ContentFile(out.getvalue(), name="demo.jpg")


def _pick_text(table: dict[str, tuple[str, ...]], group: str, rng: random.Random) -> str:
    return rng.choice(table.get(group) or table[""])


def _one_case(plan: _CityPlan, opened: dt.datetime, end: dt.datetime, rng: random.Random) -> None:
    code = plan.type_picker.pick()
    service_type = plan.types[code]
    problem = PROBLEMS[code]
    channel = _weighted(rng, CHANNEL_MIX)
    if channel in STAFF_ENTERED and not plan.business.is_office_hours(opened):
        # The counter and the phones are staffed in office hours only, on the city's business
        # days: a resident who reports then does it on the web.
        channel = Channel.WEB
    actor = plan.calltaker if channel in STAFF_ENTERED else None
    reporter = _reporter(rng, problem.is_confidential)
    if code == "ce-proactive-investigation":
        # Found by an officer on patrol and entered by staff, with no resident behind it: in
        # office hours, on a business day (``_staff_moment``).
        channel, actor, reporter = Channel.WALK_IN, plan.supervisor, {}
        opened = _staff_moment(plan.business, opened, end)
    location: dict[str, Any] = {"address": _address(rng)}
    if rng.random() >= problem.unlocated:
        area = plan.areas[plan.district_pickers[code].pick()]
        location["lat"], location["lng"] = area.points[rng.randrange(len(area.points))]
        # Where the case has a point, its address is the street the map draws there (the
        # draw above is still made: every later draw of the demo stays as it was).
        location["address"] = address_at(location["lat"], location["lng"])
    else:
        location["city"] = plan.city
    description = rng.choice(texts.DESCRIPTIONS.get(code) or texts.GENERIC_DESCRIPTIONS)
    with clock.frozen_at(opened):
        case = services.case_create(
            service_type=service_type,
            description=description,
            channel=channel,
            attributes=_answers(problem, opened, rng),
            actor=actor,
            opened_at=opened,
            **location,
            **reporter,
        )
    _life(plan, case, opened, end, rng)
    plan.last_of_type[case.service_type_id] = case


def _life(plan: _CityPlan, case: ServiceRequest, opened: dt.datetime, end: dt.datetime, rng: random.Random) -> None:
    """Route, work and (if its time has come) close the case, each step at its own moment: in
    office hours on a business day when its department keeps them (``_office_hours_departments``)."""
    target: float = case.service_type.target_days or 10
    if case.service_type.target_in_business_days:
        # Five business days a week: the calendar days the department takes to work it.
        target = target * 7 / 5
    to_close = dt.timedelta(days=target * CLOSE_MEDIAN_OF_TARGET * math.exp(rng.gauss(0, CLOSE_SPREAD)))
    to_close = max(to_close, dt.timedelta(hours=2))
    closes_at = None if rng.random() < NEVER_CLOSED else opened + to_close
    step = opened + dt.timedelta(minutes=rng.randint(20, 60 * 20))
    hours = _hours_of(plan, case.department_id)
    # Its own draws for office hours, so that they do not shift the demo's other draws.
    own = random.Random(f"{plan.city.slug}:{case.number}")
    first_response = None
    if hours is not None:
        same_day = case.department_id in plan.same_day
        first_response = (_first_response if same_day else _inspection)(hours, opened, own)
    closes_at = _closing(hours, closes_at, first_response or opened, own)

    def at(moment: dt.datetime) -> bool:
        return moment < end and (closes_at is None or moment < closes_at)

    group = case.service_type.group
    if case.service_type.is_confidential:
        # Only investigators may see or work a hotline report.
        plan = replace(plan, supervisor=plan.investigator, calltaker=plan.investigator, workers={})
    if rng.random() < CHANGE_TYPE and at(step) and not case.service_type.is_confidential:
        other = _other_type(plan, case.service_type, rng)
        if other is not None:
            # Corrected in office hours when either type's department keeps them.
            moment = _in_office_hours(hours or _hours_of(plan, other.department_id), step)
            if at(moment):
                with clock.frozen_at(moment):
                    case = services.case_change_type(case=case, actor=plan.calltaker, service_type=other)
                if hours is None and (hours := _hours_of(plan, case.department_id)) is not None:
                    closes_at = _closing(hours, closes_at, moment, own)
            step = moment + dt.timedelta(minutes=rng.randint(5, 120))
    worker = plan.workers.get(case.department_id) if case.department_id else None
    if case.service_type.is_confidential:
        worker = plan.investigator
    handler = worker or plan.supervisor
    step = _in_office_hours(hours, step)
    if first_response is not None:
        # Assigned just before a call is taken up, or at the desk before the inspection.
        before = max(opened + dt.timedelta(minutes=1), first_response - dt.timedelta(minutes=5))
        step = before if case.department_id in plan.same_day else min(step, before)
    if worker is not None and at(step):
        with clock.frozen_at(step):
            # Half the time the supervisor routes it; otherwise the worker takes it.
            by = plan.supervisor if rng.random() < 0.5 else worker
            case = services.case_assign(case=case, actor=by, assignee=worker)
    step = _in_office_hours(hours, step + to_close * rng.uniform(0.05, 0.4))
    in_progress = rng.random() < IN_PROGRESS
    if first_response is not None:
        # Taken up ("in progress") when an officer picks the call up or inspects, in office hours.
        step, in_progress = first_response, True
    if in_progress and at(step):
        with clock.frozen_at(step):
            case = services.case_change_status(case=case, actor=handler, status=Status.IN_PROGRESS)
    if rng.random() < INTERNAL_NOTE:
        step = _in_office_hours(hours, step + to_close * rng.uniform(0.02, 0.2))
        if at(step):
            with clock.frozen_at(step):
                services.case_add_note(case=case, actor=handler, text=rng.choice(texts.INTERNAL_NOTES), public=False)
    if rng.random() < PUBLIC_NOTE:
        step = _in_office_hours(hours, step + to_close * rng.uniform(0.02, 0.2))
        if at(step):
            with clock.frozen_at(step):
                services.case_add_note(
                    case=case, actor=handler, text=_pick_text(texts.PUBLIC_NOTES, group, rng), public=True
                )
    if rng.random() < PHOTO:
        step = _in_office_hours(hours, step + dt.timedelta(minutes=rng.randint(5, 90)))
        if at(step):
            with clock.frozen_at(step):
                services.case_add_photo(case=case, actor=handler, upload=_photo(rng), filename="site-visit.jpg")
    if closes_at is None or closes_at >= end:
        return
    _close(plan, case, handler, closes_at, rng)
    if rng.random() < REOPEN:
        reopened = _in_office_hours(hours, closes_at + dt.timedelta(days=rng.uniform(1, 6)))
        if reopened < end:
            with clock.frozen_at(reopened):
                case = services.case_reopen(case=case, actor=plan.supervisor, reason=rng.choice(texts.REOPEN_REASONS))
            closes_again = _in_office_hours(hours, reopened + dt.timedelta(days=rng.uniform(1, target)))
            if closes_again < end:
                _close(plan, case, handler, closes_again, rng)


def _hours_of(plan: _CityPlan, department_id: int | None) -> BusinessCalendar | None:
    """The city's business calendar when the department keeps office hours; None when it
    works at any hour."""
    return plan.business if department_id in plan.office_hours else None


def _closing(
    hours: BusinessCalendar | None, closes_at: dt.datetime | None, taken_up: dt.datetime, rng: random.Random
) -> dt.datetime | None:
    """When a case of a department that keeps office hours (``hours``) is closed: in office
    hours, and after it was taken up. Unchanged for one that works at any hour."""
    if hours is None or closes_at is None:
        return closes_at
    after = taken_up + dt.timedelta(minutes=rng.randint(15, 90))
    return _in_office_hours(hours, max(closes_at, after))


def _first_response(hours: BusinessCalendar, opened: dt.datetime, rng: random.Random) -> dt.datetime:
    """When a department that takes up calls the same day (``DepartmentSpec.same_day_calls``:
    animal services) first works a call that came in at ``opened``: on the call's business day
    (``BusinessCalendar.business_day_of``: the next one for a call after closing, on a weekend or
    a holiday), a wait after the call or after opening time; a call still waiting at closing
    time, or one of a short-staffed day, in the morning of the next business day (held over)."""
    day = hours.business_day_of(opened)
    start = max(opened, hours.opening_time(day))
    taken = start + dt.timedelta(minutes=5) + dt.timedelta(hours=rng.expovariate(1 / RESPONSE_HOURS))
    if rng.random() >= SHORT_STAFFED and taken < hours.closing_time(day):
        return taken.astimezone(dt.UTC)
    morning = hours.opening_time(hours.next_business_day(day))
    return (morning + dt.timedelta(minutes=rng.randint(10, 180))).astimezone(dt.UTC)


def _inspection(hours: BusinessCalendar, opened: dt.datetime, rng: random.Random) -> dt.datetime:
    """When a department that keeps office hours, but takes up no call the same day, first
    inspects a report that came in at ``opened``: after a wait counted in its office hours
    (``BusinessCalendar.add_office_time``; mean ``INSPECTION_OFFICE_HOURS``), and never in the
    first ten minutes of a day (the report is assigned at the desk first)."""
    wait = dt.timedelta(minutes=10) + dt.timedelta(hours=rng.expovariate(1 / INSPECTION_OFFICE_HOURS))
    moment = hours.add_office_time(opened, wait)
    return max(moment, hours.opening_time(moment.date()) + dt.timedelta(minutes=10)).astimezone(dt.UTC)


def _staff_moment(hours: BusinessCalendar, moment: dt.datetime, end: dt.datetime) -> dt.datetime:
    """When staff enter a case the demo drew at ``moment``: then, in office hours; otherwise on
    the morning of its business day (``_in_office_hours``), or, when that has not come yet by
    ``end`` (now), in the last office hour before ``moment``. It makes no random draw of its own
    (the same day still draws the same demo)."""
    if hours.is_office_hours(moment):
        return moment
    later = _in_office_hours(hours, moment)
    if later < end:
        return later
    day = moment.astimezone(hours.tz).date()
    if not (hours.is_business_day(day) and hours.opening_time(day) < moment):
        day -= dt.timedelta(days=1)
        while not hours.is_business_day(day):
            day -= dt.timedelta(days=1)
    # Before closing time by as many minutes as the moment was past the hour (its own spread).
    local = moment.astimezone(hours.tz)
    before = hours.closing_time(day) - dt.timedelta(minutes=1 + local.minute)
    return max(before, hours.opening_time(day)).astimezone(dt.UTC)


def _in_office_hours(hours: BusinessCalendar | None, moment: dt.datetime) -> dt.datetime:
    """``moment``, or when it falls outside office hours (``hours``; None: a department that
    works at any hour), the morning of its business day (``BusinessCalendar.business_day_of``:
    the same day before opening, else the next business day): never earlier than ``moment``."""
    if hours is None or hours.is_office_hours(moment):
        return moment
    local = moment.astimezone(hours.tz)
    opens = hours.opening_time(hours.business_day_of(moment))
    # Spread over the morning (from the hour it would have been), not all at opening time.
    span = min(180, int((hours.closing_time(opens.date()) - opens).total_seconds() // 60))
    spread = dt.timedelta(minutes=(local.hour * 60 + local.minute) % span)
    return (opens + spread).astimezone(dt.UTC)


def _close(plan: _CityPlan, case: ServiceRequest, handler: User, moment: dt.datetime, rng: random.Random) -> None:
    roll = rng.random()
    earlier = plan.last_of_type.get(case.service_type_id)
    kwargs: dict[str, Any]
    if roll < 0.05 and earlier is not None and earlier.pk != case.pk:
        kwargs = {
            "resolution": Resolution.DUPLICATE,
            "duplicate_of": earlier,
            "note": rng.choice(texts.DUPLICATE_NOTES),
        }
    elif roll < 0.12:
        kwargs = {"resolution": Resolution.NO_ACTION, "note": rng.choice(texts.NO_ACTION_NOTES)}
    elif roll < 0.15:
        kwargs = {"resolution": Resolution.REFERRED, "note": rng.choice(texts.REFERRED_NOTES)}
    else:
        kwargs = {
            "resolution": Resolution.RESOLVED,
            "note": rng.choice(texts.closing_notes_for(case.service_type.code) or texts.GENERAL_CLOSING_NOTES),
        }
    with clock.frozen_at(moment):
        services.case_close(case=case, actor=handler, **kwargs)


def _other_type(plan: _CityPlan, current: ServiceType, rng: random.Random) -> ServiceType | None:
    """A likely correction: another type of the same department, else of the same group."""
    same_dept = [
        t
        for t in plan.types.values()
        if t.pk != current.pk and t.department_id == current.department_id and not t.is_confidential
    ]
    same_group = [
        t for t in plan.types.values() if t.pk != current.pk and t.group == current.group and not t.is_confidential
    ]
    choices = same_dept or same_group
    return rng.choice(choices) if choices else None


__all__ = ["DemoSummary", "cases_load", "catalogue_load", "demo_is_loaded", "load_demo", "staff_load"]
