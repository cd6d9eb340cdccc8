"""Reads behind the Open311 API: always of one city, never of confidential types."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import pickle
import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from civicdesk.cases.models import OPEN_STATUSES, CaseEvent, EventKind, Photo, ServiceRequest, Status
from civicdesk.cases.selectors import (
    cases_within,
    cases_within_band,
    circle_bands,
    few_within,
    public_case_list,
    public_case_list_unjoined,
)
from civicdesk.catalog import cache as catalogue_cache
from civicdesk.catalog.models import ServiceType
from civicdesk.catalog.selectors import reportable_types
from civicdesk.core.sql import first_row
from civicdesk.open311.errors import BadRequest, NotFound
from civicdesk.open311.models import Open311ApiKey, Open311Submission
from civicdesk.tenants import reference
from civicdesk.tenants.models import City, Department, District

# The spec's limits on one GET requests answer.
DEFAULT_WINDOW = dt.timedelta(days=90)
MAX_RESULTS = 1000
# Paging (an extension): a page is at most the spec's 1000 results, and by default it is
# exactly the spec's answer, so clients that know nothing of paging see no difference.
DEFAULT_PAGE_SIZE = MAX_RESULTS
MAX_PAGE = 10_000
# Searching near a point (an extension), in metres.
DEFAULT_RADIUS = 1_000.0
MAX_RADIUS = 10_000.0
# Event kinds whose text an application may show as a public note. The report itself is the
# request's description already; internal notes are never public.
PUBLIC_NOTE_KINDS = (EventKind.PUBLIC_NOTE, EventKind.CLOSED, EventKind.REOPENED)


@dataclass(frozen=True)
class Near:
    """A circle to search in: centre in degrees, radius in metres."""

    lat: float
    lng: float
    radius: float


def key_digest(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def city_for_jurisdiction(jurisdiction_id: str | None) -> City:
    """The city a request is about. An empty ``jurisdiction_id`` counts as missing; missing is
    fine only while the deployment serves one city."""
    jurisdiction_id = (jurisdiction_id or "").strip()
    if not jurisdiction_id:
        cities = list(City.objects.order_by("name").defer("boundary")[:2])
        if len(cities) == 1:
            return cities[0]
        if not cities:
            raise NotFound(_("This server has no jurisdictions yet."))
        known = ", ".join(City.objects.order_by("jurisdiction_id").values_list("jurisdiction_id", flat=True))
        raise BadRequest(
            _("jurisdiction_id is required: this server serves several cities. Use one of: %(known)s.")
            % {"known": known}
        )
    # Without the boundary (tens of kB of GeoJSON, decoded on every request): routing reads
    # the limits from the process's index (tenants.geo), and nothing of Open311 shows them.
    city = City.objects.filter(jurisdiction_id__iexact=jurisdiction_id).defer("boundary").first()
    if city is None:
        raise NotFound(_("No jurisdiction “%(j)s” on this server.") % {"j": jurisdiction_id})
    return city


def contact(*, city: City | None) -> str:
    """The discovery document's ``contact``, never empty (the spec: "contact information for
    those using the API"): the city's own with a ``jurisdiction_id``, else
    ``settings.OPEN311_CONTACT`` if the operator set one, else every member city's."""
    if city is not None:
        return ", ".join(filter(None, [city.name, city.email, city.phone, city.website])) or city.name
    configured = str(getattr(settings, "OPEN311_CONTACT", "") or "").strip()
    if configured:
        return configured
    cities = City.objects.order_by("name").only("name", "email", "phone", "website")
    every = "; ".join(", ".join(filter(None, [c.name, c.email, c.phone, c.website])) for c in cities)
    return every or settings.SERVER_EMAIL


def api_key_for(*, city: City, raw_key: str | None) -> Open311ApiKey | None:
    """The active key of ``city`` matching ``raw_key``; None for a missing, unknown or revoked key."""
    if not raw_key:
        return None
    key = Open311ApiKey.objects.filter(city=city, active=True, key_digest=key_digest(raw_key.strip())).first()
    if key is not None:
        key.city = city  # the city in hand, not read again (with its boundary) inside the intake transaction
    return key


