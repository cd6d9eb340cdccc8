"""Round trip: a city's open-data CSV, imported by our own history import into the same
city emptied of its cases (an empty instance with the same catalogue: the same types,
departments and districts), gives the same Service Request Report for any period."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import shapely
from django.core.management import call_command
from django.db import connection

from civicdesk.accounts.models import Role, User
from civicdesk.cases import services
from civicdesk.cases.models import CaseEvent, Channel, Photo, Priority, Resolution, ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.core import clock
from civicdesk.opendata.models import Format
from civicdesk.opendata.services import download_name, open_data_export
from civicdesk.reports import rollups
from civicdesk.reports.service_request_report import service_request_report
from civicdesk.tenants import geo
from civicdesk.tenants.models import City
from tests.opendata.conftest import csv_rows, download

pytestmark = pytest.mark.django_db

MAPPING = Path(__file__).resolve().parents[2] / "civicdesk" / "opendata" / "import-mapping.yaml"
# Spans the spring DST change and a year end, so local days and offsets both matter.
FIRST_DAY = dt.datetime(2025, 12, 20, tzinfo=dt.UTC)
DAYS = 100


def points_inside(city: City, count: int, rng: random.Random) -> list[tuple[float, float]]:
    shape = geo.shape_from_geojson(city.boundary)
    minx, miny, maxx, maxy = shape.bounds
    found: list[tuple[float, float]] = []
    while len(found) < count:
        lng, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if shapely.contains_xy(shape, lng, lat):
            found.append((round(lat, 6), round(lng, 6)))
    return found


def wipe_cases(city: City) -> None:
    """Remove every case of ``city`` and what hangs on it, in SQL (events are append-only for
    the application), then recompute its roll-ups: the city is as on its first day."""
    cases = ServiceRequest.objects.filter(city=city)
    Photo.objects.filter(case__in=cases)._raw_delete(connection.alias)  # type: ignore[attr-defined]
    for relation in ServiceRequest._meta.related_objects:
        model = relation.related_model
        if model in (ServiceRequest, Photo, CaseEvent):
            continue
        model._base_manager.filter(**{f"{relation.field.name}__in": cases})._raw_delete(connection.alias)  # type: ignore[union-attr]
    events, table = CaseEvent._meta.db_table, ServiceRequest._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {events} WHERE case_id IN (SELECT id FROM {table} WHERE city_id = %s)", [city.pk])  # noqa: S608
        cursor.execute(f"UPDATE {table} SET duplicate_of_id = NULL WHERE city_id = %s", [city.pk])  # noqa: S608
        cursor.execute(f"DELETE FROM {table} WHERE city_id = %s", [city.pk])  # noqa: S608
    rollups.rebuild(city=city)


@pytest.fixture
def history(
    independence: City,
    trash: ServiceType,
    make_service_type: Callable[..., ServiceType],
    make_staff: Callable[..., User],
) -> list[ServiceRequest]:
    """About a hundred cases over a hundred days: three types of two departments, points in
    every district, some with only an address, open, closed as resolved and as referred."""
    potholes = make_service_type(independence, "pothole", name="Pothole", target_days=10)
    signs = make_service_type(independence, "sign", name="Street sign", department=potholes.department)
    fraud = make_service_type(independence, "fraud", name="Fraud hotline", is_confidential=True)
    types = [trash, potholes, signs]
    supervisor = make_staff(independence, Role.SUPERVISOR)
    rng = random.Random(16)
    points = points_inside(independence, 120, rng)
    made = []
    for n in range(110):
        opened = FIRST_DAY + dt.timedelta(days=rng.uniform(0, DAYS))
        lat, lng = points[n]
        pinned = n % 7 != 0
        with clock.frozen_at(opened):
            case = services.case_create(
                service_type=types[n % 3],
                lat=lat if pinned else None,
                lng=lng if pinned else None,
                city=None if pinned else independence,
                address="" if pinned else f"{100 + n} S Main St",
                description=f'Case {n}, with a comma, "quotes"\nand a line break',
                channel=rng.choice([Channel.WEB, Channel.PHONE, Channel.EMAIL]),
                priority=rng.choice(list(Priority)),
                reporter_name="Zebulon Quackenbush",
                reporter_email="zeb@private-mail.example",
            )
        if n % 3 != 2:
            resolution = Resolution.REFERRED if n % 5 == 0 else Resolution.RESOLVED
            with clock.frozen_at(opened + dt.timedelta(hours=rng.uniform(1, 400))):
                services.case_close(case=case, actor=supervisor, note=f"Done {n}", resolution=resolution)
        made.append(case)
    with clock.frozen_at(FIRST_DAY + dt.timedelta(days=3)):
        services.case_create(service_type=fraud, city=independence, description="Confidential")
    return made


PERIODS = [
    (dt.date(2025, 12, 20), dt.date(2026, 3, 31)),  # everything
    (dt.date(2026, 1, 1), dt.date(2026, 1, 31)),
    (dt.date(2026, 3, 1), dt.date(2026, 3, 14)),  # the DST change (March 8)
    (dt.date(2026, 2, 10), dt.date(2026, 2, 10)),  # one day
]


def test_the_open_data_csv_imported_into_an_empty_city_gives_the_same_report(
    independence: City, history: list[ServiceRequest], tmp_path: Any
) -> None:
    before = [service_request_report(city=independence, date_from=a, date_to=b) for a, b in PERIODS]
    assert before[0].total == 111  # the confidential case is counted, unnamed, by the report
    public = ServiceRequest.objects.filter(city=independence, service_type__is_confidential=False)
    # The hotline's case is in no file: the imported city cannot have it. Remove it from the
    # source's report too, so what is compared is what the file can carry.
    hotline = ServiceRequest.objects.get(city=independence, service_type__is_confidential=True)
    open_data_export(city=independence, fmt=Format.CSV)
    data = download(independence, download_name(city=independence, fmt=Format.CSV))
    rows = csv_rows(data)
    assert len(rows) == public.count() == 110
    source = {c.reference: c for c in public}
    path = tmp_path / "independence-311-cases.csv"
    path.write_bytes(gzip.decompress(data))

    wipe_cases(independence)
    assert service_request_report(city=independence, date_from=PERIODS[0][0], date_to=PERIODS[0][1]).total == 0
    with clock.frozen_at(hotline.opened_at):
        services.case_create(service_type=hotline.service_type, city=independence, description="Confidential")

    out = io.StringIO()
    call_command(
        "import_cases", str(path), "--format", "csv", "--city", independence.slug, "--mapping", str(MAPPING), stdout=out
    )
    assert "110 imported" in out.getvalue(), out.getvalue()
    assert "0 bad" in out.getvalue(), out.getvalue()

    after = [service_request_report(city=independence, date_from=a, date_to=b) for a, b in PERIODS]
    for (a, b), old, new in zip(PERIODS, before, after, strict=True):
        assert new == old, f"{a} to {b}"

    # The cases themselves came back as they were, field by field, under their old reference.
    imported = {c.external_id: c for c in ServiceRequest.objects.filter(city=independence, is_imported=True)}
    assert set(imported) == set(source)
    for ref, new_case in imported.items():
        old_case = source[ref]
        for field in ("service_type_id", "department_id", "district_id", "status", "resolution", "priority",
                      "description", "address", "lat", "lng", "closing_note"):  # fmt: skip
            assert getattr(new_case, field) == getattr(old_case, field), (ref, field)
        assert new_case.opened_at == old_case.opened_at.replace(microsecond=0)
        assert new_case.closed_at == (old_case.closed_at.replace(microsecond=0) if old_case.closed_at else None)

    # A second import of the same file changes nothing.
    out = io.StringIO()
    call_command(
        "import_cases", str(path), "--format", "csv", "--city", independence.slug, "--mapping", str(MAPPING), stdout=out
    )
    assert "110 already imported" in out.getvalue(), out.getvalue()
