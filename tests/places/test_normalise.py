"""The ways people write one US address compare equal (civicdesk/places/normalise.py)."""

from __future__ import annotations

import pytest

from civicdesk.places.normalise import Kind, parse_address, parse_street, street_from_parts


@pytest.mark.parametrize(
    "text", ["1234 S Noland Rd", "1234 South Noland Road", "1234 s. noland", "1234 SOUTH NOLAND RD."]
)
def test_the_ways_of_writing_one_address_give_one_number_directional_and_street(text: str) -> None:
    parsed = parse_address(text)
    assert parsed.kind is Kind.ADDRESS
    assert (parsed.number, parsed.street.pre_directional, parsed.street.name) == (1234, "S", "NOLAND")
    assert parsed.search_key.startswith("1234 NOLAND")


def test_two_streets_joined_by_and_ampersand_or_slash_are_an_intersection() -> None:
    for text in ("Noland Rd & 23rd St", "noland road and 23rd street", "Noland Rd / 23rd St"):
        parsed = parse_address(text)
        assert parsed.kind is Kind.INTERSECTION, text
        assert parsed.street.key == "NOLAND RD"
        assert parsed.cross_street is not None and parsed.cross_street.key == "23RD ST"


def test_unit_zip_and_place_are_read_apart_from_the_street() -> None:
    parsed = parse_address("1234 south noland road unit 5 64055")
    assert parsed.address_key == "1234 S NOLAND RD UNIT 5"
    assert parsed.zip_code == "64055"
    parsed = parse_address("1234 S Noland Rd Apt 5, Independence, MO 64050")
    assert (parsed.unit, parsed.place, parsed.zip_code) == ("APT 5", "INDEPENDENCE", "64050")
    assert parse_address("1234 S Noland Rd #5").unit == "#5"


def test_a_zip_glued_to_the_street_as_kansas_citys_export_writes_it_is_split_off() -> None:
    parsed = parse_address("938 Mulberry St64101")
    assert (parsed.street.key, parsed.zip_code) == ("MULBERRY ST", "64101")


def test_numbered_streets_are_one_street_with_or_without_the_ordinal() -> None:
    assert parse_address("5300 E 23 St").street == parse_address("5300 East 23rd Street").street
    assert street_from_parts(pre_directional="East", name="23", street_type="Street").full == "E 23RD ST"
    assert parse_address("100 State Route 291").street.name == "STATE ROUTE 291"


def test_house_number_suffixes_are_kept() -> None:
    assert parse_address("1234A S Noland Rd").address_key == "1234A S NOLAND RD"
    assert parse_address("1234 1/2 S Noland Rd").label == "1234 1/2 S Noland Rd"


def test_a_street_alone_and_a_number_alone() -> None:
    assert parse_address("e 23 st").kind is Kind.STREET
    assert parse_address("12").number == 12
    assert parse_street("NE VIVION RD").full == "NE VIVION RD"
    assert parse_address("").kind is Kind.EMPTY
