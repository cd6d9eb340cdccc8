"""The demo's history keeps each case in the city that received it, whatever address was typed.

A case reported with an address and no pin is placed by the gazetteer, and an address found in
another member city's streets sends the case there (no wrong door). The demo's typed
addresses are made up: on 2026-12-06 one of Raytown's, "15599 Meadow Ln", was a block of Lee's
Summit's illustrative grid, the case went to Lee's Summit, and Raytown's supervisor was refused
its next step: ``make run`` stopped half-way. The history is now replayed before the grid's
blocks are loaded, as the cases' own addresses always were.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from shapely.geometry import shape

from civicdesk.cases.models import CaseEvent, ServiceRequest
from civicdesk.demo import loader, streets
from civicdesk.places.models import StreetSegment
from civicdesk.places.selectors import address_search
from civicdesk.tenants.models import City

pytestmark = pytest.mark.django_db


def test_an_address_typed_in_one_city_that_names_a_block_of_another_keeps_the_case_home(monkeypatch) -> None:
    typed: list[str] = []

    def lees_summit_address(rng: random.Random) -> str:
        # Every address-only report of every city names a block of Lee's Summit's grid.
        rng.random()
        if not typed:
            limits = shape(City.objects.get(slug="lees-summit").boundary)
            inside = limits.representative_point()
            typed.append(streets.address_at(inside.y, inside.x))
        return typed[0]

    monkeypatch.setattr(loader, "_address", lees_summit_address)
    # Ten days: enough that other cities receive address-only reports (few types have them),
    # which the first assertion below checks, so the scenario cannot quietly vanish.
    summary = loader.load_demo(days=10, scale=0.4, today=dt.date(2026, 12, 6))
    assert summary.loaded and typed

    # The scenario happened: other cities received reports typed with that address...
    elsewhere = ServiceRequest.objects.filter(address=typed[0], lat__isnull=True).exclude(city__slug="lees-summit")
    assert elsewhere.exists()
    # ...and the address is a block of Lee's Summit's grid once the gazetteer is loaded.
    assert StreetSegment.objects.filter(city__slug="lees-summit", illustrative=True).exists()
    found = address_search(typed[0], limit=1)
    assert found and found[0].city_id == City.objects.get(slug="lees-summit").pk

    # Every step of every case was taken by staff of the case's own city.
    steps = CaseEvent.objects.filter(actor__isnull=False).values_list("case__city_id", "actor__city_id")
    strangers = [(case_city, actor_city) for case_city, actor_city in steps if actor_city != case_city]
    assert steps.exists() and strangers == []
