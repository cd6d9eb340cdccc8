"""The open-data files: what is in them, what never is, how they are stored and served."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from civicdesk.cases import services
from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.opendata import services as opendata
from civicdesk.opendata.columns import COLUMNS, NAMES
from civicdesk.opendata.models import Format, OpenDataFile
from civicdesk.opendata.selectors import open_data_rows
from civicdesk.opendata.services import download_name, open_data_storage
from civicdesk.tenants.models import City
from tests.conftest import INSIDE, REPO
from tests.opendata.conftest import csv_rows, download, geojson
from tests.security.conftest import SECRETS, World, world  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

HOTLINE_TEXT = "Payroll clerk Ozymandias Fennimore pads his overtime"


@pytest.fixture
def hotline(world: World, make_service_type: Callable[..., ServiceType]) -> ServiceRequest:  # noqa: F811
    city = world.cities["independence"]
    fraud = make_service_type(city, "fraud-hotline", name="Fraud hotline", is_confidential=True)
    return services.case_create(service_type=fraud, city=city, description=HOTLINE_TEXT)


def export(city: City | None) -> dict[str, OpenDataFile]:
    return {fmt: opendata.open_data_export(city=city, fmt=fmt) for fmt in Format}


def test_the_csv_holds_every_public_case_with_the_dictionarys_columns(world: World, hotline: ServiceRequest) -> None:  # noqa: F811
    city = world.cities["independence"]
    files = export(city)
    rows = csv_rows(download(city, download_name(city=city, fmt=Format.CSV)))
    assert list(rows[0]) == list(NAMES)
    assert [r["case_id"] for r in rows] == [c.reference for c in sorted(world.cases, key=lambda c: c.number)]
    assert files[Format.CSV].rows == len(rows) == 2
    first, closed = rows
    assert first["service_code"] == world.service_type.code
    assert first["description"] == "Mattress number 0 left by the alley"
    assert first["url"] == f"http://testserver/independence/requests/{world.cases[0].number}/"
    assert closed["status"] == "closed" and closed["resolution"] == "resolved"
    assert closed["closing_note"] == "Picked up"
    # Local time with its offset, to the second.
    for r in rows:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[56]:00", r["opened_at"]), r["opened_at"]
        opened = dt.datetime.fromisoformat(r["opened_at"])
        case = next(c for c in world.cases if c.reference == r["case_id"])
        assert opened == case.opened_at.replace(microsecond=0)
    assert float(first["lat"]) == pytest.approx(INSIDE["independence"][0])


def test_photos_are_the_public_pages_photos_as_public_urls(world: World) -> None:  # noqa: F811
    city = world.cities["independence"]
    export(city)
    first = csv_rows(download(city, download_name(city=city, fmt=Format.CSV)))[0]
    urls = first["photo_urls"].split()
    assert urls == ["http://testserver" + world.public_photo.image.url]
    assert Client().get(urls[0].removeprefix("http://testserver")).status_code == 200
    assert world.internal_photo.image.name not in first["photo_urls"]


def test_no_file_holds_a_reporters_details_an_internal_note_or_a_confidential_case(
    world: World,  # noqa: F811
    hotline: ServiceRequest,
) -> None:
    files = {**{(c.slug, f): v for c in world.cities.values() for f, v in export(c).items()}}
    files.update({("", f): v for f, v in export(None).items()})
    for slug, fmt in files:
        city = world.cities.get(slug) if slug else None
        text = gzip.decompress(download(city, download_name(city=city, fmt=fmt))).decode()
        for what, secret in {**SECRETS, "hotline report": HOTLINE_TEXT, "hotline type": "Fraud hotline"}.items():
            assert secret not in text, f"{slug or 'collaborative'} {fmt} shows the {what}"
        assert hotline.reference not in text
        assert "fraud-hotline" not in text
        assert hotline.tracking_token not in text and world.cases[0].tracking_token not in text
    # Not even counted: the collaborative and the city list exactly the public cases.
    public = ServiceRequest.objects.filter(service_type__is_confidential=False).count()
    assert files[("", Format.CSV)].rows == files[("", Format.GEOJSON)].rows == public == 2
    assert files[("independence", Format.CSV)].rows == 2
    assert files[("raytown", Format.CSV)].rows == 0


def test_the_geojson_has_one_point_feature_per_case(world: World) -> None:  # noqa: F811
    city = world.cities["independence"]
    services.case_create(service_type=world.service_type, city=city, address="100 W Maple Ave", description="No pin")
    export(city)
    data = geojson(download(city, download_name(city=city, fmt=Format.GEOJSON)))
    assert data["type"] == "FeatureCollection"
    features = data["features"]
    assert len(features) == 3
    lat, lng = INSIDE["independence"]
    pinned = features[0]
    assert pinned["geometry"] == {"type": "Point", "coordinates": [pytest.approx(lng), pytest.approx(lat)]}
    assert set(pinned["properties"]) == set(NAMES) - {"lat", "lng"}
    assert features[2]["geometry"] is None and features[2]["properties"]["address"] == "100 W Maple Ave"


def test_the_geojson_gives_the_district_as_a_number_or_null(world: World) -> None:  # noqa: F811
    """The dictionary says "whole number": a GeoJSON reader gets 4, not "4", and null, not ""."""
    city = world.cities["independence"]
    services.case_create(service_type=world.service_type, city=city, address="100 W Maple Ave", description="No pin")
    export(city)
    features = geojson(download(city, download_name(city=city, fmt=Format.GEOJSON)))["features"]
    rows = csv_rows(download(city, download_name(city=city, fmt=Format.CSV)))
    districts = [f["properties"]["district"] for f in features]
    assert any(isinstance(d, int) for d in districts)  # the pinned cases lie in a district
    assert districts[2] is None and rows[2]["district"] == ""
    for feature, row in zip(features, rows, strict=True):
        assert feature["properties"]["district"] == (int(row["district"]) if row["district"] else None)


def test_size_rows_and_sha256_on_the_page_are_those_of_the_download(world: World) -> None:  # noqa: F811
    city = world.cities["independence"]
    files = export(city)
    page = Client().get(reverse("opendata:city", args=[city.slug]))
    assert page.status_code == 200
    html = page.content.decode()
    for fmt, stored in files.items():
        body = download(city, download_name(city=city, fmt=fmt))
        assert hashlib.sha256(body).hexdigest() == stored.sha256
        assert stored.sha256 in html
        assert len(body) == stored.size
        # The exact size once: in words under 1 kB, in brackets after "1.2 KB" above it.
        assert html.replace("\xa0", " ").count(f"{stored.size} bytes") == 1
    # The same cases give the same bytes: the digest changes only when the data does.
    assert opendata.open_data_export(city=city, fmt=Format.CSV).sha256 == files[Format.CSV].sha256


def test_the_generated_time_is_written_as_other_pages_write_times_in_each_language(world: World) -> None:  # noqa: F811
    from civicdesk.core import clock

    city = world.cities["independence"]
    with clock.frozen_at(dt.datetime(2026, 12, 6, 8, 4, tzinfo=dt.UTC)):  # 02:04 in Missouri (CST)
        export(city)
    url = reverse("opendata:city", args=[city.slug])
    english = Client().get(url).content.decode()
    # A 12-hour clock, as every English page writes a time ("Dec. 6, 2026, 2:04 a.m."), with the zone.
    assert english.count(">Dec. 6, 2026, 2:04 a.m. CST</time>") == len(Format)
    assert "2026-12-06 02:04" not in english
    assert 'datetime="2026-12-06T02:04:00-06:00"' in english  # the machine-readable stamp stays ISO 8601
    spanish = Client().get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert spanish.count(", 02:04 CST</time>") == len(Format)  # a 24-hour clock in Spanish


def test_the_page_carries_the_data_dictionary_and_the_footer_links_to_it(world: World) -> None:  # noqa: F811
    html = Client().get(reverse("opendata:collaborative")).content.decode()
    for column in COLUMNS:
        assert f"<code>{column.name}</code>" in html
    for status in ("new", "assigned", "in_progress", "closed"):
        assert f"<code>{status}</code>" in html
    assert "America/Chicago" in html and "ISO 8601" in html
    assert "Not generated yet" in html
    city_home = Client().get(reverse("portal:city", args=["independence"])).content.decode()
    assert reverse("opendata:city", args=["independence"]) in city_home
    assert reverse("opendata:collaborative") in Client().get(reverse("portal:home")).content.decode()


def test_the_documentation_describes_every_column() -> None:
    doc = (REPO / "docs" / "open-data.md").read_text(encoding="utf-8")
    for column in COLUMNS:
        assert f"`{column.name}`" in doc, column.name


def test_unknown_and_not_yet_generated_files_are_404(world: World) -> None:  # noqa: F811
    city = world.cities["independence"]
    assert (
        Client().get(reverse("opendata:city-file", args=[city.slug, download_name(city=city, fmt="csv")])).status_code
        == 404
    )
    assert Client().get(reverse("opendata:city-file", args=[city.slug, "settings.py"])).status_code == 404
    assert Client().get(reverse("opendata:city", args=["atlantis"])).status_code == 404


def test_a_new_export_replaces_the_file_only_when_complete_and_removes_the_old_one(
    world: World,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    city = world.cities["independence"]
    storage = open_data_storage()
    with django_capture_on_commit_callbacks(execute=True):
        first = opendata.open_data_export(city=city, fmt=Format.GEOJSON)
    first_name = first.name
    assert storage.exists(first_name)

    # An export that fails half-way leaves the current file as it was, and no other file.
    def broken(**kwargs: Any) -> Any:
        yield [""] * len(NAMES)
        raise RuntimeError("database gone")

    def broken_lines(*args: Any) -> Any:
        raise RuntimeError("database gone")

    monkeypatch.setattr(opendata, "open_data_rows", broken)  # SQLite: the file is written from Python
    monkeypatch.setattr(opendata, "_features", broken_lines)  # PostgreSQL: by COPY
    with pytest.raises(RuntimeError):
        opendata.open_data_export(city=city, fmt=Format.GEOJSON)
    monkeypatch.undo()
    assert OpenDataFile.objects.get(city=city, format=Format.GEOJSON).name == first_name
    folder = Path(storage.path(first_name)).parent
    assert [p.name for p in folder.iterdir()] == [Path(first_name).name]

    services.case_create(service_type=world.service_type, city=city, address="1 Main St", description="New one")
    with django_capture_on_commit_callbacks(execute=True):
        second = opendata.open_data_export(city=city, fmt=Format.GEOJSON)
    assert second.name != first_name and second.rows == 3
    assert not storage.exists(first_name) and storage.exists(second.name)
    assert second.name.startswith("open-data/independence/")


def test_export_open_data_command_writes_every_scope_or_one_city(world: World) -> None:  # noqa: F811
    out = io.StringIO()
    call_command("export_open_data", "--city", "independence", stdout=out)
    assert "Independence: csv 2 cases" in out.getvalue()
    assert set(OpenDataFile.objects.values_list("city__slug", "format")) == {
        ("independence", "csv"),
        ("independence", "geojson"),
    }
    call_command("export_open_data", stdout=io.StringIO())
    assert OpenDataFile.objects.filter(city=None).count() == 2
    assert OpenDataFile.objects.count() == 2 * (City.objects.count() + 1)
    with pytest.raises(CommandError, match="No city 'atlantis'"):
        call_command("export_open_data", "--city", "atlantis")


def test_export_open_data_run_by_hand_says_when_site_url_is_not_set(
    world: World,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Run from a shell, the command does not know the site's address unless SITE_URL says
    it: the links would name the default, and it says so rather than write them silently."""
    monkeypatch.delenv("SITE_URL", raising=False)
    err = io.StringIO()
    call_command("export_open_data", "--city", "independence", stdout=io.StringIO(), stderr=err)
    assert (
        "SITE_URL is not set: the links in the files (url, photo_urls) start with http://testserver" in err.getvalue()
    )
    monkeypatch.setenv("SITE_URL", "http://127.0.0.1:8482")
    err = io.StringIO()
    call_command("export_open_data", "--city", "independence", stdout=io.StringIO(), stderr=err)
    assert err.getvalue() == ""


