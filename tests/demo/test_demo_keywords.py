"""The demo's catalog gives its keywords as Open311 does, comma-separated phrases, so an
emailed report is typed from them: "junk and garbage bags" is trash on a property. Written
space-separated, each list was one long phrase that no email ever said, and such reports
waited in triage."""

from __future__ import annotations

import pytest

from civicdesk.demo.catalogue import PROBLEMS
from civicdesk.demo.loader import catalogue_load
from civicdesk.demo.places import load_member_cities
from civicdesk.intake.guess import type_guess

pytestmark = pytest.mark.django_db


def test_every_keyword_list_is_comma_separated_phrases_of_a_few_words() -> None:
    for problem in PROBLEMS.values():
        for phrase in filter(None, (p.strip() for p in problem.keywords.split(","))):
            assert len(phrase.split()) <= 3, f"{problem.code}: {phrase!r} reads as one phrase"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Someone has left junk and garbage bags piled by the back fence for weeks.", "ce-trash"),
        ("The lot next door is overgrown, nobody has been mowing all summer.", "ce-excessive-vegetation"),
        ("A junk car with flat tires has sat in the driveway since spring.", "ce-non-operable-vehicle"),
    ],
)
def test_an_emailed_report_in_the_demo_is_typed_from_its_keywords(text: str, code: str) -> None:
    cities = {c.slug: c for c in load_member_cities()}
    catalogue_load(cities=cities)
    guess = type_guess(cities["independence"], text, language="en")
    assert guess.service_type is not None, guess.note()
    assert guess.service_type.code == code
