"""Reads for the open-data files: the public cases, one row at a time, and the files listed.

Privacy by construction: the cases are ``cases.selectors.public_case_list`` (never a
confidential type, so not even their number shows), the photos are
``portal.selectors.public_photo_list`` (what the case page shows), and the columns read
are named one by one below: no reporter's field, no event (so no internal note), no
account is ever selected, so none can be written.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse

from civicdesk.cases.models import Photo
from civicdesk.cases.selectors import public_case_list
from civicdesk.opendata.models import OpenDataFile
from civicdesk.portal.selectors import public_photo_list
from civicdesk.tenants.models import City

# What is read of each case, in this order (the columns of columns.py are made from these).
CASE_FIELDS = (
    "city_id",
    "number",
    "service_type__code",
    "service_type__name",
    "department__name",
    "district__number",
    "district__name",
    "status",
    "resolution",
    "priority",
    "channel",
    "opened_at",
    "due_at",
    "closed_at",
    "updated_at",
    "address",
    "lat",
    "lng",
    "description",
    "closing_note",
)
CHUNK = 2000  # rows per fetch from the server-side cursor: memory stays flat for any number of cases
_PLACEHOLDER = 987654321  # a case number no city reaches, replaced by each case's own in its URL


@dataclass(frozen=True)
class _CityFacts:
    name: str
    prefix: str
    tz: zoneinfo.ZoneInfo
    url: str  # the case page's URL with _PLACEHOLDER for the number


def _facts(cities: QuerySet[City]) -> dict[int, _CityFacts]:
    site = settings.SITE_URL
    return {
        c.pk: _CityFacts(
            name=c.name,
            prefix=c.case_prefix,
            tz=zoneinfo.ZoneInfo(c.timezone),
            url=site + reverse("portal:case", args=[c.slug, _PLACEHOLDER]),
        )
        for c in cities.only("name", "slug", "case_prefix", "timezone")
    }


def _moment(value: dt.datetime | None, tz: zoneinfo.ZoneInfo) -> str:
    # The city's local time with its offset: 2026-03-08T01:30:00-06:00. Both readers of the
    # local day and tools that want the instant get what they need.
    return value.astimezone(tz).isoformat(timespec="seconds") if value is not None else ""


def _number(value: float | int | None) -> str:
    return "" if value is None else repr(value)


def _photo_urls(cities: list[int] | None) -> Iterator[tuple[tuple[int, int], str]]:
    photos = public_photo_list()
    if cities is not None:
        photos = photos.filter(case__city_id__in=cities)
    storage = Photo._meta.get_field("image").storage  # type: ignore[attr-defined]
    site = settings.SITE_URL
    rows = photos.order_by("case__city_id", "case__number", "pk").values_list("case__city_id", "case__number", "image")
    for city_id, number, name in rows.iterator(chunk_size=CHUNK):
        url = storage.url(name)
        yield (city_id, number), url if "://" in url else site + url


def open_data_rows(*, city: City | None) -> Iterator[list[str]]:
    """Every public case of ``city`` (None: every member city) as the strings of
    ``columns.COLUMNS``, ordered by city and case number, read in chunks from a server-side
    cursor (PostgreSQL) so memory does not grow with the number of cases."""
    cities = City.objects.filter(pk=city.pk) if city is not None else City.objects.all()
    facts = _facts(cities)
    scope = [city.pk] if city is not None else None
    cases = public_case_list(city=city).order_by("city_id", "number").values_list(*CASE_FIELDS)
    photos = _photo_urls(scope)
    pending = next(photos, None)
    for (
        city_id,
        number,
        code,
        type_name,
        department,
        district,
        district_name,
        status,
        resolution,
        priority,
        channel,
        opened_at,
        due_at,
        closed_at,
        updated_at,
        address,
        lat,
        lng,
        description,
        closing_note,
    ) in cases.iterator(chunk_size=CHUNK):
        f = facts[city_id]
        key = (city_id, number)
        # The photos come in the cases' order: take this case's, skip any of cases not listed.
        urls = []
        while pending is not None and pending[0] <= key:
            if pending[0] == key:
                urls.append(pending[1])
            pending = next(photos, None)
        tz = f.tz
        yield [
            f"{f.prefix}-{number}",
            f.name,
            code,
            type_name,
            department or "",
            "" if district is None else str(district),
            district_name or "",
            status,
            resolution,
            priority,
            channel,
            _moment(opened_at, tz),
            _moment(due_at, tz),
            _moment(closed_at, tz),
            _moment(updated_at, tz),
            address,
            _number(lat),
            _number(lng),
            description,
            closing_note,
            " ".join(urls),
            f.url.replace(str(_PLACEHOLDER), str(number)),
        ]


def open_data_files(*, city: City | None) -> dict[str, OpenDataFile]:
    """The current files of a city (None: the collaborative), by format."""
    found = OpenDataFile.objects.filter(city=city) if city is not None else OpenDataFile.objects.filter(city=None)
    return {f.format: f for f in found}


def open_data_file(*, city: City | None, fmt: str) -> OpenDataFile | None:
    return open_data_files(city=city).get(fmt)
