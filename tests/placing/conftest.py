"""A small gazetteer across member cities, to place cases by their address.

Independence: S Noland Rd numbers 1200-1299 around a point inside the city (even numbers on
the east side, every fourth; odd ones on the west, every eighth), the same number 1234 on N
Noland Rd across town (so "1234 Noland Rd" is ambiguous), and 150 Main St. Blue Springs:
Main St 100-200. And an address loaded for Independence that lies outside every member city.
"""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from civicdesk.catalog.models import ServiceType
from civicdesk.tenants import geo
from civicdesk.tenants.models import City
from tests.conftest import INSIDE

OA_HEADER = "LON,LAT,NUMBER,STREET,UNIT,CITY,DISTRICT,REGION,POSTCODE,ID,HASH\n"
STEP = 0.00001  # degrees of latitude per house number (about 1.1 m)

NOLAND_LAT, NOLAND_LNG = INSIDE["independence"]
N_NOLAND = (NOLAND_LAT + 0.012, NOLAND_LNG + 0.004)
IND_MAIN = (NOLAND_LAT + 0.004, NOLAND_LNG - 0.012)
BS_LAT, BS_LNG = INSIDE["blue-springs"]
OUTSIDE = (39.35, -94.05)  # north-east of every member city


def noland_point(number: int) -> tuple[float, float]:
    side = -0.0002 if number % 2 else 0.0002
    return NOLAND_LAT + (number - 1200) * STEP, NOLAND_LNG + side


def bs_main_point(number: int) -> tuple[float, float]:
    return BS_LAT + (number - 100) * STEP, BS_LNG + (-0.0002 if number % 2 else 0.0002)


def _row(point: tuple[float, float], number: int, street: str, place: str, zip_code: str, unit: str = "") -> str:
    return f"{point[1]},{point[0]},{number},{street},{unit},{place},,MO,{zip_code},,{street}{number}{unit}\n"


def load_rows(city: City, rows: list[str], tmp_path: Path) -> None:
    path = tmp_path / f"oa-{city.slug}.csv"
    path.write_text(OA_HEADER + "".join(rows), encoding="utf-8")
    call_command("load_addresses", str(path), "--city", city.slug, "--format", "openaddresses-csv", stdout=StringIO())


@pytest.fixture
def gazetteer(cities: dict[str, City], tmp_path: Path) -> dict[str, City]:
    independence, blue_springs = cities["independence"], cities["blue-springs"]
    rows = [_row(noland_point(n), n, "S NOLAND RD", "Independence", "64055") for n in range(1200, 1300, 4)]
    rows += [_row(noland_point(n), n, "S NOLAND RD", "Independence", "64055") for n in range(1201, 1300, 8)]
    rows.append(_row(noland_point(1234), 1234, "S NOLAND RD", "Independence", "64055", unit="APT 5"))
    rows.append(_row(N_NOLAND, 1234, "N NOLAND RD", "Independence", "64050"))
    rows.append(_row(IND_MAIN, 150, "MAIN ST", "Independence", "64050"))
    rows.append(_row(OUTSIDE, 500, "FARAWAY RD", "Independence", "64056"))
    load_rows(independence, rows, tmp_path)
    load_rows(
        blue_springs,
        [_row(bs_main_point(n), n, "MAIN ST", "Blue Springs", "64015") for n in range(100, 202, 2)],
        tmp_path,
    )
    index = geo.city_index()
    for point, city in ((noland_point(1234), independence), (N_NOLAND, independence), (IND_MAIN, independence)):
        assert index.covering(geo.point(*point)) == [city.pk]
    assert index.covering(geo.point(*bs_main_point(150))) == [blue_springs.pk]
    assert index.covering(geo.point(*OUTSIDE)) == []
    return cities


@pytest.fixture
def bs_trash(cities: dict[str, City], make_service_type: Callable[..., ServiceType]) -> ServiceType:
    """Blue Springs takes rubbish reports too, under the same code as Independence."""
    return make_service_type(cities["blue-springs"], "trash", name="Trash", target_days=3)


@pytest.fixture(autouse=True)
def _own_media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
