"""The browse page's "Near a place" reads an address as the address box does: a member
city's name typed before the street ("Blue Springs, 150 Main St") is the place, so an
address two cities share is the named city's, not a choice between them."""

from __future__ import annotations

import pytest

from civicdesk.places.models import Source
from civicdesk.places.normalise import parse_street
from civicdesk.places.readers import PointRow
from civicdesk.places.services import addresses_load
from civicdesk.portal.near import near_place
from civicdesk.tenants.models import City
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db


@pytest.fixture
def main_st_twice(cities: dict[str, City]) -> dict[str, City]:
    """150 Main St in Independence and in Blue Springs."""
    for slug in ("independence", "blue-springs"):
        lat, lng = INSIDE[slug]
        rows = [PointRow(150, "", parse_street("Main St"), "", "", "", lat, lng)]
        addresses_load(city=cities[slug], rows=list(enumerate(rows, start=1)), source=Source.OPENADDRESSES)
    return cities


def test_an_address_both_cities_have_is_a_choice_without_a_city(main_st_twice: dict[str, City]) -> None:
    answer = near_place("150 Main St")
    assert answer.place is None and len(answer.choices) == 2


@pytest.mark.parametrize("typed", ["Blue Springs, 150 Main St", "blue springs 150 main st", "Blue Springs: 150 Main"])
def test_the_city_typed_before_the_street_gives_that_citys_address(main_st_twice: dict[str, City], typed: str) -> None:
    answer = near_place(typed)
    assert answer.place is not None, answer.problem
    assert (answer.place.lat, answer.place.lng) == pytest.approx(INSIDE["blue-springs"])
    assert answer.place.address == "150 Main St"
