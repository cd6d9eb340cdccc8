"""Reads of cases. Every staff read is scoped to what the user may see."""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import overload

from django.db import connection
from django.db.models import BooleanField, F, FloatField, Func, Q, QuerySet, TextField, Value
from django.db.models.expressions import CombinedExpression, RawSQL
from django.db.models.functions import ASin, Cos, Power, Radians, Sin, Sqrt

from civicdesk.accounts.models import Role, User
from civicdesk.cases import permissions, sharing
from civicdesk.cases.models import (
    LAT_BANDS_PER_DEGREE,
    OPEN_STATUSES,
    CaseEvent,
    Photo,
    ServiceRequest,
    SubmissionKey,
    lat_band,
)
from civicdesk.cases.permissions import Action
from civicdesk.catalog.models import ServiceType
from civicdesk.core.paging import COUNT_CAP, BadCursor, KeysetPage, ListQuery, counts_of, list_query, page_by_cursor
from civicdesk.core.sql import any_row, first_row
from civicdesk.tenants import reference
from civicdesk.tenants.models import City

CASE_RELATED = ("city", "service_type", "department", "district", "assignee")
# What a row of a list of cases never shows: the resident's words and answers, the closing note,
# who reported it, and the assignee's password hash (a list reads 25 of each per page for nothing).
LIST_DEFERRED = (
    "description",
    "attributes",
    "closing_note",
    "reporter_name",
    "reporter_email",
    "reporter_phone",
)
# What a list's query joins to each case. The city and the assignee are read apart, by
# ``case_rows_completed``: at a million cases PostgreSQL planned the list joined with all five
# tables in 2.3–3 ms, with three in 0.6 ms, and ran either in 0.5 ms; the staff member's own city
# is already in hand and the assignees of a page are one look-up by key.
LIST_RELATED = ("service_type", "department", "district")
# City limits and district boundaries are GeoJSON of tens of kB each. No list or page of
# cases draws them, and decoding them for every row took seconds for 1,000 cases.
CASE_RELATED_DEFERRED = ("city__boundary", "district__boundary")


def with_case_related(cases: QuerySet[ServiceRequest]) -> QuerySet[ServiceRequest]:
    """``cases`` with what a case's page or row shows joined in, boundaries left out."""
    return cases.select_related(*CASE_RELATED).defer(*CASE_RELATED_DEFERRED)


def case_list_for_staff(*, user: User) -> QuerySet[ServiceRequest]:
    """All cases the staff member may read: their own city's, nothing else; for an
    investigator the city's confidential cases only, for everyone else none of those."""
    if (
        user is None
        or not user.is_authenticated
        or not user.is_active
        or user.role not in permissions.STAFF_ROLES
        or user.city_id is None
    ):
        return ServiceRequest.objects.none()
    # Confidential cases are the investigators' alone, and investigators see only those.
    confidential = user.role == Role.INVESTIGATOR
    provides, hidden = _case_scope(user)
    # Plus the cases another city routed to this city's departments under a shared-service
    # agreement (cases/sharing.py).
    shared = sharing.shared_with_city(user.city_id, provides=provides)
    if confidential:
        # Shared cases are never confidential: an investigator's list is their city's hotline.
        cases = ServiceRequest.objects.filter(city_id=user.city_id, service_type_id__in=hidden)
    else:
        mine = Q(city_id=user.city_id) | shared if shared is not None else Q(city_id=user.city_id)
        cases = ServiceRequest.objects.filter(mine)
        if hidden:
            cases = cases.exclude(service_type_id__in=hidden)
    return with_case_related(cases)


def _case_scope(user: User) -> tuple[bool, list[int]]:
    """Whether the user's city works other cities' cases, and the confidential types by id (a
    few rows), not by a join of every case to its type: a count of a queue then reads an index
    of the cases alone, never the cases themselves. Kept per process while the city's
    agreements and the types are unchanged, when the request has the city in hand
    (tenants/reference.py: a type saved anywhere moves every city's version)."""

    def build() -> tuple[bool, list[int]]:
        assert user.city_id is not None
        confidential = ServiceType.objects.filter(is_confidential=True).order_by().values_list("pk", flat=True)
        return sharing.provides_shared_service(user.city_id), list(confidential)

    return reference.kept_for_city_of(user, "case-scope", build)