def test_on_postgresql_copy_writes_the_same_files_as_python(
    world: World,  # noqa: F811
    hotline: ServiceRequest,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's; SQLite writes the files from Python only")
    city = world.cities["independence"]
    services.case_create(service_type=world.service_type, city=city, address="12 Elm St", description="")
    services.case_create(service_type=world.service_type, city=city, description='Quote " backslash \\ tab \t end')

    def parsed_csv(data: bytes) -> list[dict[str, Any]]:
        return [
            {**r, "lat": float(r["lat"]) if r["lat"] else None, "lng": float(r["lng"]) if r["lng"] else None}
            for r in csv_rows(data)
        ]

    for scope in (city, None):
        for fmt, parsed in ((Format.CSV, parsed_csv), (Format.GEOJSON, geojson)):
            by_copy, by_python = io.BytesIO(), io.BytesIO()
            copied = opendata.write_by_copy(city=scope, fmt=fmt, target=by_copy)
            written = opendata.write_compressed(rows=open_data_rows(city=scope), fmt=fmt, target=by_python)
            assert copied.rows == written.rows == 4
            assert parsed(by_copy.getvalue()) == parsed(by_python.getvalue())
            if fmt == Format.GEOJSON:  # the very same text
                assert gzip.decompress(by_copy.getvalue()) == gzip.decompress(by_python.getvalue())
            assert world.public_photo.image.url in gzip.decompress(by_copy.getvalue()).decode()
            # The same cases, the same bytes.
            again = io.BytesIO()
            assert opendata.write_by_copy(city=scope, fmt=fmt, target=again).sha256 == copied.sha256
    # The session's time zone is back to what it was.
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('TimeZone')")
        assert cursor.fetchone()[0] == "UTC"
