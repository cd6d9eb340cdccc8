"""The line under a report map's pin outside every member city says it in the words of the
refusal ("not one of the cities this service takes reports for") with how far the nearest
member city's limits are; a distance never wraps between its number and its unit; a Spanish
list of cities says "u" before an o sound and "e" before an i sound."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from civicdesk.core.languages import conjunction_before
from civicdesk.core.templatetags.distances import away, feet_or_miles
from civicdesk.places.models import Source
from civicdesk.places.normalise import parse_street
from civicdesk.places.readers import PointRow
from civicdesk.places.services import addresses_load
from civicdesk.tenants.models import City
from civicdesk.tenants.selectors import Outside, outside_message
from tests.collaborative.test_outside_in_plain_words import (
    FAR_OUTSIDE,
    SOUTH_OF_LEES_SUMMIT,
    WEST_OF_RAYTOWN,
    _refusal,
)

NBSP = "\u00a0"


def _line(client: Any, lat: float, lng: float, language: str = "en") -> str:
    answer = client.get("/places/near", {"lat": lat, "lng": lng}, HTTP_ACCEPT_LANGUAGE=language).json()
    assert answer["city"] == ""
    return str(answer["outside"])


@pytest.mark.django_db
def test_the_pin_line_says_where_it_is_and_how_far_in_the_refusals_words(client: Any, cities: dict[str, City]) -> None:
    line = _line(client, *WEST_OF_RAYTOWN)
    assert (
        line
        == f"In Kansas City, not one of the cities this service takes reports for: about 980{NBSP}ft from Raytown's limits"
    )
    # The same words as the message the report would be refused with.
    message = " ".join(_refusal(*WEST_OF_RAYTOWN).messages)
    assert "the cities this service takes reports for" in message and f"980{NBSP}ft" in message
    assert _line(client, *SOUTH_OF_LEES_SUMMIT) == (
        f"Not in any of the cities this service takes reports for: about 980{NBSP}ft from Lee's Summit's limits"
    )
    # Far from every member city, no city is named as near.
    assert _line(client, *FAR_OUTSIDE) == "Not in any of the cities this service takes reports for"


@pytest.mark.django_db
def test_the_pin_line_is_said_in_spanish(client: Any, cities: dict[str, City]) -> None:
    assert _line(client, *WEST_OF_RAYTOWN, language="es") == (
        "En Kansas City, que no es una de las ciudades de las que este servicio recibe reportes: "
        f"a unos 980{NBSP}pies de los límites de Raytown"
    )
    assert (
        _line(client, *FAR_OUTSIDE, language="es")
        == "No está en ninguna de las ciudades de las que este servicio recibe reportes"
    )


@pytest.mark.django_db
def test_an_address_found_outside_says_the_same_in_the_search_list(client: Any, cities: dict[str, City]) -> None:
    lat, lng = WEST_OF_RAYTOWN
    row = PointRow(7100, "", parse_street("Westridge Rd"), "", "KANSAS CITY", "64133", lat, lng)
    addresses_load(city=cities["raytown"], rows=[(1, row)], source=Source.OPENADDRESSES)
    found = client.get("/places/search", {"q": "7100 westridge"}).json()["results"]
    assert [(r["label"], r["outside"]) for r in found] == [("7100 Westridge Rd", _line(client, lat, lng))]


@pytest.mark.parametrize(
    ("metres", "language", "said"),
    [
        (300, "en", f"980{NBSP}ft"),
        (300, "es", f"980{NBSP}pies"),
        (1609.344, "en", f"1{NBSP}mile"),
        (1609.344, "es", f"1{NBSP}milla"),
        (1931.2, "en", f"1.2{NBSP}miles"),
        (1931.2, "es", f"1.2{NBSP}millas"),
        (640, "en", f"0.4{NBSP}mile"),
    ],
)
def test_a_distance_never_wraps_between_its_number_and_its_unit(metres: float, language: str, said: str) -> None:
    with translation.override(language):
        assert feet_or_miles(metres) == said
        assert said in away(metres)


@pytest.mark.parametrize(
    ("members", "language", "said"),
    [
        (["Independence", "Oak Grove"], "es", "Independence u Oak Grove"),
        (["Blue Springs", "Raytown", "Hopewell"], "es", "Blue Springs, Raytown u Hopewell"),
        (["Blue Springs", "Raytown"], "es", "Blue Springs o Raytown"),
        (["Independence", "Oak Grove"], "en", "Independence or Oak Grove"),
    ],
)
def test_a_spanish_list_says_u_before_an_o_sound(members: list[str], language: str, said: str) -> None:
    with translation.override(language):
        message = outside_message(Outside(members=members, neighbour=None, nearest="", metres=None))
    assert f" {said}," in message


@pytest.mark.parametrize(
    ("following", "language", "between"),
    [
        ("Independence", "es", "entre Raytown e Independence"),
        ("Hickman Mills", "es", "entre Raytown e Hickman Mills"),
        ("Hierro", "es", "entre Raytown y Hierro"),
        ("Iowa", "es", "entre Raytown y Iowa"),
        ("Grandview", "es", "entre Raytown y Grandview"),
        ("Independence", "en", "between Raytown and Independence"),
    ],
)
def test_a_spanish_and_is_e_before_an_i_sound(following: str, language: str, between: str) -> None:
    with translation.override(language):
        said = translation.gettext("Your pin is close to the line between %(a)s and %(b)s — please check it.")
        assert between in conjunction_before(said, key="b", following=following) % {"a": "Raytown", "b": following}