# (jurisdiction id in capitals, key digest) → (the key as read, with its city; monotonic expiry)
_kept_keys: dict[tuple[str, str], tuple[Open311ApiKey, float]] = {}

# Whether a kept key may still be used as it was read: it is still active, its name (the
# label of what it posts) and its city's version (moved by every change of the city) unchanged.
_KEY_CHECK_SQL = """
SELECT k."active", k."name", c."reference_version" FROM "open311_open311apikey" AS k
INNER JOIN "tenants_city" AS c ON c."id" = k."city_id"
WHERE k."id" = %s AND k."key_digest" = %s
"""


def api_key_of_jurisdiction(*, jurisdiction_id: str | None, raw_key: str | None) -> Open311ApiKey | None:
    """The active key matching ``raw_key`` of the city named ``jurisdiction_id``, read with its
    city (boundary left out) in one query: a report's two look-ups at once. None when either
    is missing or unknown, or the key is another city's or revoked; the caller then asks
    ``city_for_jurisdiction`` and ``api_key_for``, whose errors say which.

    Every report of an application sends the same key: the key and its city as read are kept
    in the process (REFERENCE_CACHE_SECONDS), and each report only checks, in one plain
    statement, that the key is still active and unchanged and its city's version the same
    (core/sql.py says why plain). Building the two-table query cost Django a millisecond of
    CPU per report. A revoked key is refused at once, a changed city read again at once."""
    jurisdiction_id = (jurisdiction_id or "").strip()
    if not jurisdiction_id or not raw_key:
        return None
    digest = key_digest(raw_key.strip())
    lookup = (jurisdiction_id.upper(), digest)
    kept = _kept_keys.get(lookup)
    if kept is not None and kept[1] > time.monotonic():
        key = kept[0]
        row = first_row(Open311ApiKey, _KEY_CHECK_SQL, [key.pk, digest])
        if row is not None and (bool(row[0]), row[1], row[2]) == (True, key.name, key.city.reference_version):
            return _copy_of(key)
        _kept_keys.pop(lookup, None)
        if row is not None and not row[0]:
            return None  # revoked
    # A digest is unique: at most one row, so no order (``first()`` would sort by the key's
    # city and name, a join more).
    keys = (
        Open311ApiKey.objects.select_related("city")
        .defer("city__boundary")
        .filter(city__jurisdiction_id__iexact=jurisdiction_id, active=True, key_digest=digest)
        .order_by()
    )
    found = next(iter(keys[:1]), None)
    if found is None:
        return None
    if reference.seconds() > 0:
        _kept_keys[lookup] = (found, time.monotonic() + reference.seconds())
    return _copy_of(found)


def _copy_of(key: Open311ApiKey) -> Open311ApiKey:
    """A copy of a kept key and its city for one request: what the request does to them (a
    value cached on the city) stays with it."""
    copied = copy.copy(key)
    copied.city = copy.copy(key.city)
    return copied


def forget_keys() -> None:
    """Forget the keys this process keeps (tests: the next test's key may have an old id)."""
    _kept_keys.clear()


def public_service_types(*, city: City) -> QuerySet[ServiceType]:
    """Types an application may list and report: active, not confidential, not the staff's
    triage queue."""
    return (
        reportable_types()
        .filter(city=city, is_confidential=False)
        .select_related("department")
        .prefetch_related("attributes")
    )


def public_service_type(*, city: City, code: str) -> ServiceType:
    """The public type of ``code`` (its department and questions read with it), from the city's
    kept catalogue (``catalog.cache``: forgotten when an administrator changes a type, a
    question or a department): every report of a burst reads the same few types. ``city`` as
    read for this request (its reference version is checked)."""

    def build() -> dict[str, bytes]:
        # Each type pickled on its own: a report unpickles the one type it names, not the
        # city's whole catalogue with every question.
        return {service_type.code: pickle.dumps(service_type) for service_type in public_service_types(city=city)}

    # Kept in this process too while the city's reference version holds (tenants/reference.py:
    # ``city`` is read with the report's key, so the version is fresh): no read of the shared
    # cache per report.
    catalogue = reference.kept(city, "open311-types", lambda: catalogue_cache.cached("open311-types", city.pk, build))
    kept = catalogue.get(code)
    if kept is None:
        raise NotFound(_("No service “%(code)s” in %(city)s.") % {"code": code, "city": city.name})
    service_type: ServiceType = pickle.loads(kept)  # noqa: S301 (written by build() above, in our own cache)
    return service_type


