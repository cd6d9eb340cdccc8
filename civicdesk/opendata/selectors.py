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
from django.db.models import Case, CharField, F, Func, OuterRef, QuerySet, Subquery, TextField, Value, When
from django.db.models.functions import Cast, Coalesce, Concat, NullIf
from django.urls import reverse

from civicdesk.cases.models import Photo
from civicdesk.cases.selectors import public_case_list, public_photo_list
from civicdesk.opendata.columns import NAMES
from civicdesk.opendata.models import Format, OpenDataFile
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


class SessionIsoText(Func):
    """A timestamp as the text ``_moment`` writes, in the connection's own time zone, by one
    ``to_char``: ``2026-03-08T01:30:00-06:00``. The COPY is run once per city with that
    city's zone as the session's (``services.write_by_copy``), so PostgreSQL converts each
    moment once; the three conversions of ``LocalIsoText`` were more than half the COPY's time."""

    output_field = TextField()
    template = "to_char(%(expressions)s, 'YYYY-MM-DD\"T\"HH24:MI:SSTZH:TZM')"


@dataclass(frozen=True)
class CopyQuery:
    """One city's rows for ``COPY (sql) TO STDOUT``, to run with ``timezone`` as the session's."""

    timezone: str
    sql: str
    params: tuple[Any, ...]


def _copy_columns(city: City, *, empty: Any) -> dict[str, Any]:
    """The columns of one city's file made by PostgreSQL; ``empty`` turns a text that may be
    empty into what the format writes for it (NULL for the CSV, '' for the GeoJSON)."""
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
    url = settings.SITE_URL + reverse("portal:case", args=[city.slug, _PLACEHOLDER])
    url_start, url_end = url.split(str(_PLACEHOLDER))
    number = Cast("number", TextField())
    return {
        "c_case_id": Concat(Value(f"{city.case_prefix}-"), number, output_field=TextField()),
        "c_city": Value(city.name, output_field=TextField()),
        "c_service_code": F("service_type__code"),
        "c_service_name": F("service_type__name"),
        "c_department": empty(F("department__name")),
        "c_district": empty(Cast("district__number", TextField())),
        "c_district_name": empty(F("district__name")),
        "c_status": F("status"),
        "c_resolution": empty(F("resolution")),
        "c_priority": F("priority"),
        "c_channel": F("channel"),
        **{f"c_{name}": empty(SessionIsoText(name)) for name in TIMES},
        "c_address": empty(F("address")),
        "c_lat": F("lat"),
        "c_lng": F("lng"),
        "c_description": empty(F("description")),
        "c_closing_note": empty(F("closing_note")),
        "c_photo_urls": empty(Subquery(photos, output_field=TextField())),
        "c_url": Concat(Value(url_start), number, Value(url_end), output_field=TextField()),
    }


def _cities(city: City | None) -> list[City]:
    if city is not None:
        return [city]
    return list(City.objects.only("name", "slug", "case_prefix", "timezone").order_by("pk"))


def open_data_copy_queries(*, city: City | None, fmt: str) -> list[CopyQuery]:
    """PostgreSQL only: for each city of the scope (None: every city, in the order of
    ``open_data_rows``), a SELECT whose rows are exactly the file's, made by PostgreSQL.

    The CSV's: one row per case, the columns of ``columns.COLUMNS``; empty values are NULL,
    which ``COPY … (FORMAT csv)`` writes as nothing, as Python's csv writes an empty string.
    The GeoJSON's: one column, each case's Feature as ``json_build_object`` writes it, with
    the properties as the Python writer makes them (every one a string but ``district``, a
    number or null). The same cases as
    ``open_data_rows`` (``public_case_list``), the same photos, the same text (tests/opendata
    compare the two).
    """
    queries = []
    for one in _cities(city):
        if fmt == Format.CSV:

            def empty(expression: Any) -> Any:
                return NullIf(expression, Value(""), output_field=TextField())

            columns = _copy_columns(one, empty=empty)
            assert [name.removeprefix("c_") for name in columns] == list(NAMES)
            selected = dict(columns)
        else:

            def empty(expression: Any) -> Any:
                return Coalesce(expression, Value(""), output_field=TextField())

            columns = _copy_columns(one, empty=empty)
            properties: list[Any] = []
            # Every property a string as the Python writer makes it, but the district: a
            # number, or null (the dictionary's "whole number").
            columns["c_district"] = F("district__number")
            for name in NAMES:
                if name not in ("lat", "lng"):
                    properties += [Value(name), columns[f"c_{name}"]]
            point = Func(
                Value("type"),
                Value("Point"),
                Value("coordinates"),
                Func(F("lng"), F("lat"), function="json_build_array"),
                function="json_build_object",
                output_field=TextField(),
            )
            geometry = Case(
                When(lat__isnull=False, lng__isnull=False, then=point), default=None, output_field=TextField()
            )
            feature = Func(
                Value("type"),
                Value("Feature"),
                Value("id"),
                columns["c_case_id"],
                Value("geometry"),
                geometry,
                Value("properties"),
                Func(*properties, function="json_build_object", output_field=TextField()),
                function="json_build_object",
                output_field=TextField(),
            )
            selected = {"c_feature": Cast(feature, TextField())}
        rows = public_case_list(city=one).order_by("number").annotate(**selected).values_list(*selected)
        sql, params = rows.query.sql_with_params()
        queries.append(CopyQuery(timezone=one.timezone, sql=sql, params=tuple(params)))
    return queries


def open_data_files(*, city: City | None) -> dict[str, OpenDataFile]:
    """The current files of a city (None: the collaborative), by format."""
    found = OpenDataFile.objects.filter(city=city) if city is not None else OpenDataFile.objects.filter(city=None)
    return {f.format: f for f in found}


def open_data_file(*, city: City | None, fmt: str) -> OpenDataFile | None:
    return open_data_files(city=city).get(fmt)
