"""A number in front of a street name is a house number, however many digits it has; a ZIP code
comes at the end, alone, or after the city or the state.

usaddress reads "17174 Meadow" as ZIP code 17174 and a country named "Meadow": in Lee's
Summit, Grandview and east Independence, where five-digit house numbers are normal, about one
address in eight typed without its street type ("17174 Meadow" for 17174 Meadow Ln) found
nothing, in the console's new-case page and on the public report form alike (rv3 #3).
"""

from __future__ import annotations

import random

import pytest
from django.test import Client

from civicdesk.demo import streets
from civicdesk.places.models import StreetSegment
from civicdesk.places.normalise import Kind, Street, parse_address
from civicdesk.places.selectors import address_search
from civicdesk.tenants.models import City


@pytest.mark.parametrize(
    ("typed", "number", "name"),
    [
        ("17174 Meadow", 17174, "MEADOW"),
        ("16160 Elm", 16160, "ELM"),
        ("14393 spring", 14393, "SPRING"),
        ("10430 Forest", 10430, "FOREST"),
        ("17637 Meadow", 17637, "MEADOW"),
        ("17174A Meadow", 17174, "MEADOW"),
        ("17174 E 170th", 17174, "170TH"),
    ],
)
def test_a_five_digit_number_before_a_street_name_is_a_house_number(typed: str, number: int, name: str) -> None:
    parsed = parse_address(typed)
    assert parsed.kind is Kind.ADDRESS, parsed
    assert (parsed.number, parsed.street.name, parsed.zip_code) == (number, name, "")


def test_a_five_digit_number_keeps_its_suffix_and_the_zip_after_the_street() -> None:
    parsed = parse_address("17174A Meadow")
    assert (parsed.number, parsed.number_suffix) == (17174, "A")
    parsed = parse_address("17174 Meadow 64063")
    assert (parsed.number, parsed.street.name, parsed.zip_code) == (17174, "MEADOW", "64063")
    parsed = parse_address("17174 Meadow, Lee's Summit, MO 64063")
    assert (parsed.number, parsed.street.name, parsed.place, parsed.zip_code) == (
        17174,
        "MEADOW",
        "LEES SUMMIT",
        "64063",
    )


@pytest.mark.parametrize(
    "typed",
    ["64063", "64063-1234", "Lee's Summit, MO 64063", "MO 64063", "Lee's Summit 64063", "Lee's Summit MO 64063"],
)
def test_a_zip_alone_or_after_the_city_or_state_is_still_a_zip(typed: str) -> None:
    parsed = parse_address(typed)
    assert parsed.zip_code == "64063", parsed
    assert parsed.number is None and not parsed.street, parsed


def _typed_without_type(address: str) -> str:
    """ "17174 Meadow Ln" -> "17174 Meadow"; "10430 E 104th St" -> "10430 E 104th"."""
    return address.rsplit(" ", 1)[0]


def _sample(city: City, digits: int, count: int, seed: int) -> list[tuple[str, float, float]]:
    """``count`` addresses of the demo gazetteer with ``digits``-digit house numbers: a random
    number on a random block of the city's grid, either side, with the block's middle."""
    low, high = 10 ** (digits - 1), 10**digits
    blocks = list(
        StreetSegment.objects.filter(city=city, illustrative=True, left_from__gte=low, left_to__lte=high).order_by("pk")
    )
    assert len(blocks) >= count, f"{city.name} has too few blocks of {digits}-digit numbers"
    rng = random.Random(seed)
    found = []
    for block in rng.sample(blocks, count):
        first, last = rng.choice([(block.left_from, block.left_to), (block.right_from, block.right_to)])
        number = rng.randrange(min(first, last), max(first, last), 2)
        street = Street(block.pre_directional, block.street_name, block.street_type, block.post_directional)
        middle = block.geometry["coordinates"][0]
        found.append((f"{number} {street.label}", middle[1], middle[0]))
    return found


def _not_found(sample: list[tuple[str, float, float]]) -> list[str]:
    """Those of ``sample`` that the search, typed without the street type, does not offer.
    (The address is to be among the answers, not necessarily the first: the number may be on
    another street whose name begins with the words typed.)"""
    missed = []
    for address, lat, lng in sample:
        typed = _typed_without_type(address)
        labels = [p.label for p in address_search(typed, near=(lat, lng), limit=8)]
        if address not in labels:
            missed.append(f"{typed!r} -> {labels[:3]}")
    return missed


@pytest.mark.django_db
def test_every_sampled_five_digit_address_typed_without_its_street_type_is_found(cities: dict[str, City]) -> None:
    city = cities["lees-summit"]
    streets.demo_streets_load(cities=[city])
    sample = _sample(city, digits=5, count=150, seed=3)
    assert _not_found(sample) == []


@pytest.mark.django_db
def test_every_sampled_four_digit_address_typed_without_its_street_type_is_found(cities: dict[str, City]) -> None:
    city = cities["independence"]
    streets.demo_streets_load(cities=[city])
    sample = _sample(city, digits=4, count=150, seed=4)
    assert _not_found(sample) == []


@pytest.mark.django_db
def test_the_search_box_of_the_report_form_and_the_console_finds_a_five_digit_number(
    client: Client, cities: dict[str, City]
) -> None:
    """Both the public report form and the console's new-case page ask /places/search."""
    city = cities["lees-summit"]
    streets.demo_streets_load(cities=[city])
    [(address, lat, lng)] = _sample(city, digits=5, count=1, seed=5)
    typed = _typed_without_type(address)
    answer = client.get("/places/search", {"q": typed, "near": f"{lat},{lng}"}).json()
    assert address in [r["label"] for r in answer["results"]], (typed, answer)
