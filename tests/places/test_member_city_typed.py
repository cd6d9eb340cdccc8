"""A member city's name typed in the address box ("Main St Blue Springs", "1234 S Noland Rd,
Independence, MO 64055", "Main St Lees Summit") ranks that city's places first, wherever the
map is, and is never read as part of the street's name. Other words stay as they were read."""

from __future__ import annotations

from typing import Any

import pytest

from civicdesk.places.models import Source
from civicdesk.places.normalise import parse_search, parse_street
from civicdesk.places.readers import PointRow
from civicdesk.places.selectors import How, address_search
from civicdesk.places.services import addresses_load
from civicdesk.tenants.models import City
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

MEMBERS = ["Independence", "Lee's Summit", "Blue Springs", "Grandview", "Raytown"]


@pytest.fixture
def main_streets(cities: dict[str, City]) -> dict[str, City]:
    """A Main St in Independence, Blue Springs and Lee's Summit, each with 9150 on it, and an
    Independence Ave in Raytown (a street named for a member city)."""
    for slug, streets in {
        "independence": ["MAIN ST"],
        "blue-springs": ["MAIN ST"],
        "lees-summit": ["MAIN ST"],
        "raytown": ["INDEPENDENCE AVE"],
    }.items():
        lat, lng = INSIDE[slug]
        rows = [
            PointRow(number, "", parse_street(street), "", "", "", lat + (number - 9150) * 1e-5, lng)
            for street in streets
            for number in (9150, 9152, 1200)
        ]
        addresses_load(city=cities[slug], rows=list(enumerate(rows, start=1)), source=Source.OPENADDRESSES)
    return cities


def _cities(found: list[Any], cities: dict[str, City]) -> list[str]:
    names = {c.pk: c.name for c in cities.values()}
    return [names[p.city_id] for p in found]


@pytest.mark.parametrize(
    ("typed", "street", "number", "city", "zip_code"),
    [
        ("Main St Blue Springs", "MAIN ST", None, "Blue Springs", ""),
        ("Main St, Blue Springs", "MAIN ST", None, "Blue Springs", ""),
        ("Main Blue Springs", "MAIN", None, "Blue Springs", ""),  # not "MAIN BLUE SPGS"
        ("1234 S Noland Rd, Independence", "S NOLAND RD", 1234, "Independence", ""),
        ("1234 Noland Independence", "NOLAND", 1234, "Independence", ""),  # not "NOLAND INDEPENDENCE"
        ("1234 S Noland Rd Independence MO 64055", "S NOLAND RD", 1234, "Independence", "64055"),
        ("Main St Lees Summit", "MAIN ST", None, "Lee's Summit", ""),
        ("Main St lee’s summit, MO 64063", "MAIN ST", None, "Lee's Summit", "64063"),
        ("Main St Springfield", "MAIN ST", None, "", ""),  # no member city: as before
        ("1200 Independence", "INDEPENDENCE", 1200, "", ""),  # a number on a street of that name
        ("Independence Ave", "INDEPENDENCE AVE", None, "", ""),
    ],
)
def test_a_member_citys_name_is_the_place_not_part_of_the_street(
    typed: str, street: str, number: int | None, city: str, zip_code: str
) -> None:
    parsed, named = parse_search(typed, places=MEMBERS)
    assert (parsed.street.full, parsed.number, named, parsed.zip_code) == (street, number, city, zip_code)


def test_the_city_typed_ranks_its_places_first_wherever_the_map_is(main_streets: dict[str, City]) -> None:
    independence = INSIDE["independence"]
    # Without a city, the nearest Main St comes first: Independence's, where the map is.
    assert _cities(address_search("Main St", near=independence), main_streets)[0] == "Independence"
    for typed, first in [
        ("Main St Blue Springs", "Blue Springs"),
        ("main st, blue springs", "Blue Springs"),
        ("Main Blue Springs", "Blue Springs"),
        ("Main St Lees Summit", "Lee's Summit"),
        ("Main St Lee's Summit, MO 64063", "Lee's Summit"),
        ("9150 Main St, Blue Springs, MO 64015", "Blue Springs"),
        ("9150 Main St Lees Summit", "Lee's Summit"),
    ]:
        found = address_search(typed, near=independence)
        assert _cities(found, main_streets)[0] == first, typed
        # The other cities' Main St are still offered, after it, and nothing is a near miss.
        assert set(_cities(found, main_streets)) == {"Independence", "Blue Springs", "Lee's Summit"}, typed
        assert all(p.instead == "" for p in found), typed
    point = address_search("9150 Main St, Blue Springs", near=independence)[0]
    assert (point.label, point.how) == ("9150 Main St", How.POINT)


