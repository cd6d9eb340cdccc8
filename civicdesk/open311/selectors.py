"""Reads behind the Open311 API: always of one city, never of confidential types."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from civicdesk.cases.models import OPEN_STATUSES, Photo, ServiceRequest, Status
from civicdesk.cases.selectors import public_case_list
from civicdesk.catalog.models import ServiceType
from civicdesk.open311.errors import BadRequest, NotFound
from civicdesk.open311.models import Open311ApiKey
from civicdesk.tenants.models import City

# The spec's limits on one GET requests answer.
DEFAULT_WINDOW = dt.timedelta(days=90)
MAX_RESULTS = 1000


def key_digest(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def city_for_jurisdiction(jurisdiction_id: str | None) -> City:
    """The city a request is about. An empty ``jurisdiction_id`` counts as missing; missing is
    fine only while the deployment serves one city."""
    jurisdiction_id = (jurisdiction_id or "").strip()
    if not jurisdiction_id:
        cities = list(City.objects.order_by("name")[:2])
        if len(cities) == 1:
            return cities[0]
        if not cities:
            raise NotFound(_("This server has no jurisdictions yet."))
        known = ", ".join(City.objects.order_by("jurisdiction_id").values_list("jurisdiction_id", flat=True))
        raise BadRequest(
            _("jurisdiction_id is required: this server serves several cities. Use one of: %(known)s.")
            % {"known": known}
        )
    city = City.objects.filter(jurisdiction_id__iexact=jurisdiction_id).first()
    if city is None:
        raise NotFound(_("No jurisdiction “%(j)s” on this server.") % {"j": jurisdiction_id})
    return city


def api_key_for(*, city: City, raw_key: str | None) -> Open311ApiKey | None:
    """The active key of ``city`` matching ``raw_key``; None for a missing, unknown or revoked key."""
    if not raw_key:
        return None
    return Open311ApiKey.objects.filter(city=city, active=True, key_digest=key_digest(raw_key.strip())).first()


def public_service_types(*, city: City) -> QuerySet[ServiceType]:
    """Types an application may list and report: active, not confidential."""
    return (
        ServiceType.objects.filter(city=city, active=True, is_confidential=False)
        .select_related("department")
        .prefetch_related("attributes")
    )


def public_service_type(*, city: City, code: str) -> ServiceType:
    service_type = public_service_types(city=city).filter(code=code).first()
    if service_type is None:
        raise NotFound(_("No service “%(code)s” in %(city)s.") % {"code": code, "city": city.name})
    return service_type


def public_requests(*, city: City) -> QuerySet[ServiceRequest]:
    """Cases of ``city`` anyone may read through the API, newest first."""
    public_photos = Prefetch("photos", queryset=Photo.objects.filter(is_public=True), to_attr="public_photos")
    return (
        public_case_list(city=city)
        .select_related("open311_submission")
        .prefetch_related(public_photos)
        .order_by("-opened_at", "-number")
    )


def public_request(*, city: City, reference: str) -> ServiceRequest:
    """One case by its reference (``IND-1042``) in ``city``; NotFound otherwise."""
    number = case_number(city=city, reference=reference)
    case = public_requests(city=city).filter(number=number).first() if number is not None else None
    if case is None:
        raise NotFound(_("No service request %(ref)s in %(city)s.") % {"ref": reference, "city": city.name})
    return case


def case_number(*, city: City, reference: str) -> int | None:
    """The case number in a reference of ``city`` (``IND-1042`` or plain ``1042``), else None."""
    prefix, _sep, number = reference.strip().rpartition("-")
    if prefix and prefix.upper() != city.case_prefix.upper():
        return None
    return int(number) if number.isdigit() else None


def search_requests(
    *,
    city: City,
    references: Sequence[str] = (),
    service_codes: Sequence[str] = (),
    statuses: Sequence[str] = (),
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    now: dt.datetime,
) -> QuerySet[ServiceRequest]:
    """The spec's GET requests: ids override every other filter; otherwise a date window of
    at most 90 days (the last 90 days by default), at most 1000 results."""
    cases = public_requests(city=city)
    if references:
        numbers = [n for n in (case_number(city=city, reference=r) for r in references) if n is not None]
        return cases.filter(number__in=numbers)[:MAX_RESULTS]
    if service_codes:
        cases = cases.filter(service_type__code__in=service_codes)
    if statuses:
        wanted: list[str] = []
        if "open" in statuses:
            wanted += [str(s) for s in OPEN_STATUSES]
        if "closed" in statuses:
            wanted.append(Status.CLOSED)
        cases = cases.filter(status__in=wanted)
    if start is None and end is None:
        end = now
    if start is None:
        assert end is not None
        start = end - DEFAULT_WINDOW
    if end is None:
        end = start + DEFAULT_WINDOW
    if end < start:
        raise BadRequest(_("end_date is before start_date."))
    if end - start > DEFAULT_WINDOW:
        raise BadRequest(_("start_date and end_date may not span more than 90 days."))
    return cases.filter(opened_at__gte=start, opened_at__lte=end)[:MAX_RESULTS]
