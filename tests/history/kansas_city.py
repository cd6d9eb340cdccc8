"""A test Kansas City, MO: its real city limits and 2012 council districts, and a catalogue
with one service type for each code of the shipped KC mapping.

The departments are this test's own choice (which department works which type); the
independent computations in the tests read the same table, not the database.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from shapely.geometry import mapping as geojson_of

from civicdesk.catalog.models import ServiceType
from civicdesk.history.readers.kcmo import MAPPING
from civicdesk.tenants.geo import shape_from_geojson
from civicdesk.tenants.models import City, Department, District, Region
from tests.conftest import CITY_LIMITS, SHARED_DATA

KC_FILES = sorted((SHARED_DATA / "311" / "kcmo").glob("*_neighborhood.csv"))
DISTRICTS = SHARED_DATA / "geo" / "kcmo_council_districts_2012" / "KCCoucilDistrict_2012.geojson"

DEPARTMENT_OF = {
    "property-violations": "Neighborhoods and Housing Services",
    "trash": "Neighborhoods and Housing Services",
    "animals": "Neighborhoods and Housing Services",
    "mowing-weeds": "Neighborhoods and Housing Services",
    "graffiti": "Neighborhoods and Housing Services",
    "water": "Water Services",
    "sewer-stormwater": "Water Services",
    "streets": "Public Works",
    "snow-ice": "Public Works",
    "sidewalks": "Public Works",
    "lights-signals": "Public Works",
    "signs-markings": "Public Works",
    "trees": "Parks and Recreation",
    "parks": "Parks and Recreation",
    "public-health": "Health",
    "vehicles-parking": "Parking Control",
    "planning-zoning": "City Planning and Development",
    "other": None,  # waits in triage: the report's "No department assigned"
}
TARGET_DAYS = {"trash": 3, "streets": 10, "water": 2}


def kc_mapping_data() -> dict:
    return yaml.safe_load(Path(MAPPING).read_text())


def type_name(code: str) -> str:
    return code.replace("-", " ").capitalize()


def make_kansas_city() -> City:
    """Create Kansas City with its districts, departments and one type per mapped code."""
    region, _ = Region.objects.get_or_create(slug="kc-test", defaults={"name": "Kansas City test region"})
    with open(CITY_LIMITS / "kansas-city.json", encoding="utf-8") as fh:
        boundary = dict(geojson_of(shape_from_geojson(json.load(fh))))
    city = City.objects.create(
        region=region,
        name="Kansas City",
        slug="kansas-city",
        jurisdiction_id="kcmo.gov",
        case_prefix="KC",
        boundary=boundary,
    )
    with open(DISTRICTS, encoding="utf-8") as fh:
        for feature in json.load(fh)["features"]:
            number = int(feature["properties"]["DISTRICT"])
            District.objects.create(
                city=city,
                name=f"District {number}",
                number=number,
                boundary=dict(geojson_of(shape_from_geojson(feature))),
            )
    departments: dict[str, Department] = {}
    for n, name in enumerate(sorted({d for d in DEPARTMENT_OF.values() if d}), start=1):
        departments[name] = Department.objects.create(city=city, name=name, code=f"kc-dept-{n}")
    codes = [*kc_mapping_data()["service_types"]["codes"], kc_mapping_data()["service_types"]["otherwise"]]
    for code in codes:
        dept = DEPARTMENT_OF[code]
        ServiceType.objects.create(
            city=city,
            code=code,
            name=type_name(code),
            department=departments[dept] if dept else None,
            target_days=TARGET_DAYS.get(code),
        )
    return city