def test_words_that_are_no_member_city_are_read_as_before(main_streets: dict[str, City]) -> None:
    independence = INSIDE["independence"]
    found = address_search("Main St Springfield", near=independence)
    assert _cities(found, main_streets)[0] == "Independence"
    # "1200 Independence" is a number on Raytown's Independence Ave, not a city with no street.
    assert [(p.label, p.how) for p in address_search("1200 Independence", near=independence)] == [
        ("1200 Independence Ave", How.POINT)
    ]


def test_a_misspelt_street_with_a_city_offers_that_citys_street_only(main_streets: dict[str, City]) -> None:
    found = address_search("Mian St Blue Springs", near=INSIDE["independence"])
    assert [(p.label, p.instead) for p in found] == [("Main St", "spelling")]
    assert _cities(found, main_streets) == ["Blue Springs"]


def test_the_search_box_answers_with_the_named_city_first(client: Any, main_streets: dict[str, City]) -> None:
    lat, lng = INSIDE["independence"]
    answer = client.get("/places/search", {"q": "Main St Blue Springs", "near": f"{lat},{lng}"}).json()
    assert [r["city"] for r in answer["results"]] == ["Blue Springs", "Independence", "Lee's Summit"]
    assert answer["message"] == "3 addresses found. Use the up and down arrow keys to choose one."


@pytest.mark.parametrize(
    ("typed", "street", "number", "city"),
    [
        ("Main St Blue Spr", "MAIN", None, "Blue Springs"),
        ("9150 Main St Lees Sum", "MAIN", 9150, "Lee's Summit"),
        ("9150 Main St Lee's Su", "MAIN", 9150, "Lee's Summit"),
        ("Main St Inde", "MAIN", None, "Independence"),
        ("9150 Main, Gran", "MAIN", 9150, "Grandview"),
        ("9150 Main Blue Spr", "MAIN", 9150, "Blue Springs"),
    ],
)
def test_a_city_still_being_typed_is_the_place_once_four_letters_name_one_city(
    typed: str, street: str, number: int | None, city: str
) -> None:
    parsed, place = parse_search(typed, places=MEMBERS)
    assert (parsed.street.name, parsed.number, place) == (street, number, city)


@pytest.mark.parametrize(
    "typed",
    [
        "Main St Blu",  # three letters: anything yet
        "Main St Ray",
        "150 Old Grand",  # a street's own last word, with no type or comma before it
        "1200 Inde",  # no street left before it
    ],
)
def test_a_beginning_too_short_or_that_may_be_the_street_is_not_a_city(typed: str) -> None:
    assert parse_search(typed, places=MEMBERS)[1] == ""


def test_a_beginning_two_cities_share_names_neither() -> None:
    assert parse_search("Main St Blue S", places=[*MEMBERS, "Blue Summit"])[1] == ""
    assert parse_search("Main St Blue Sp", places=[*MEMBERS, "Blue Summit"])[1] == "Blue Springs"


def test_the_search_box_puts_the_city_being_typed_first(client: Any, main_streets: dict[str, City]) -> None:
    lat, lng = INSIDE["independence"]
    for typed, first in (("Main St Blue Spr", "Blue Springs"), ("Main St Lees Sum", "Lee's Summit")):
        answer = client.get("/places/search", {"q": typed, "near": f"{lat},{lng}"}).json()
        assert answer["results"][0]["city"] == first, typed
        assert all(r["label"] == "Main St" for r in answer["results"]), typed


# --- a member city typed before the street ------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "street", "number", "city", "zip_code"),
    [
        ("Blue Springs, 150 Main St", "MAIN ST", 150, "Blue Springs", ""),
        ("Lee's Summit 1234 SW 3rd St", "SW 3RD ST", 1234, "Lee's Summit", ""),
        ("Lees Summit 1234 SW 3rd St", "SW 3RD ST", 1234, "Lee's Summit", ""),
        ("Raytown: 9150 Maple Ave", "MAPLE AVE", 9150, "Raytown", ""),
        ("independence - 150 main", "MAIN", 150, "Independence", ""),
        ("Grandview 1200 Main St", "MAIN ST", 1200, "Grandview", ""),
        ("Blue Springs — 150 Main St", "MAIN ST", 150, "Blue Springs", ""),
        ("LEE’S SUMMIT, MO 64063, 1234 SW 3rd St", "SW 3RD ST", 1234, "Lee's Summit", "64063"),
        ("Lees Summit MO 64063 1234 SW 3rd St", "SW 3RD ST", 1234, "Lee's Summit", "64063"),
        ("Blue Springs 150 Main St, MO 64015", "MAIN ST", 150, "Blue Springs", "64015"),
        ("Blue Springs, 150 Main St, Blue Springs", "MAIN ST", 150, "Blue Springs", ""),
        ("Grandview, Main St", "MAIN ST", None, "Grandview", ""),  # a comma, then a street
        ("Grandview 12000 Main St", "MAIN ST", 12000, "Grandview", ""),  # five digits: a number, not a ZIP
        ("Blue Springs 150 Ma", "MA", 150, "Blue Springs", ""),  # the street still being typed
    ],
)
def test_a_member_citys_name_typed_before_the_street_is_the_place(
    typed: str, street: str, number: int | None, city: str, zip_code: str
) -> None:
    parsed, named = parse_search(typed, places=MEMBERS)
    assert (parsed.street.full, parsed.number, named, parsed.zip_code) == (street, number, city, zip_code)