def case_get_for_staff(*, user: User, city_slug: str, number: int) -> ServiceRequest:
    """One case by its city and number; ``DoesNotExist`` for cases the user may not see
    (so no one learns that another city's case exists)."""
    own = user.city if user.is_authenticated and user.city_id is not None else None
    try:
        if own is not None and own.slug == city_slug:
            # The staff member's own city, in hand: the case alone is looked up by (city, number),
            # its type, department and district joined; planning the join of all five tables cost
            # PostgreSQL more than running it (see LIST_RELATED).
            found = _with_list_related(case_list_for_staff(user=user)).get(city_id=own.pk, number=number)
            case = case_rows_completed([found], city=own)[0]
        else:
            case = case_list_for_staff(user=user).get(city__slug=city_slug, number=number)
    except ServiceRequest.DoesNotExist:
        case = _case_across_cities(user=user, city_slug=city_slug, number=number)
    permissions.require(user, Action.VIEW, case)
    return case


def _case_across_cities(*, user: User, city_slug: str, number: int) -> ServiceRequest:
    """Another city's case the user may read (a transfer waiting for their city, one their
    city handed on), or a case found by its reference from before a transfer."""
    from civicdesk.cases.transfers import case_by_old_reference

    case = with_case_related(ServiceRequest.objects.all()).filter(
        city__slug=city_slug, number=number
    ).first() or case_by_old_reference(city_slug=city_slug, number=number)
    if case is None or not permissions.can(user, Action.VIEW, case):
        raise ServiceRequest.DoesNotExist(f"{city_slug}/{number}")
    return case


def case_queue(*, user: User, queue: str, cases: QuerySet[ServiceRequest] | None = None) -> QuerySet[ServiceRequest]:
    """One queue of ``cases`` (by default every case the user may read)."""
    if cases is None:
        cases = case_list_for_staff(user=user)
    open_cases = cases.filter(status__in=OPEN_STATUSES)
    if queue == "mine":
        return open_cases.filter(assignee=user)
    if queue == "department":
        return open_cases.filter(department_id=user.department_id) if user.department_id else cases.none()
    if queue == "unassigned":
        return open_cases.filter(assignee__isnull=True)
    if queue == "overdue":
        from civicdesk.core import clock

        return open_cases.filter(due_at__lt=clock.now())
    return cases


def case_duplicates(*, case: ServiceRequest) -> list[ServiceRequest]:
    """The cases closed as duplicates of ``case``, newest first, each with its city (without
    its limits) for its link. Every case page asks, nearly always "no": a plain question first
    (core/sql.py) costs a fraction of compiling the join."""
    if not any_row(ServiceRequest, "duplicate_of", case.pk):
        return []
    return list(case.duplicates.select_related("city").defer("city__boundary"))


def case_timeline(*, user: User, case: ServiceRequest) -> QuerySet[CaseEvent]:
    """The full audit log, for staff who may see the case."""
    permissions.require(user, Action.VIEW, case)
    return case.events.select_related("actor").order_by("at", "pk")


# --- the console's lists ----------------------------------------------------------------

QUEUES = ("mine", "department", "unassigned", "overdue", "all")
_STEADY_QUEUES = tuple(queue for queue in QUEUES if queue != "overdue")

# What a column header sorts by; the key is what the URL says.
SORTS = {
    "number": ("number",),
    "type": ("service_type__name", "number"),
    "status": ("status", "number"),
    "district": ("district__name", "number"),
    "address": ("address", "number"),
    "assignee": ("assignee__last_name", "assignee__first_name", "number"),
    "department": ("department__name", "number"),
    "opened": ("opened_at", "number"),
    "due": ("due_at", "number"),
}
DEFAULT_SORT = "-opened"
# The same orders as keyset pages read them (core/paging.py): the column, the case number, and
# the id last (cases shared by another city may carry the same number). Each has an index of
# the cases starting with its column; the cross-table sorts have none and are not among them.
KEYSET_ORDERS = {
    "number": ("number", "pk"),
    "status": ("status", "number", "pk"),
    "address": ("address", "number", "pk"),
    "opened": ("opened_at", "number", "pk"),
    "due": ("due_at", "number", "pk"),
}
# Sorts by a name kept in another table: no index of the cases can give their order.
SORTS_ACROSS_TABLES = frozenset({"type", "district", "assignee", "department"})

# "IND-1042", "ind 1042", "#1042" or "1042": a case number, with or without the city prefix.
_REFERENCE = re.compile(r"^#?\s*(?:(?P<prefix>[A-Za-z]{1,10})\s*[-\s]\s*)?(?P<number>\d{1,9})$")


def parse_reference(text: str) -> tuple[str, int] | None:
    """Split a case number as staff type it into (prefix or "", number); None if it is not one."""
    match = _REFERENCE.match((text or "").strip())
    if not match:
        return None
    return (match["prefix"] or "").upper(), int(match["number"])


def _ordering(sort: str) -> list[str]:
    descending = sort.startswith("-")
    fields = SORTS.get(sort.lstrip("-")) or SORTS[DEFAULT_SORT.lstrip("-")]
    if sort.lstrip("-") not in SORTS:
        descending = DEFAULT_SORT.startswith("-")
    return [f"-{f}" if descending else f for f in fields]


