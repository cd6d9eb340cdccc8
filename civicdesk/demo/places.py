"""The collaborative's five member cities, built from their real city limits, which ship in
``civicdesk/demo/data/cities/`` (source and licence in ``civicdesk/demo/data/README.md``).

No adopted council-district map of the member cities is at hand, so each city's limits are
cut into illustrative districts (equal slices west to east, then north to south); every such
district is flagged ``is_illustrative`` and says so in the admin.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely.geometry import box, mapping
from shapely.geometry.base import BaseGeometry

from civicdesk.tenants.geo import shape_from_geojson
from civicdesk.tenants.models import City, District, NeighbourArea, Region

# Inside the repository: a clone runs `make run` with nothing beside it.
DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class CitySpec:
    slug: str
    name: str
    jurisdiction_id: str
    case_prefix: str
    fiscal_year_start_month: int
    population: int
    districts: int
    district_label: str
    phone: str


# Populations: US Census 2020. Fiscal years: Independence starts July 1 (seed 003); the
# others use the calendar year unless their administrators change it.
MEMBER_CITIES = [
    CitySpec("independence", "Independence", "independencemo.gov", "IND", 7, 123011, 4, "District", "816-325-7000"),
    CitySpec("lees-summit", "Lee's Summit", "cityofls.net", "LS", 1, 101108, 4, "District", "816-969-1000"),
    CitySpec("blue-springs", "Blue Springs", "bluespringsgov.com", "BS", 10, 58603, 3, "District", "816-228-0110"),
    CitySpec("grandview", "Grandview", "grandview.org", "GV", 1, 26209, 3, "Ward", "816-316-4800"),
    CitySpec("raytown", "Raytown", "raytown.mo.us", "RT", 11, 30012, 5, "Ward", "816-737-6000"),
]


# Neighbouring places outside the collaborative, named to residents whose pin falls there.
# (slug of the file in data/cities, name, phone, website)
NEIGHBOURS = [
    ("sugar-creek", "Sugar Creek", "816-252-4400", "https://www.sugar-creek.mo.us"),
    ("kansas-city", "Kansas City", "311 or 816-513-1313", "https://www.kcmo.gov"),
    ("grain-valley", "Grain Valley", "816-847-6200", "https://www.cityofgrainvalley.org"),
    ("north-kansas-city", "North Kansas City", "816-274-6000", "https://www.nkc.org"),
]


def city_boundary(data_dir: Path, slug: str) -> dict:
    with open(data_dir / "cities" / f"{slug}.json", encoding="utf-8") as fh:
        collection = json.load(fh)
    return dict(mapping(shape_from_geojson(collection)))


def illustrative_slices(geom: BaseGeometry, count: int) -> list[BaseGeometry]:
    """Cut an area into ``count`` pieces of about equal area: first into columns west to
    east, then each column north to south, by bisecting on area."""
    columns = 2 if count >= 4 else 1
    per_column = [count // columns + (1 if i < count % columns else 0) for i in range(columns)]
    pieces: list[BaseGeometry] = []
    for i, part in enumerate(_split_equal(geom, columns, axis=0)):
        pieces.extend(_split_equal(part, per_column[i], axis=1, north_first=True))
    return pieces


def _split_equal(geom: BaseGeometry, n: int, *, axis: int, north_first: bool = False) -> list[BaseGeometry]:
    if n <= 1:
        return [geom]
    minx, miny, maxx, maxy = geom.bounds
    total = geom.area
    parts: list[BaseGeometry] = []
    lo_edge = miny if axis else minx
    hi_edge = maxy if axis else maxx
    for k in range(1, n):
        want = total * k / n
        lo, hi = lo_edge, hi_edge
        for _ in range(40):
            mid = (lo + hi) / 2
            cut = box(minx, miny, mid, maxy) if axis == 0 else box(minx, miny, maxx, mid)
            if geom.intersection(cut).area < want:
                lo = mid
            else:
                hi = mid
        parts.append((lo + hi) / 2)
    edges = [lo_edge - 1, *parts, hi_edge + 1]
    slices = []
    for a, b in itertools.pairwise(edges):
        cut = box(a, miny - 1, b, maxy + 1) if axis == 0 else box(minx - 1, a, maxx + 1, b)
        slices.append(shapely.make_valid(geom.intersection(cut)))
    return list(reversed(slices)) if north_first else slices


def load_member_cities(*, data_dir: Path = DEFAULT_DATA_DIR, with_districts: bool = True) -> list[City]:
    """Create (or update) the region, the five member cities and their illustrative districts."""
    region, _ = Region.objects.update_or_create(
        slug="eastern-jackson-county",
        defaults={"name": "Eastern Jackson County Shared Service Collaborative"},
    )
    cities = []
    for spec in MEMBER_CITIES:
        boundary = city_boundary(data_dir, spec.slug)
        city, _ = City.objects.update_or_create(
            slug=spec.slug,
            defaults={
                "region": region,
                "name": spec.name,
                "jurisdiction_id": spec.jurisdiction_id,
                "case_prefix": spec.case_prefix,
                "fiscal_year_start_month": spec.fiscal_year_start_month,
                "population": spec.population,
                "boundary": boundary,
                "email": f"311@{spec.slug}.civicdesk.localhost",
                "phone": spec.phone,
            },
        )
        cities.append(city)
        if with_districts and not city.districts.exists():
            geom = shape_from_geojson(boundary)
            for number, piece in enumerate(illustrative_slices(geom, spec.districts), start=1):
                District.objects.create(
                    city=city,
                    name=f"{spec.district_label} {number}",
                    number=number,
                    boundary=dict(mapping(piece)),
                    is_illustrative=True,
                )
    load_neighbour_areas(data_dir=data_dir)
    return cities


def load_neighbour_areas(*, data_dir: Path = DEFAULT_DATA_DIR) -> list[NeighbourArea]:
    """Create (or update) the non-member neighbours whose limits are in the data folder."""
    areas = []
    for slug, name, phone, website in NEIGHBOURS:
        if not (data_dir / "cities" / f"{slug}.json").exists():
            continue
        area, _ = NeighbourArea.objects.update_or_create(
            slug=slug,
            defaults={"name": name, "boundary": city_boundary(data_dir, slug), "phone": phone, "website": website},
        )
        areas.append(area)
    return areas