# What an answer shows of a case (ServiceRequestSerializer), and what its expected date is
# computed from: nothing else is read. A list is up to 1,000 cases; reading each one's
# reporter, answers and assignee, and joining the city and district to every row, cost more
# than the whole answer does now.
ANSWER_FIELDS = (
    "id",
    "city",
    "number",
    "service_type",
    "department",
    "district",
    "status",
    "description",
    "address",
    "lat",
    "lng",
    "channel",
    "opened_at",
    "updated_at",
    "due_at",
    "closing_note",
)


def public_requests(*, city: City, extensions: bool = False) -> QuerySet[ServiceRequest]:
    """Cases of ``city`` anyone may read through the API, newest first (and by number, so
    pages never overlap). With ``extensions``, each case carries its public notes, photos and
    district too.

    The city, type and department of the cases are read once each (prefetched: a few dozen
    rows shared by every case of the answer), not joined to every row; the first public photo
    and the application's media link come with the row (``first_photo``,
    ``submitted_media_url``): a list shows only those."""
    cases = (
        public_case_list(city=city)
        .select_related(None)
        .only(*ANSWER_FIELDS)
        .prefetch_related(
            Prefetch("city", queryset=City.objects.defer("boundary")),
            "service_type",
            Prefetch("department", queryset=Department.objects.only("name")),
        )
        .annotate(submitted_media_url=F("open311_submission__media_url"))
        .order_by("-opened_at", "-number")
    )
    if extensions:
        public_photos = Prefetch("photos", queryset=Photo.objects.filter(is_public=True), to_attr="public_photos")
        notes = (
            CaseEvent.objects.filter(is_public=True, kind__in=PUBLIC_NOTE_KINDS).exclude(text="").order_by("at", "pk")
        )
        return cases.prefetch_related(
            Prefetch("district", queryset=District.objects.only("name")),
            public_photos,
            Prefetch("events", queryset=notes, to_attr="public_notes"),
        )
    first_photo = Photo.objects.filter(case=OuterRef("pk"), is_public=True).order_by("uploaded_at", "pk")
    return cases.annotate(first_photo=Subquery(first_photo.values("image")[:1]))


def public_request(*, city: City, reference: str, extensions: bool = False) -> ServiceRequest:
    """One case by its reference (``IND-1042``) in ``city``; NotFound otherwise."""
    number = case_number(city=city, reference=reference)
    cases = public_requests(city=city, extensions=extensions)
    case = cases.filter(number=number).first() if number is not None else None
    if case is None and number is not None:
        # A case handed on to another member city keeps answering to its old id.
        from civicdesk.cases.transfers import case_by_old_reference

        moved = case_by_old_reference(city_slug=city.slug, number=number)
        if moved is not None:
            case = public_requests(city=moved.city, extensions=extensions).filter(pk=moved.pk).first()
    if case is None:
        raise NotFound(_("No service request %(ref)s in %(city)s.") % {"ref": reference, "city": city.name})
    return case


def case_number(*, city: City, reference: str) -> int | None:
    """The case number in a reference of ``city`` (``IND-1042`` or plain ``1042``), else None."""
    prefix, _sep, number = reference.strip().rpartition("-")
    if prefix and prefix.upper() != city.case_prefix.upper():
        return None
    # ASCII digits only, and no more than a database integer holds ("²" is a digit to Python).
    if not (number.isascii() and number.isdigit()) or len(number) > 9:
        return None
    return int(number)


def submission_for_token(*, city: City, token: str) -> Open311Submission:
    """The submission a token was given for, if it was posted to ``city`` or its case is
    ``city``'s (a point across the line makes the neighbour's case), and the case is public."""
    submission = (
        Open311Submission.objects.filter(token=token.strip(), case__in=public_case_list())
        .filter(Q(api_key__city=city) | Q(case__city=city))
        .select_related("case__city")
        .first()
    )
    if submission is None:
        raise NotFound(_("No token “%(t)s” in %(city)s.") % {"t": token, "city": city.name})
    return submission