def _day_start(day: dt.date, city: City) -> dt.datetime:
    """Midnight of ``day`` in the city's own time zone: staff mean their local dates."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=city.tz)


def case_search(
    *,
    user: User,
    queue: str = "all",
    service_type_id: int | None = None,
    status: str = "",
    district_id: int | None = None,
    channel: str = "",
    opened_from: dt.date | None = None,
    opened_to: dt.date | None = None,
    text: str = "",
    sort: str = DEFAULT_SORT,
    readable: QuerySet[ServiceRequest] | None = None,
) -> QuerySet[ServiceRequest]:
    """The console's case list: one queue of the user's city, narrowed by the filters.

    ``text`` finds a case by its number ("IND-1042" or "1042"), or cases whose address,
    description, type or reporter contain every word of it. Dates are the city's local
    dates, both ends included. ``sort`` is a key of ``SORTS``, "-" first for descending.
    ``readable`` is ``case_list_for_staff(user=user)`` when the caller already has it.
    """
    cases = case_queue(user=user, queue=queue if queue in QUEUES else "all", cases=readable)
    if service_type_id:
        cases = cases.filter(service_type_id=service_type_id)
    if status:
        cases = cases.filter(status=status)
    if district_id:
        cases = cases.filter(district_id=district_id)
    if channel:
        cases = cases.filter(channel=channel)
    city = user.city
    if city is not None and opened_from is not None:
        cases = cases.filter(opened_at__gte=_day_start(opened_from, city))
    if city is not None and opened_to is not None:
        cases = cases.filter(opened_at__lt=_day_start(opened_to + dt.timedelta(days=1), city))
    text = (text or "").replace("\x00", "").strip()
    if text:
        cases = cases.alias(searched_text=SearchedText()).filter(_text_match(text, city))
    return _with_list_related(cases, *LIST_DEFERRED).order_by(*_ordering(sort))


def _with_list_related(cases: QuerySet[ServiceRequest], *deferred: str) -> QuerySet[ServiceRequest]:
    """``cases`` joined with ``LIST_RELATED`` only (no district boundary), ``deferred`` left out;
    ``case_rows_completed`` gives the rows their city and assignee."""
    return cases.select_related(None).select_related(*LIST_RELATED).defer(None).defer(*deferred, "district__boundary")


def case_rows_completed(
    rows: Iterable[ServiceRequest], *, city: City | None = None, people: Iterable[User] = ()
) -> list[ServiceRequest]:
    """The rows of a ``case_search`` page with their city and assignee, which its query does not
    join. ``city`` (the staff member's, without its limits) and ``people`` (the city's staff,
    which the page lists anyway to assign cases to) serve most rows; any other city (a case
    shared under an agreement) or assignee (someone no longer active, say) is read once for the
    page, without their limits or password hashes."""
    rows = list(rows)
    cities: dict[int, City] = {city.pk: city} if city is not None else {}
    others = {row.city_id for row in rows} - cities.keys()
    if others:
        cities.update(City.objects.defer("boundary").in_bulk(others))
    known = {person.pk: person for person in people} if rows else {}
    missing = {row.assignee_id for row in rows if row.assignee_id is not None} - known.keys()
    if missing:
        known.update(User.objects.defer("password").in_bulk(missing))
    for row in rows:
        row.city = cities[row.city_id]
        if row.assignee_id is not None:
            row.assignee = known[row.assignee_id]
    return rows


SEARCHED_FIELDS = ("address", "description", "reporter_name", "reporter_email")


class SearchedText(Func):
    """What the console's search reads of a case, as one text: address, description, reporter's
    name and email, a space between (a word has none, so no match spans two of them).

    On PostgreSQL a trigram index holds exactly this text (migration cases 0012: its SQL is
    this expression's, cast and upper-cased as ``icontains`` writes it), so a search for a
    rare word reads the few cases that hold it instead of the city's whole history."""

    template = "(%(expressions)s)"
    arg_joiner = " || ' ' || "
    output_field = TextField()

    def __init__(self) -> None:
        super().__init__(*(F(name) for name in SEARCHED_FIELDS))


def _text_match(text: str, city: City | None) -> Q:
    words = Q()
    for word in text.split()[:10]:
        # The type's name is the catalogue's: its matching types are read first (a few rows),
        # so the condition stays on the cases table, where an index can answer it.
        types = list(ServiceType.objects.filter(name__icontains=word).values_list("pk", flat=True))
        words &= Q(searched_text__icontains=word) | Q(service_type_id__in=types)
    reference = parse_reference(text)
    if reference is None:
        return words
    prefix, number = reference
    if prefix and (city is None or prefix != city.case_prefix.upper()):
        # Another city's prefix, or words like "Oak 12": an address, not one of our numbers.
        return words
    by_number = Q(number=number)
    # A bare number may also be a house number: "1042" finds case 1042 and 1042 Main St.
    return by_number if prefix else by_number | words


def case_queue_counts(*, user: User, readable: QuerySet[ServiceRequest] | None = None) -> dict[str, int]:
    """How many cases each queue holds, each counted no further than ``COUNT_CAP + 1`` (a
    queue of more is shown as "more than 10,000"): a count of "all of my city" would otherwise
    read the city's whole history on every visit to the console. Each open queue is counted
    from a partial index of the open cases, "all" from the index of (city, opened_at).
    ``readable``: ``case_list_for_staff(user=user)``, when the caller has it already."""
    if readable is None:
        readable = case_list_for_staff(user=user)  # its checks are queries: asked once
    base = readable

    def compile_queues() -> dict[str, ListQuery]:
        return {queue: list_query(case_queue(user=user, queue=queue, cases=base)) for queue in _STEADY_QUEUES}

    # The queues but "overdue" (as of now) are the same query on every visit of the same staff
    # member, as long as their role, department and city's lists are unchanged: compiled once
    # and kept under the city's version, with the lists that make them (_case_scope).
    kind = f"queue-queries:{user.pk}:{user.role}:{user.department_id}:{user.is_active}"
    queries = dict(reference.kept_for_city_of(user, kind, compile_queues))
    queries["overdue"] = list_query(case_queue(user=user, queue="overdue", cases=readable))
    return counts_of({queue: queries[queue] for queue in QUEUES})


def case_unplaced(*, user: User) -> QuerySet[ServiceRequest]:
    """The "Not placed" queue: open cases of the user's own city with no point on the map
    (an address that matched nothing certain, or none given), oldest first. Cases another
    city shares with this one are that city's to place."""
    if user.city_id is None:
        return ServiceRequest.objects.none()
    return (
        case_list_for_staff(user=user)
        .filter(city_id=user.city_id, status__in=OPEN_STATUSES, lat__isnull=True)
        .order_by("opened_at", "number")
    )


def case_overdue(*, user: User) -> QuerySet[ServiceRequest]:
    """Open cases past their due date (each type's target days), the latest-due last."""
    return case_queue(user=user, queue="overdue").order_by("due_at", "number")


def case_get_by_reference(*, user: User, reference: str) -> ServiceRequest:
    """A case of the user's city by the number staff type ("IND-1042" or "1042");
    ``DoesNotExist`` when there is none the user may see."""
    parsed = parse_reference(reference)
    if parsed is None:
        raise ServiceRequest.DoesNotExist(reference)
    prefix, number = parsed
    cases = case_list_for_staff(user=user).filter(number=number)
    if prefix:
        cases = cases.filter(city__case_prefix__iexact=prefix)
    return cases.get()


@dataclass(frozen=True)
class NearbyCase:
    case: ServiceRequest
    metres: int


_METRES_PER_DEGREE = 111_320.0


def _metres_between(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    # Haversine: exact enough at a few hundred metres, and needs no GIS library.
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(min(1.0, a)))


def case_similar_nearby(
    *, user: User, service_type: ServiceType, lat: float, lng: float, radius_m: float = 200
) -> list[NearbyCase]:
    """Open cases of the same type within ``radius_m`` of a point, nearest first, so a call
    taker can add a caller to an existing case instead of filing a duplicate."""
    dlat = radius_m / _METRES_PER_DEGREE
    dlng = radius_m / (_METRES_PER_DEGREE * max(0.01, math.cos(math.radians(lat))))
    # The box is cheap in SQL; the exact distance is checked on the few cases inside it.
    boxed = case_list_for_staff(user=user).filter(
        status__in=OPEN_STATUSES,
        service_type__code=service_type.code,
        lat__range=(lat - dlat, lat + dlat),
        lng__range=(lng - dlng, lng + dlng),
    )
    found = []
    for case in boxed[:200]:
        assert case.lat is not None and case.lng is not None
        metres = _metres_between(lat, lng, case.lat, case.lng)
        if metres <= radius_m:
            found.append(NearbyCase(case=case, metres=round(metres)))
    return sorted(found, key=lambda n: n.metres)


# --- public reads (no staff account) --------------------------------------------------


def public_case_list(*, city: City | None = None) -> QuerySet[ServiceRequest]:
    """Cases anyone may see: never confidential types."""
    cases = with_case_related(ServiceRequest.objects.filter(service_type__is_confidential=False))
    return cases.filter(city=city) if city is not None else cases


def public_case_list_unjoined(*, city: City) -> QuerySet[ServiceRequest]:
    """``public_case_list``'s cases of ``city``, the confidential types left out by their keys
    (``NOT IN``, a filter on each row) rather than by joining every case's type: a read in an
    index's order (Open311's newest near a point) keeps that order and stops at its limit,
    where a join made PostgreSQL read every row and sort them."""
    confidential = ServiceType.objects.filter(is_confidential=True).values("pk")
    return ServiceRequest.objects.filter(city=city).exclude(service_type_id__in=confidential)


def public_timeline(case: ServiceRequest) -> QuerySet[CaseEvent]:
    """What a resident may read of a case's history: public events only."""
    return case.events.filter(is_public=True).filter(~Q(kind="internal_note")).order_by("at", "pk")


def case_by_tracking_token(token: str) -> ServiceRequest:
    return with_case_related(ServiceRequest.objects.all()).get(tracking_token=token)


def submission_case(*, scope: str, key: str, since: dt.datetime | None = None) -> ServiceRequest | None:
    """The case filed earlier under the sender's ``key`` in ``scope`` (received at ``since``
    or later, if given), or None: a channel's "file only once" look-up."""
    # Nearly every filing is new: the look-up that finds nothing reads one column (scope and
    # key are unique: one row at most), in plain SQL when no window applies (core/sql.py);
    # only a repeat reads its case, with the city.
    if since is None:
        row = first_row(SubmissionKey, _SUBMISSION_SQL, [scope, key])
        found = [row[0]] if row is not None else []
    else:
        keys = SubmissionKey.objects.filter(scope=scope, key=key, received_at__gte=since)
        found = list(keys.values_list("case_id", flat=True)[:1])
    return ServiceRequest.objects.select_related("city").get(pk=found[0]) if found else None


_SUBMISSION_SQL = 'SELECT "case_id" FROM "cases_submissionkey" WHERE "scope" = %s AND "key" = %s'


def public_photo_list(*, case: ServiceRequest | None = None) -> QuerySet[Photo]:
    """The photos a case's public page shows: the public ones of cases anyone may see (the
    open-data files list the same ones)."""
    photos = Photo.objects.filter(is_public=True, case__service_type__is_confidential=False)
    return photos.filter(case=case) if case is not None else photos


EARTH_RADIUS_M = 6_371_008.8  # mean radius


def circle_bands(*, lat: float, radius_m: float) -> list[int]:
    """The bands of latitude (``lat_band``) a circle of ``radius_m`` metres round ``lat`` may
    hold cases of: every band the database may give a latitude of its box, whether it truncates
    (SQLite) or rounds (PostgreSQL) lat × LAT_BANDS_PER_DEGREE, from the floor of the south
    edge's to the ceiling of the north edge's."""
    lat_span = math.degrees(radius_m / EARTH_RADIUS_M)
    south, north = max(-90.0, lat - lat_span), min(90.0, lat + lat_span)
    return list(range(math.floor(south * LAT_BANDS_PER_DEGREE), math.ceil(north * LAT_BANDS_PER_DEGREE) + 1))


def cases_within(
    cases: QuerySet[ServiceRequest], *, lat: float, lng: float, radius_m: float
) -> QuerySet[ServiceRequest]:
    """``cases`` whose point lies within ``radius_m`` metres of ``lat``/``lng``, each with its
    great-circle (haversine) distance as ``distance_m``; cases without a point are left out.
    The browse page's "Near", Open311's lat/long/radius and the report form's "Is this
    yours?" (``portal.selectors.nearby_open_cases``) all ask it.

    Read from the index of a city's cases by band of latitude (``cases_city_lat_band``) when
    ``cases`` are one city's: the bands the circle crosses, and in each the circle's box of
    longitude, so a circle reads about its box's cases, not the city's strip of latitude. Then
    the box's latitude, then the exact distance, all in SQL, so a count or a page of the
    answer counts only the cases inside."""
    bands = circle_bands(lat=lat, radius_m=radius_m)
    return _circle(cases, lat=lat, lng=lng, radius_m=radius_m, bands=Q(lat_band__in=bands))


def cases_within_band(
    cases: QuerySet[ServiceRequest], *, lat: float, lng: float, radius_m: float, band: int
) -> QuerySet[ServiceRequest]:
    """``cases_within`` in one band of latitude (one of ``circle_bands``): read band by band in
    an index's order (Open311's newest near a point, ``open311.selectors.newest_keys_within``)."""
    return _circle(cases, lat=lat, lng=lng, radius_m=radius_m, bands=Q(lat_band=band))


def _circle(
    cases: QuerySet[ServiceRequest], *, lat: float, lng: float, radius_m: float, bands: Q
) -> QuerySet[ServiceRequest]:
    """The circle's cases in ``bands`` (a condition on ``lat_band``): its box, then the exact
    distance."""
    lat_span = math.degrees(radius_m / EARTH_RADIUS_M)
    south, north = max(-90.0, lat - lat_span), min(90.0, lat + lat_span)
    boxed = cases.alias(lat_band=lat_band()).filter(
        bands, lat__isnull=False, lng__isnull=False, lat__gte=south, lat__lte=north
    )
    # Longitude degrees shrink towards the poles; near a pole the box is every longitude.
    cos_lat = math.cos(math.radians(lat))
    lng_span = 180.0 if cos_lat < 1e-6 else min(180.0, lat_span / cos_lat)
    if lng_span < 180.0:
        west, east = lng - lng_span, lng + lng_span
        # A box crossing the antimeridian wraps round to the other side.
        if west < -180.0:
            boxed = boxed.filter(Q(lng__gte=west + 360.0) | Q(lng__lte=east))
        elif east > 180.0:
            boxed = boxed.filter(Q(lng__gte=west) | Q(lng__lte=east - 360.0))
        else:
            boxed = boxed.filter(lng__gte=west, lng__lte=east)
    return boxed.annotate(distance_m=_distance(lat, lng)).filter(distance_m__lte=radius_m)


def _distance(lat: float, lng: float) -> CombinedExpression:
    """A case's great-circle (haversine) distance from ``lat``/``lng``, in metres, in SQL."""
    centre_lat = Value(math.radians(lat), output_field=FloatField())
    centre_lng = Value(math.radians(lng), output_field=FloatField())
    half_dlat = (Radians(F("lat")) - centre_lat) / 2.0
    half_dlng = (Radians(F("lng")) - centre_lng) / 2.0
    haversine = Power(Sin(half_dlat), 2) + Cos(centre_lat) * Cos(Radians(F("lat"))) * Power(Sin(half_dlng), 2)
    return 2.0 * EARTH_RADIUS_M * ASin(Sqrt(haversine))


def few_within(cases: QuerySet[ServiceRequest], *, lat: float, lng: float, radius_m: float) -> QuerySet[ServiceRequest]:
    """``cases_within`` for a few cases already chosen by their keys: the exact distance alone,
    no band or box of latitude, so that the database reads them by their keys (given a band, it
    read the circle's whole box instead: 9,071 rows for 7 cases)."""
    near = cases.filter(lat__isnull=False, lng__isnull=False).annotate(distance_m=_distance(lat, lng))
    return near.filter(distance_m__lte=radius_m)


def cases_between(
    cases: QuerySet[ServiceRequest], *, lat: float, lng: float, inner_m: float, outer_m: float
) -> QuerySet[ServiceRequest]:
    """``cases`` whose distance from ``lat``/``lng`` is from ``inner_m`` to ``outer_m`` metres (a
    ring), each with its ``distance_m``: what a keyset page of "Near" reads (``NearestFirst.page``).

    A ring's box is read from the index by band of latitude as ``cases_within`` reads a circle's,
    but in strips of latitude, each with its own range of longitude, and where a strip crosses
    the inner circle two ranges either side of it: a thin ring 500 m out reads about its own
    cases, not the 10,000 nearer ones in its box. The strips are drawn a little wider than the
    ring (1 % and 5 m each way) and the exact distance decides, so they only choose what is read."""
    strips = _ring_strips(lat=lat, lng=lng, inner_m=inner_m, outer_m=outer_m)
    if strips is None:  # near a pole or the antimeridian: the circle's own box
        ring = cases_within(cases, lat=lat, lng=lng, radius_m=outer_m)
    else:
        ring = _circle(cases, lat=lat, lng=lng, radius_m=outer_m, bands=Q(strips))
    return ring.filter(Q(distance_m__gte=inner_m)) if inner_m > 0 else ring


# A ring is read in at most this many strips of latitude: each is one or two ranges of the index,
# and PostgreSQL's planning grows with them (at 1,000,000 cases, a ring 486 m out: 8 strips
# planned in 1.8 ms and ran in 7.9, 32 in 12 and 6.9).
RING_STRIPS = 8


def _ring_strips(*, lat: float, lng: float, inner_m: float, outer_m: float) -> RawSQL | None:
    """The strips of ``cases_between`` as a condition on the band, latitude and longitude (the
    index's columns), or None where a box of degrees does not describe the ring. Written as SQL
    directly: Django compiled the same condition built of ``Q`` in 10 to 20 ms."""
    per_degree = EARTH_RADIUS_M * math.pi / 180
    outer = outer_m * 1.01 + 5.0
    inner = max(0.0, inner_m * 0.99 - 5.0)
    south, north = lat - outer / per_degree, lat + outer / per_degree
    if south < -80.0 or north > 80.0:
        return None
    # Longitude's metres: fewest at the latitude farthest from the equator (the widest reach
    # of the outer circle), most at the nearest (the narrowest of the inner one).
    cos_least = min(math.cos(math.radians(south)), math.cos(math.radians(north)))
    cos_most = 1.0 if south <= 0.0 <= north else max(math.cos(math.radians(south)), math.cos(math.radians(north)))
    reach = outer / (per_degree * cos_least)
    if lng - reach < -180.0 or lng + reach > 180.0:
        return None
    table = connection.ops.quote_name(ServiceRequest._meta.db_table)
    band = f'CAST({table}."lat" * {LAT_BANDS_PER_DEGREE} AS integer)'  # the index's expression
    count = min(RING_STRIPS, max(2, math.ceil(2 * outer / max(outer - inner, 1.0))))
    height = (north - south) / count
    parts: list[str] = []
    params: list[float | int] = []
    for i in range(count):
        low, high = south + i * height, (north if i == count - 1 else south + (i + 1) * height)
        nearest = 0.0 if low <= lat <= high else min(abs(low - lat), abs(high - lat)) * per_degree
        farthest = max(abs(low - lat), abs(high - lat)) * per_degree
        if nearest > outer:
            continue
        out = math.sqrt(outer**2 - nearest**2) / (per_degree * cos_least)
        within = math.sqrt(inner**2 - farthest**2) / (per_degree * cos_most) if inner > farthest else 0.0
        bands = list(range(math.floor(low * LAT_BANDS_PER_DEGREE), math.ceil(high * LAT_BANDS_PER_DEGREE) + 1))
        ranges = [(lng - out, lng - within), (lng + within, lng + out)] if within > 0.0 else [(lng - out, lng + out)]
        for west, east in ranges:
            parts.append(
                f'({band} IN ({", ".join(["%s"] * len(bands))}) AND {table}."lat" BETWEEN %s AND %s'
                f' AND {table}."lng" BETWEEN %s AND %s)'
            )
            params += [*bands, low, high, west, east]
    return RawSQL(" OR ".join(parts), params, output_field=BooleanField())  # noqa: S611 (our SQL; values are parameters)


class NearestFirst:
    """``cases_within`` nearest first (by distance, then id), as a list a paginator pages.

    Its length is the circle's count, counted as every list is (``core/paging.py``: to
    ``COUNT_CAP`` + 1, remembered when long). A page of a circle holding many cases is read from
    the smallest of a few circles round the same centre (a 64th, a 16th, a quarter of the
    radius) that holds at least every case up to the page's last: those are exactly the
    nearest, so the page is the same, without reading and sorting every case inside the whole
    circle (2 miles in a dense part of a city: hundreds of thousands)."""

    RINGS = (1 / 64, 1 / 16, 1 / 4)
    # Up to this many cases the circle is sorted whole: a smaller circle would save little.
    SORTED_WHOLE_UP_TO = 1_000

    def __init__(self, cases: QuerySet[ServiceRequest], *, lat: float, lng: float, radius_m: float) -> None:
        self.cases, self.lat, self.lng, self.radius_m = cases, lat, lng, radius_m
        self._whole = self._circle(radius_m)
        self._count: int | None = None

    def _circle(self, radius_m: float) -> QuerySet[ServiceRequest]:
        return cases_within(self.cases, lat=self.lat, lng=self.lng, radius_m=radius_m).order_by(
            F("distance_m").asc(), "pk"
        )

    def __len__(self) -> int:
        if self._count is None:
            self._count = counts_of({"list": list_query(self._whole)})["list"]
        return self._count

    def count(self) -> int:
        return len(self)

    @overload
    def __getitem__(self, key: int) -> ServiceRequest: ...

    @overload
    def __getitem__(self, key: slice) -> list[ServiceRequest]: ...

    def __getitem__(self, key: int | slice) -> ServiceRequest | list[ServiceRequest]:
        if isinstance(key, int):
            return self[key : key + 1][0]
        if key.stop is None or key.step is not None:
            raise TypeError("NearestFirst is read a page at a time: [start:stop]")
        need = key.stop
        if len(self) > self.SORTED_WHOLE_UP_TO:
            for fraction in self.RINGS:
                ring = self._circle(self.radius_m * fraction)
                # "At least ``need``": counted no further than that.
                if ring.order_by()[:need].count() >= need:
                    return list(ring[key])
        return list(self._whole[key])

    def __iter__(self) -> Iterator[ServiceRequest]:
        return iter(self[0 : len(self)])

    # -- keyset pages --------------------------------------------------------------------------
    #
    # A page by its number reads every case before it: page 400 of 2 miles at a city's centre
    # counted and sorted the 26,319 cases of the quarter ring. A keyset page starts after the
    # last case shown instead: "Farther" carries its distance and id, and the next page is the
    # cases just past it, read from a thin ring beyond that distance (``cases_between``), as
    # cheap deep in the circle as at its centre. A case reported meanwhile lands before or
    # after the cursor, never between two pages. The ring is widened (×4) until it holds the
    # page, or reaches the circle's edge (or, going back, its centre).

    # The first ring's width, as a part of the circle's radius.
    FIRST_RING = 1 / 1024

    def _signature(self) -> str:
        """What a cursor is made for: this place (a cursor of another place is refused)."""
        return f"near:{self.lat:.6f},{self.lng:.6f}"

    def cursor(self, case: ServiceRequest, *, after: bool) -> str:
        """The token of "the cases after ``case``" (``after``) or "the cases before it"."""
        payload = {"o": self._signature(), "d": "a" if after else "b", "k": [case.distance_m, case.pk]}  # type: ignore[attr-defined]
        raw = json.dumps(payload, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, token: str) -> tuple[bool, tuple[float, int]]:
        """(after, (distance, id)) of a cursor; ``BadCursor`` for one that is not this list's."""
        try:
            token = token.strip()
            payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            distance, pk = payload["k"]
            if (
                payload.get("o") != self._signature()
                or payload.get("d") not in ("a", "b")
                or isinstance(distance, bool)
                or not isinstance(distance, int | float)
                or not math.isfinite(distance)
                or not 0 <= distance <= self.radius_m
                or isinstance(pk, bool)
                or not isinstance(pk, int)
            ):
                raise BadCursor(token)
        except (ValueError, TypeError, KeyError, AttributeError, UnicodeDecodeError) as exc:
            raise BadCursor(token) from exc
        return payload["d"] == "a", (float(distance), pk)

    def _ring(self, inner_m: float, outer_m: float) -> QuerySet[ServiceRequest]:
        return cases_between(self.cases, lat=self.lat, lng=self.lng, inner_m=inner_m, outer_m=outer_m)

    def _widths(self) -> Iterator[float]:
        width = self.radius_m * self.FIRST_RING
        while width < self.radius_m:
            yield width
            width *= 4
        yield self.radius_m

    def _after(self, distance: float, pk: int, limit: int) -> list[ServiceRequest]:
        """Up to ``limit`` cases after (``distance``, ``pk``), nearest first."""
        beyond = Q(distance_m__gt=distance) | Q(distance_m=distance, pk__gt=pk)
        if len(self) <= self.SORTED_WHOLE_UP_TO:
            return list(self._whole.filter(beyond)[:limit])
        for width in self._widths():
            outer = min(self.radius_m, distance + width)
            found = list(self._ring(distance, outer).filter(beyond).order_by(F("distance_m").asc(), "pk")[:limit])
            if len(found) >= limit or outer >= self.radius_m:
                return found
        raise AssertionError("the last ring is the circle")  # pragma: no cover

    def _before(self, distance: float, pk: int, limit: int) -> list[ServiceRequest]:
        """Up to ``limit`` cases before (``distance``, ``pk``), the nearest to it first."""
        before = Q(distance_m__lt=distance) | Q(distance_m=distance, pk__lt=pk)
        if len(self) <= self.SORTED_WHOLE_UP_TO:
            return list(self._whole.filter(before).order_by(F("distance_m").desc(), "-pk")[:limit])
        for width in self._widths():
            inner = max(0.0, distance - width)
            ring = self._ring(inner, distance).filter(before).order_by(F("distance_m").desc(), "-pk")
            found = list(ring[:limit])
            if len(found) >= limit or inner <= 0.0:
                return found
        raise AssertionError("the last ring reaches the centre")  # pragma: no cover

    def page(self, token: str | None, per_page: int) -> KeysetPage:
        """The page a cursor asks for, nearest first; the first page, saying why, for a cursor
        this list cannot use (mangled, cut short, or made for another place)."""
        return page_by_cursor(
            token,
            per_page,
            decode=self.decode,
            forward=lambda key, limit: self._after(key[0], key[1], limit),
            backward=lambda key, limit: self._before(key[0], key[1], limit),
            cursor=self.cursor,
            first=lambda problem: self.numbered(1, per_page, problem=problem),
        )

    def numbered(self, number: int, per_page: int, *, problem: str = "") -> KeysetPage:
        """Page ``number`` as counted from the centre (an address of "Near" from before its
        keyset pages: ``?page=N``), with the keyset links either side of it. A number past the
        last page is the last page; one past the cap (``COUNT_CAP``), the page that holds it."""
        last = max(1, math.ceil(min(len(self), COUNT_CAP) / per_page))
        number = min(max(1, number), last)
        start = (number - 1) * per_page
        rows = self[start : start + per_page + 1]
        page = KeysetPage(rows=rows[:per_page], problem=problem)
        if number > 1 and page.rows:
            page.newer = self.cursor(page.rows[0], after=False)
        if len(rows) > per_page:
            page.older = self.cursor(page.rows[-1], after=True)
        return page
