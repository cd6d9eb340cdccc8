"""Reads for the open-data files: the public cases, one row at a time, and the files listed.

Privacy by construction: the cases are ``cases.selectors.public_case_list`` (never a
confidential type, so not even their number shows), the photos are
``cases.selectors.public_photo_list`` (what the case page shows), and the columns read
are named one by one below: no reporter's field, no event (so no internal note), no
account is ever selected, so none can be written.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.postgres.aggregates import StringAgg
from django.db import connection
from django.db.models import CharField, F, Func, OuterRef, QuerySet, Subquery, TextField, Value
from django.db.models.functions import Cast, Concat, NullIf
from django.urls import reverse

from civicdesk.cases.models import Photo
from civicdesk.cases.selectors import public_case_list, public_photo_list
from civicdesk.opendata.columns import NAMES
from civicdesk.opendata.models import OpenDataFile
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


def _moment(value: dt.datetime | str | None, tz: zoneinfo.ZoneInfo) -> str:
    # The city's local time with its offset: 2026-03-08T01:30:00-06:00. Both readers of the
    # local day and tools that want the instant get what they need. PostgreSQL sends it as
    # text already (LocalIsoText).
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return value.astimezone(tz).isoformat(timespec="seconds")


class LocalIsoText(Func):
    """A timestamp as the text ``_moment`` writes, made by PostgreSQL: the local time in the
    time zone named by ``zone`` (the case's city's) to the second, then its UTC offset as
    +HH:MM. Parsing timestamps into Python datetimes and writing them back was most of the
    export's time; this way the rows arrive as text. (SQLite has no time zone data: there,
    Python writes them.)"""

    output_field = CharField()

    def __init__(self, field: str, zone: str = "city__timezone") -> None:
        super().__init__(F(field), F(zone))

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        moment, moment_params = compiler.compile(self.source_expressions[0])
        zone, zone_params = compiler.compile(self.source_expressions[1])
        local, utc = f"({moment} AT TIME ZONE {zone})", f"({moment} AT TIME ZONE 'UTC')"
        text = (
            f"to_char({local}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN {local} < {utc} THEN '-' ELSE '+' END"
            f" || to_char(abs(extract(epoch FROM {local} - {utc})) * interval '1 second', 'HH24:MI')"
        )
        local_params = [*moment_params, *zone_params]
        return text, [*local_params, *local_params, *moment_params, *local_params, *moment_params]


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


TIMES = ("opened_at", "due_at", "closed_at", "updated_at")


def _case_rows(city: City | None) -> Iterator[tuple[Any, ...]]:
    """The public cases' CASE_FIELDS in order, times already as text on PostgreSQL."""
    cases = public_case_list(city=city).order_by("city_id", "number")
    if connection.vendor == "postgresql":
        texts = {f"{name}_text": LocalIsoText(name) for name in TIMES}
        fields = [f"{name}_text" if name in TIMES else name for name in CASE_FIELDS]
        yield from cases.annotate(**texts).values_list(*fields).iterator(chunk_size=CHUNK)
    else:
        yield from cases.values_list(*CASE_FIELDS).iterator(chunk_size=CHUNK)


def open_data_rows(*, city: City | None) -> Iterator[list[str]]:
    """Every public case of ``city`` (None: every member city) as the strings of
    ``columns.COLUMNS``, ordered by city and case number, read in chunks from a server-side
    cursor (PostgreSQL) so memory does not grow with the number of cases."""
    cities = City.objects.filter(pk=city.pk) if city is not None else City.objects.all()
    facts = _facts(cities)
    scope = [city.pk] if city is not None else None
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
    ) in _case_rows(city):
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


def open_data_copy_query(*, city: City | None) -> tuple[str, tuple[Any, ...]]:
    """PostgreSQL only: a SELECT (SQL and parameters) whose rows are exactly the CSV's, every
    column made by PostgreSQL, for ``COPY (…) TO STDOUT``.

    The same cases as ``open_data_rows`` (``public_case_list``), the same photos, the same
    text: empty values are NULL, which COPY writes as nothing, as Python's csv writes an
    empty string (tests/opendata compare the two).
    """
    storage = Photo._meta.get_field("image").storage  # type: ignore[attr-defined]
    media = storage.url("")
    photo_base = media if "://" in media else settings.SITE_URL + media
    # The photos of one case of public_case_list: public_photo_list's rule (is_public, of a
    # case that is not confidential) without its join to the case's type, which the outer
    # query has already checked; the join, repeated per case, was half of the query's time.
    photos = (
        Photo.objects.filter(is_public=True, case_id=OuterRef("pk"))
        .order_by()
        .values("case_id")
        .annotate(urls=StringAgg(Concat(Value(photo_base), "image", output_field=TextField()), " ", order_by="pk"))
        .values("urls")
    )
    slug_mark = "city-slug-placeholder"
    url_start, url_middle, url_end = _split_case_url(slug_mark)
    number = Cast("number", TextField())

    def text(expression: Any) -> Any:
        return NullIf(expression, Value(""), output_field=TextField())

    columns = {
        "c_case_id": Concat("city__case_prefix", Value("-"), number, output_field=TextField()),
        "c_city": F("city__name"),
        "c_service_code": F("service_type__code"),
        "c_service_name": F("service_type__name"),
        "c_department": text(F("department__name")),
        "c_district": F("district__number"),
        "c_district_name": text(F("district__name")),
        "c_status": F("status"),
        "c_resolution": text(F("resolution")),
        "c_priority": F("priority"),
        "c_channel": F("channel"),
        **{f"c_{name}": LocalIsoText(name) for name in TIMES},
        "c_address": text(F("address")),
        "c_lat": F("lat"),
        "c_lng": F("lng"),
        "c_description": text(F("description")),
        "c_closing_note": text(F("closing_note")),
        "c_photo_urls": Subquery(photos, output_field=TextField()),
        "c_url": Concat(
            Value(url_start), "city__slug", Value(url_middle), number, Value(url_end), output_field=TextField()
        ),
    }
    assert [name.removeprefix("c_") for name in columns] == list(NAMES)
    rows = public_case_list(city=city).order_by("city_id", "number").annotate(**columns).values_list(*columns)
    sql, params = rows.query.sql_with_params()
    return sql, tuple(params)


def _split_case_url(slug_mark: str) -> tuple[str, str, str]:
    """The case page's absolute URL in three parts, around its city's slug and its number."""
    url = settings.SITE_URL + reverse("portal:case", args=[slug_mark, _PLACEHOLDER])
    start, rest = url.split(slug_mark)
    middle, end = rest.split(str(_PLACEHOLDER))
    return start, middle, end


def open_data_files(*, city: City | None) -> dict[str, OpenDataFile]:
    """The current files of a city (None: the collaborative), by format."""
    found = OpenDataFile.objects.filter(city=city) if city is not None else OpenDataFile.objects.filter(city=None)
    return {f.format: f for f in found}


def open_data_file(*, city: City | None, fmt: str) -> OpenDataFile | None:
    return open_data_files(city=city).get(fmt)