def _window(
    start: dt.datetime | None, end: dt.datetime | None, *, now: dt.datetime, names: tuple[str, str]
) -> tuple[dt.datetime, dt.datetime]:
    """The spec's date window: at most 90 days; one bound alone opens 90 days from it; none
    is the last 90 days."""
    if start is None and end is None:
        end = now
    if start is None:
        assert end is not None
        start = end - DEFAULT_WINDOW
    if end is None:
        end = start + DEFAULT_WINDOW
    if end < start:
        raise BadRequest(_("%(end)s is before %(start)s.") % {"end": names[1], "start": names[0]})
    if end - start > DEFAULT_WINDOW:
        raise BadRequest(
            _("%(start)s and %(end)s may not span more than 90 days.") % {"start": names[0], "end": names[1]}
        )
    return start, end


def within(cases: QuerySet[ServiceRequest], near: Near) -> QuerySet[ServiceRequest]:
    """Cases whose point lies within ``near``: the same circle as the browse page's "Near"
    (``cases.selectors.cases_within``: the index by band of latitude, the box, then the exact
    great-circle distance, all in SQL so paging counts only the cases that match)."""
    return cases_within(cases, lat=near.lat, lng=near.lng, radius_m=near.radius)


# Stands for the band of latitude in the SQL of one band's part, written once and repeated for
# each band (no band is this far south: a band is latitude × LAT_BANDS_PER_DEGREE).
_ANY_BAND = -1_000_311


def newest_keys_within(cases: QuerySet[ServiceRequest], near: Near, *, offset: int, page_size: int) -> RawSQL:
    """The keys of the page ``[offset:offset + page_size]`` of ``cases`` within ``near``, newest
    first (then by number), as a statement to select by (``pk__in``), on a database that can
    cut each part of a union (PostgreSQL). ``cases`` unjoined
    (``cases.selectors.public_case_list_unjoined``), so each part is read in its index's order.

    The newest ``offset + page_size`` of each band of latitude the circle crosses, read from
    the index of a city's cases by band, then opening time and number
    (``cases_city_lat_band_opened``), merged by the database in that order and cut at the
    page's last: a dense circle (20,000 cases of the 90 days within 2 miles downtown) is read
    no further than the page, not read whole and sorted. The newest of the circle are among
    the newest of its bands, so the page is the same. One band's part is compiled once and
    repeated with each band: compiling 31 parts for 2 miles took longer than reading them.
    The filters of ``cases`` are each part's; a type among them is checked on the index's
    entries (its last key), so a band's newest of one problem are found without its others."""
    need = offset + page_size
    part = (
        cases_within_band(cases, lat=near.lat, lng=near.lng, radius_m=near.radius, band=_ANY_BAND)
        .order_by("-opened_at", "-number")
        .values_list("id", "opened_at", "number")[:need]
    )
    part_sql, part_params = part.query.sql_with_params()
    if list(part_params).count(_ANY_BAND) != 1:
        raise ValueError(f"one band's part must name its band once: {part_sql}")
    at = list(part_params).index(_ANY_BAND)
    parts, params = [], []
    for band in circle_bands(lat=near.lat, radius_m=near.radius):
        parts.append(f"({part_sql})")
        params += [*part_params[:at], band, *part_params[at + 1 :]]
    merged = " UNION ALL ".join(parts)
    return RawSQL(  # noqa: S611 (our own SQL, compiled by Django; the values are parameters)
        f"SELECT newest.id FROM ({merged}) AS newest ORDER BY newest.opened_at DESC, newest.number DESC "  # noqa: S608
        "LIMIT %s OFFSET %s",
        (*params, page_size, offset),
    )


