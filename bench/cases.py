"""The cities, a catalogue drawn from the Kansas City mix, and N synthetic cases loaded with COPY."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

from bench.common import CENTRAL, SPAN_DAYS, sql


def load_catalogue(profile: dict[str, Any]) -> dict[str, Any]:
    from civicdesk.catalog.models import ServiceType
    from civicdesk.demo.places import load_member_cities
    from civicdesk.tenants.models import Department

    cities = load_member_cities()
    catalogue = {}
    for city in cities:
        departments: dict[str, Department] = {}
        types = {}
        for code, spec in sorted(profile["codes"].items()):
            name = spec["department"]
            if name not in departments:
                departments[name] = Department.objects.create(city=city, name=name, code=f"d{len(departments)}")
            types[code] = ServiceType.objects.create(
                city=city,
                code=code,
                name=code.replace("-", " ").title(),
                department=departments[name],
                target_days=spec["target_days"],
            )
        districts = list(city.districts.filter(number__isnull=False).order_by("number").values_list("pk", flat=True))
        catalogue[city.slug] = {"city": city, "types": types, "districts": districts}
    return catalogue


def points_inside(city: Any, count: int, rng: Any) -> list[tuple[float, float]]:
    import numpy as np
    import shapely

    from civicdesk.tenants import geo

    shape = geo.shape_from_geojson(city.boundary)
    minx, miny, maxx, maxy = shape.bounds
    shapely.prepare(shape)
    found: list[tuple[float, float]] = []
    while len(found) < count:
        xs = rng.uniform(minx, maxx, count * 2)
        ys = rng.uniform(miny, maxy, count * 2)
        keep = shapely.contains_xy(shape, xs, ys)
        found.extend(zip(np.round(ys[keep], 6).tolist(), np.round(xs[keep], 6).tolist(), strict=True))
    return found[:count]


def city_centre(city: Any) -> tuple[float, float]:
    """(lat, lng) of the point inside ``city`` its dense part of cases gathers round: the
    representative point of its limits (always inside them)."""
    from civicdesk.tenants import geo

    point = geo.shape_from_geojson(city.boundary).representative_point()
    return round(point.y, 6), round(point.x, 6)


def points_placed(city: Any, count: int, rng: Any, dense_share: float = 0.5, dense_m: float = 1500.0) -> Any:
    """``count`` (lat, lng) inside ``city`` as a city's reports fall: ``dense_share`` of them
    gathered round its centre (``city_centre``; a normal spread of ``dense_m`` metres each way),
    the rest spread evenly over its limits. An array of shape (count, 2), in a random order."""
    import numpy as np
    import shapely

    from civicdesk.tenants import geo

    shape = geo.shape_from_geojson(city.boundary)
    shapely.prepare(shape)
    lat0, lng0 = city_centre(city)
    dense = int(count * dense_share)
    spread_lat = dense_m / 111_320
    spread_lng = spread_lat / np.cos(np.radians(lat0))
    found: list[Any] = []
    have = 0
    while have < dense:
        ys = rng.normal(lat0, spread_lat, dense * 2)
        xs = rng.normal(lng0, spread_lng, dense * 2)
        keep = shapely.contains_xy(shape, xs, ys)
        found.append(np.column_stack([ys[keep], xs[keep]]))
        have += int(keep.sum())
    dense_points = np.concatenate(found)[:dense] if dense else np.empty((0, 2))
    even = np.asarray(points_inside(city, count - dense, rng)).reshape(-1, 2)
    points = np.round(np.concatenate([dense_points, even]), 6)
    rng.shuffle(points)
    return points


def _weights(values: list[float]) -> Any:
    import numpy as np

    array = np.asarray(values, dtype=float)
    return array / array.sum()


def generate_and_copy(
    n: int, profile: dict[str, Any], catalogue: dict[str, Any], end: dt.datetime, rng: Any, *, placed: bool = False
) -> float:
    """Draw ``n`` cases from the KC mix, COPY them in (on SQLite: one ``INSERT`` each, in one
    transaction); returns the seconds that took. ``placed``: each case gets a point inside its
    city (``points_placed``), else none, as before."""
    import numpy as np
    from django.db import connection, transaction

    from civicdesk.cases.models import ServiceRequest

    slugs = sorted(catalogue)
    populations = [catalogue[s]["city"].population or 1 for s in slugs]
    city_of = rng.choice(len(slugs), n, p=_weights(populations))
    codes = sorted(profile["codes"])
    code_of = rng.choice(len(codes), n, p=_weights([profile["codes"][c]["count"] for c in codes]))
    channels = sorted(profile["channels"])
    channel_of = rng.choice(len(channels), n, p=_weights([profile["channels"][c] for c in channels]))
    ranks = profile["district_ranks"]
    rank_of = rng.choice(len(ranks) + 1, n, p=_weights([*ranks, profile["no_district"] or 0.001 * sum(ranks)]))
    # Days in the span, weighted by KC's month of year; hours by KC's hour of day.
    month_w = np.asarray(profile["months"], dtype=float)
    start_day = (end - dt.timedelta(days=SPAN_DAYS)).date()
    day_months = np.array([(start_day + dt.timedelta(days=d)).month for d in range(SPAN_DAYS)])
    day_of = rng.choice(SPAN_DAYS, n, p=_weights(month_w[day_months - 1].tolist()))
    hour_of = rng.choice(24, n, p=_weights(profile["hours"]))
    seconds_of = rng.integers(0, 3600, n)
    pick = rng.random(n)
    fraction = rng.random(n)
    still_open = rng.random(n)

    fields = [f for f in ServiceRequest._meta.concrete_fields if not f.primary_key]
    columns = [str(f.column) for f in fields]
    defaults = {column: f.get_default() for column, f in zip(columns, fields, strict=True)}
    numbers = {s: 1001 for s in slugs}
    day0 = dt.datetime.combine(start_day, dt.time(0), tzinfo=CENTRAL)
    days_tables = {c: np.asarray(profile["codes"][c]["days"]) for c in codes}
    # Each city's points, drawn after every other draw so that ``placed`` changes nothing else.
    points: dict[int, Any] = {}
    nth = np.zeros(n, dtype=np.int64)
    if placed:
        for k, slug in enumerate(slugs):
            mine = np.flatnonzero(city_of == k)
            nth[mine] = np.arange(len(mine))
            points[k] = points_placed(catalogue[slug]["city"], len(mine), rng)

    def rows(lo: int, hi: int) -> list[dict[str, Any]]:
        out = []
        for i in range(lo, hi):
            slug = slugs[city_of[i]]
            entry = catalogue[slug]
            code = codes[code_of[i]]
            spec = profile["codes"][code]
            service_type = entry["types"][code]
            districts = entry["districts"]
            rank = rank_of[i]
            district = districts[rank % len(districts)] if rank < len(ranks) and districts else None
            opened = day0 + dt.timedelta(days=int(day_of[i]), hours=int(hour_of[i]), seconds=int(seconds_of[i]))
            table = days_tables[code]
            duration = dt.timedelta(days=float(table[int(pick[i] * len(table))]) + float(fraction[i]))
            closed: dt.datetime | None = opened + duration
            if still_open[i] < spec["open_share"] or closed > end:  # type: ignore[operator]
                closed = None
            number = numbers[slug]
            numbers[slug] += 1
            row = dict(defaults)
            row.update(
                city_id=entry["city"].pk,
                number=number,
                district_id=district,
                service_type_id=service_type.pk,
                department_id=service_type.department_id,
                status="closed" if closed else "new",
                resolution="resolved" if closed else "",
                description=service_type.name,
                address=f"{100 + i % 9000} Main St",
                channel=channels[channel_of[i]],
                opened_at=opened,
                due_at=opened + dt.timedelta(days=spec["target_days"]),
                closed_at=closed,
                updated_at=closed or opened,
                tracking_token=f"bench{i:09d}",
                external_id="",
            )
            if placed:
                lat, lng = points[city_of[i]][nth[i]]
                row.update(lat=float(lat), lng=float(lng))
            out.append(row)
        return out

    def copy_text(values: Any) -> str:
        if values is None:
            return r"\N"
        if isinstance(values, bool):
            return "t" if values else "f"
        if isinstance(values, dict | list):
            return json.dumps(values)
        if isinstance(values, dt.datetime):
            return values.isoformat()
        return str(values)

    chunk = 50_000
    copy_seconds = 0.0
    with connection.cursor() as outer:
        for lo in range(0, n, chunk):
            batch = rows(lo, min(n, lo + chunk))
            if connection.vendor == "postgresql":
                quoted = ", ".join(f'"{c}"' for c in columns)
                text = "".join("\t".join(copy_text(row[c]) for c in columns) + "\n" for row in batch)
                started = time.perf_counter()
                with outer.cursor.copy(f"COPY cases_servicerequest ({quoted}) FROM STDIN") as copy:
                    copy.write(text)
            else:
                # SQLite (bench/reports_sqlite.py): each value as Django writes it, in one transaction.
                values = [
                    [f.get_db_prep_save(row[column], connection) for column, f in zip(columns, fields, strict=True)]
                    for row in batch
                ]
                marks = ", ".join("%s" for _c in columns)
                started = time.perf_counter()
                with transaction.atomic():
                    outer.executemany(
                        f"INSERT INTO cases_servicerequest ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
                        values,
                    )
            copy_seconds += time.perf_counter() - started
    for slug in slugs:
        sql("UPDATE tenants_city SET next_case_number = %s WHERE id = %s", [numbers[slug], catalogue[slug]["city"].pk])
    return copy_seconds