@pytest.mark.parametrize(
    ("typed", "street", "number"),
    [
        # A member city's name followed by a street type, a street's word or nothing: a street.
        ("Independence Ave", "INDEPENDENCE AVE", None),
        ("1200 Independence", "INDEPENDENCE", 1200),
        ("1200 Independence Ave", "INDEPENDENCE AVE", 1200),
        ("Grandview Rd", "GRANDVIEW RD", None),
        ("Blue Ridge Blvd", "BLUE RIDGE BLVD", None),
        ("Raytown Rd", "RAYTOWN RD", None),
        ("Raytown Rd 9150", "RAYTOWN RD", None),
        ("Independence Ave 1200", "INDEPENDENCE AVE", None),
        ("Grandview Main", "GRANDVIEW MAIN", None),
    ],
)
def test_a_street_named_for_a_member_city_stays_a_street(typed: str, street: str, number: int | None) -> None:
    parsed, named = parse_search(typed, places=MEMBERS)
    assert (parsed.street.full, parsed.number, named) == (street, number, "")


@pytest.mark.parametrize("typed", ["Blue Springs", "Blue Springs,", "Independence 1200", "Raytown: "])
def test_a_city_first_with_no_street_after_it_is_read_as_before(typed: str) -> None:
    """Nothing of a street after the name yet: no city is taken, as when it was typed alone."""
    assert parse_search(typed, places=MEMBERS)[1] == ""


def test_the_city_typed_first_ranks_its_places_first_wherever_the_map_is(main_streets: dict[str, City]) -> None:
    independence = INSIDE["independence"]
    for typed, first in [
        ("Blue Springs, Main St", "Blue Springs"),
        ("Blue Springs, 9150 Main St", "Blue Springs"),
        ("blue springs 9150 main st", "Blue Springs"),
        ("Lees Summit 9150 Main St", "Lee's Summit"),
        ("Lee's Summit: 9150 Main", "Lee's Summit"),
        ("Lee's Summit, MO 64063 - 9150 Main St", "Lee's Summit"),
    ]:
        found = address_search(typed, near=independence)
        assert _cities(found, main_streets)[0] == first, typed
        assert set(_cities(found, main_streets)) == {"Independence", "Blue Springs", "Lee's Summit"}, typed
        assert all(p.instead == "" for p in found), typed
    point = address_search("Blue Springs, 9150 Main St", near=independence)[0]
    assert (point.label, point.how, _cities([point], main_streets)) == ("9150 Main St", How.POINT, ["Blue Springs"])


def test_a_street_named_for_a_city_is_still_found_as_the_street(main_streets: dict[str, City]) -> None:
    independence = INSIDE["independence"]
    for typed in ("Independence Ave", "1200 Independence", "1200 Independence Ave"):
        found = address_search(typed, near=independence)
        assert found and {p.street_key for p in found} == {"INDEPENDENCE AVE"}, typed
        assert _cities(found, main_streets) == ["Raytown"] * len(found), typed
    # Raytown's Independence Ave with Raytown typed before it.
    found = address_search("Raytown, 1200 Independence Ave", near=independence)
    assert [(p.label, p.how) for p in found] == [("1200 Independence Ave", How.POINT)]


def test_the_search_box_answers_with_the_city_typed_first_first(client: Any, main_streets: dict[str, City]) -> None:
    lat, lng = INSIDE["independence"]
    for typed, cities in [
        ("Blue Springs, 9150 Main St", ["Blue Springs", "Independence", "Lee's Summit"]),
        ("Lees Summit 9150 Main St", ["Lee's Summit", "Independence", "Blue Springs"]),
    ]:
        answer = client.get("/places/search", {"q": typed, "near": f"{lat},{lng}"}).json()
        assert [r["city"] for r in answer["results"]] == cities, typed
        assert [r["label"] for r in answer["results"]] == ["9150 Main St"] * 3, typed
