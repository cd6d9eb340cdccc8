"""Emails as residents write them, read against the demo's real catalogs: each city's own
types, names and keywords. Clear mail goes to the type a clerk would choose in that city;
mail that says too little, or could be two things, still waits for staff in triage.

The sentences are the ones a reviewer sent (rv3 #6) and others like them; none of them is
written into the guesser: the catalog's names and keywords, weighed, do the work.
"""

from __future__ import annotations

from typing import Any

import pytest

from civicdesk.demo.loader import catalogue_load
from civicdesk.intake.guess import type_guess, written_language
from civicdesk.tenants.models import City

pytestmark = pytest.mark.django_db

TRIAGE = None  # no type stands out: staff choose

# (subject, body, the type's code or TRIAGE)
EVERY_CITY = [
    ("Traffic light", "The traffic light at 23rd and Noland is stuck on red.", "traffic-signal"),
    ("Stop light", "The stoplight by the school has been blinking red all morning.", "traffic-signal"),
    ("", "Hay un bache enorme en mi calle.", "pothole"),
    ("Bache", "Hay un bache muy grande frente a mi casa, por favor vengan a taparlo.", "pothole"),
    ("Stop sign", "Stop sign knocked down at the corner.", "traffic-sign"),
    ("Sign down", "The street sign at our corner was hit by a car and is lying on the ground.", "traffic-sign"),
    ("Pothole", "There is a huge pothole in front of my house, my tire went into it.", "pothole"),
    ("Light out", "The street light in front of my house has been out for a week.", "street-light-out"),
    ("Water", "Water is bubbling up out of the street, I think a water main broke.", "water-leak"),
    ("Tall grass", "The vacant house next door has grass up to my knees, nobody mows.", "ce-excessive-vegetation"),
    ("Help", "Something is wrong near my house, please call me.", TRIAGE),
    ("Question", "I have a question, please call me back when you can.", TRIAGE),
    ("Neighbor", "My neighbor keeps doing this and I am tired of it.", TRIAGE),
    ("Two things", "There is a pothole and a broken street light in front of my house.", TRIAGE),
]

BY_CITY = {
    "independence": [
        ("Graffiti", "Graffiti on the park shelter at 7441 Oak St, it went up last night.", "graffiti"),
        ("Tree", "Tree branch is touching the power lines behind our house.", "tree-trim-power"),
        ("Dumping", "Somebody dumped a mattress and tires in the alley.", "illegal-dumping"),
        ("Dog", "A dog has been barking all night next door.", "animal-barking"),
        ("Raccoon", "There is a dead raccoon in the road.", "animal-dead"),
        ("", "Hay un perro muerto en la calle desde ayer.", "animal-dead"),
        ("Semáforo", "El semáforo de la esquina no funciona, está apagado.", "traffic-signal"),
        ("Trash", "Our trash was not picked up on Tuesday, the whole street was missed.", "missed-trash-pickup"),
        ("Storm drain", "The storm drain is clogged with leaves and the street floods.", "storm-drain-blocked"),
        ("Junk car", "A junk car with flat tires has sat in the driveway since spring.", "ce-non-operable-vehicle"),
        (
            "Parking",
            "My neighbor's truck is parked on the grass in his front yard every night.",
            "ce-parking-unapproved-surface",
        ),
    ],
    "lees-summit": [
        ("Car", "There is a car with flat tires parked on the grass for months.", "ce-non-operable-vehicle"),
        ("Tree", "Tree branch is touching the power lines behind our house.", "tree-trim-power"),
        ("Dumping", "Somebody dumped a mattress and tires in the alley.", "illegal-dumping"),
        ("Dog", "A dog has been barking all night next door.", "animal-barking"),
        ("Raccoon", "There is a dead raccoon in the road.", "animal-dead"),
        ("Loose dog", "A loose dog is running around the neighborhood chasing kids.", "animal-stray"),
        ("Weeds", "The yard across the street is overgrown with weeds.", "ce-excessive-vegetation"),
    ],
}

CASES = [(slug, *row) for slug in ("independence", "lees-summit") for row in EVERY_CITY] + [
    (slug, *row) for slug, rows in BY_CITY.items() for row in rows
]


@pytest.fixture
def demo_cities(cities: dict[str, City]) -> dict[str, City]:
    catalogue_load(cities=cities)
    return cities


@pytest.mark.parametrize(("slug", "subject", "body", "code"), CASES, ids=[f"{c[0]}: {c[2][:40]}" for c in CASES])
def test_an_email_as_a_resident_writes_it_gets_the_type_a_clerk_would_choose(
    demo_cities: dict[str, Any], slug: str, subject: str, body: str, code: str | None
) -> None:
    written = f"{subject}\n{body}"
    guess = type_guess(demo_cities[slug], written, language=written_language(written))

    chosen = guess.service_type.code if guess.service_type else None
    scores = [(score, t.code) for score, t in guess.candidates[:4]]
    assert chosen == code, f"{chosen} from {scores}"