def search_requests(
    *,
    city: City,
    references: Sequence[str] = (),
    service_codes: Sequence[str] = (),
    statuses: Sequence[str] = (),
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    updated_after: dt.datetime | None = None,
    updated_before: dt.datetime | None = None,
    near: Near | None = None,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
    extensions: bool = False,
    now: dt.datetime,
) -> QuerySet[ServiceRequest]:
    """The spec's GET requests: ids override every other filter; otherwise a date window of
    at most 90 days (the last 90 days by default), at most 1000 results.

    Extensions: ``updated_after``/``updated_before`` select by last change instead of by
    opening (a window of at most 90 days too; the opening window then applies only if
    asked for), ``near`` a circle around a point, ``page``/``page_size`` one page of the
    answer."""
    if not 1 <= page_size <= MAX_RESULTS:
        raise BadRequest(_("page_size must be from 1 to %(n)s.") % {"n": MAX_RESULTS})
    if not 1 <= page <= MAX_PAGE:
        raise BadRequest(_("page must be from 1 to %(n)s.") % {"n": MAX_PAGE})
    offset = (page - 1) * page_size
    cases = public_requests(city=city, extensions=extensions)
    if references:
        numbers = [n for n in (case_number(city=city, reference=r) for r in references) if n is not None]
        return cases.filter(number__in=numbers)[offset : offset + page_size]
    # The filters asked for, kept apart: near a point they find the page's keys (newest_keys_within).
    chosen = Q()
    if service_codes:
        # The ids first (a few rows): with them the planner knows how many cases each type has
        # and reads the newest from the index by type, not every case of a type.
        ids = list(
            ServiceType.objects.filter(city=city, code__in=service_codes).order_by().values_list("pk", flat=True)
        )
        chosen &= Q(service_type_id__in=ids)
    if statuses:
        wanted: list[str] = []
        if "open" in statuses:
            wanted += [str(s) for s in OPEN_STATUSES]
        if "closed" in statuses:
            wanted.append(Status.CLOSED)
        chosen &= Q(status__in=wanted)
    by_update = updated_after is not None or updated_before is not None
    if by_update:
        after, before = _window(updated_after, updated_before, now=now, names=("updated_after", "updated_before"))
        chosen &= Q(updated_at__gte=after, updated_at__lte=before)
    if not by_update or start is not None or end is not None:
        start, end = _window(start, end, now=now, names=("start_date", "end_date"))
        chosen &= Q(opened_at__gte=start, opened_at__lte=end)
    if near is not None and connection.features.supports_slicing_ordering_in_compound:
        keys = public_case_list_unjoined(city=city).filter(chosen)
        only_open = bool(statuses) and "closed" not in statuses
        wide = len(circle_bands(lat=near.lat, radius_m=near.radius)) >= FEW_WHEN_BANDS
        few = _few_across_the_city(keys) if service_codes and only_open and wide else None
        if few is None:
            # One query: the page's keys (which meet the filters), then its cases by those keys.
            return cases.filter(pk__in=newest_keys_within(keys, near, offset=offset, page_size=page_size))
        # The few cases of the problem asked for, by their keys, kept to the circle.
        circle = few_within(cases.filter(pk__in=few), lat=near.lat, lng=near.lng, radius_m=near.radius)
        return circle[offset : offset + page_size]
    cases = cases.filter(chosen)
    if near is not None:
        # SQLite cannot cut each part of a union: the circle is read whole and sorted there.
        cases = within(cases, near)
    return cases[offset : offset + page_size]


# A problem asked for open, near a point, in a circle crossing at least FEW_WHEN_BANDS bands of
# latitude (about a mile and more), whose open cases across the whole city (with the other
# filters) are FEW_ACROSS_THE_CITY or fewer, is answered from those cases, not band by band
# (``_few_across_the_city``). A smaller circle, or a problem open and closed, reads few rows band
# by band (the index by band ends with the type) and is not asked for the keys first.
FEW_ACROSS_THE_CITY = 500
FEW_WHEN_BANDS = 16


def _few_across_the_city(keys: QuerySet[ServiceRequest]) -> list[int] | None:
    """The ids of ``keys`` (the city's open cases that meet a request's filters, a problem among
    them) if there are no more than ``FEW_ACROSS_THE_CITY``, else None.

    A rare problem, open, within 2 miles (at 1,000,000 cases: 32 requests) was read band by
    band, and PostgreSQL read 25 of the 31 bands' parts from the index of the open cases by
    type: the city's 55 open cases of it, 25 times over (1,737 rows). Read once by their keys
    and kept to the circle, they are the answer. A problem with more open cases is read band
    by band as before, after this many keys more (entries of the index of open cases by type)."""
    found = list(keys.order_by().values_list("pk", flat=True)[: FEW_ACROSS_THE_CITY + 1])
    return found if len(found) <= FEW_ACROSS_THE_CITY else None
