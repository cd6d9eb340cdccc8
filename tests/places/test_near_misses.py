"""Words that match no address offer what is nearest to them, saying why, rather than nothing:
the street when its number is not on it, a street of a close spelling ("Mian St" for Main St),
the street without a directional it does not have ("SW Main St")."""

from __future__ import annotations

from typing import Any

import pytest

from civicdesk.places.models import Source
from civicdesk.places.selectors import How, Instead, address_search
from civicdesk.tenants.models import City
from tests.places.test_gazetteer import noland  # noqa: F401  (S Noland Rd 1200-1299, N Noland Rd 1234, E 23rd St)

pytestmark = pytest.mark.django_db


def test_a_misspelt_street_offers_the_streets_of_a_close_spelling(noland: City) -> None:  # noqa: F811
    found = address_search("Nolnad Rd")
    assert {(p.label, p.how, p.instead) for p in found} == {
        ("S Noland Rd", How.STREET, Instead.SPELLING),
        ("N Noland Rd", How.STREET, Instead.SPELLING),
    }


def test_a_misspelt_street_with_a_number_offers_that_number_on_the_close_street(noland: City) -> None:  # noqa: F811
    found = address_search("1236 Nolnad Rd")
    assert (found[0].label, found[0].how, found[0].instead) == ("1236 S Noland Rd", How.POINT, Instead.SPELLING)


def test_a_number_not_on_the_street_offers_the_street_itself(noland: City) -> None:  # noqa: F811
    found = address_search("9999 S Noland Rd Apt 2")
    assert [(p.label, p.how, p.instead) for p in found] == [("S Noland Rd", How.STREET, Instead.STREET)]


def test_a_directional_the_street_does_not_have_is_let_go(noland: City) -> None:  # noqa: F811
    found = address_search("W 23rd St")
    assert [(p.label, p.how, p.instead) for p in found] == [("E 23rd St", How.STREET, Instead.SPELLING)]


def test_words_that_match_are_never_marked_and_words_far_from_any_street_find_nothing(noland: City) -> None:  # noqa: F811
    assert [(p.label, p.instead) for p in address_search("1236 S Noland Rd")] == [("1236 S Noland Rd", "")]
    assert address_search("1236 Xylophone Ct") == []
    assert address_search("Zebra St") == []


def test_the_search_box_is_told_why_each_near_miss_is_offered_in_english_and_spanish(
    client: Any,
    noland: City,  # noqa: F811
) -> None:
    english = client.get("/places/search", {"q": "Nolnad Rd"}).json()
    assert english["message"] == (
        "No address matches these words exactly. 2 close places found. Use the up and down arrow keys to choose one."
    )
    assert {r["hint"] for r in english["results"]} == {"Spelled differently from “Nolnad Rd”"}
    street = client.get("/places/search", {"q": "9999 S Noland Rd"}).json()["results"]
    assert [r["hint"] for r in street] == [
        "The number is not on this street: the pin goes on the street, then move it to the place."
    ]
    exact = client.get("/places/search", {"q": "1236 S Noland Rd"}).json()
    assert exact["message"].startswith("1 address found") and exact["results"][0]["hint"] == ""

    spanish = client.get("/places/search", {"q": "Nolnad Rd"}, HTTP_ACCEPT_LANGUAGE="es").json()
    assert spanish["message"] == (
        "Ninguna dirección coincide exactamente con estas palabras. Se encontraron 2 lugares parecidos. "
        "Use las flechas arriba y abajo para elegir uno."
    )
    assert {r["hint"] for r in spanish["results"]} == {"Escrito de otro modo que “Nolnad Rd”"}
    one = client.get("/places/search", {"q": "9999 S Noland Rd"}, HTTP_ACCEPT_LANGUAGE="es").json()
    assert one["message"] == (
        "Ninguna dirección coincide exactamente con estas palabras. Se encontró 1 lugar parecido. "
        "Use las flechas arriba y abajo para elegirlo."
    )
    assert one["results"][0]["hint"] == (
        "Ese número no está en esta calle: el marcador va a la calle; luego muévalo al lugar."
    )


# --- a slip of the first letter, a street's word alone ----------------------------------------


@pytest.fixture
def short_streets(noland: City) -> City:  # noqa: F811
    """Streets of four letters beside Noland Rd, as a city has many: a slip in "Main" must
    find Main St, not every one of them."""
    from civicdesk.places.normalise import parse_street
    from civicdesk.places.readers import PointRow
    from civicdesk.places.services import addresses_load

    streets = ["MAIN ST", "PARK AVE", "PINE ST", "LAKE DR", "OAK ST", "HILLCREST DR", "MAPLE AVE"]
    rows = [
        PointRow(100 + 2 * n, "", parse_street(street), "", "", "64050", 39.05 + 0.001 * n, -94.40)
        for n, street in enumerate(streets)
    ]
    addresses_load(city=noland, rows=list(enumerate(rows, start=1)), source=Source.OPENADDRESSES)
    return noland


def _offered(text: str) -> list[tuple[str, str]]:
    return sorted((p.label, p.instead) for p in address_search(text))


def test_a_wrong_first_letter_offers_the_street_it_was_meant_for(short_streets: City) -> None:
    assert _offered("Nain St") == [("Main St", Instead.SPELLING)]
    assert _offered("Moland Rd") == [("N Noland Rd", Instead.SPELLING), ("S Noland Rd", Instead.SPELLING)]
    # A letter missing or added in front, the first two swapped.
    assert _offered("Xmain St") == [("Main St", Instead.SPELLING)]
    assert _offered("Amin St") == [("Main St", Instead.SPELLING)]
    assert _offered("Oland Rd") == [("N Noland Rd", Instead.SPELLING), ("S Noland Rd", Instead.SPELLING)]
    found = address_search("1236 Boland Rd")
    assert (found[0].label, found[0].how, found[0].instead) == ("1236 S Noland Rd", How.POINT, Instead.SPELLING)


def test_a_street_word_alone_finds_its_street_even_misspelt(short_streets: City) -> None:
    assert _offered("Mian") == [("Main St", Instead.SPELLING)]
    assert _offered("Noladn") == [("N Noland Rd", Instead.SPELLING), ("S Noland Rd", Instead.SPELLING)]
    assert _offered("lkae") == [("Lake Dr", Instead.SPELLING)]
    # Still being typed, one letter off: the beginning of Hillcrest.
    assert _offered("Hilcre") == [("Hillcrest Dr", Instead.SPELLING)]
    # Spelled right, alone: the street, no reason given.
    assert _offered("Noland") == [("N Noland Rd", ""), ("S Noland Rd", "")]


def test_a_short_word_is_not_taken_for_every_street_of_its_length(short_streets: City) -> None:
    # "Nain" is one letter from Main only: Pine, Park and Lake are two or more.
    assert _offered("Nain") == [("Main St", Instead.SPELLING)]
    # Two slips in four letters are too many; three letters are too few to guess from.
    assert _offered("Mnia St") == []
    assert _offered("Oka St") == []
    assert _offered("Xyzw") == []
    assert _offered("Zzzzzz Rd") == []
