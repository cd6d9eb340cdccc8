"""A place the collaborative knew as a neighbor outside the service (a NeighbourArea) that
joins as a member city: city_create says to delete the neighbor area, naming where it is in
the admin; a city that was no neighbor gets no such word."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from civicdesk.tenants.models import City, NeighbourArea
from tests.conftest import CITY_LIMITS

pytestmark = pytest.mark.django_db


def create(slug: str, name: str, prefix: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "city_create",
        f"--name={name}",
        f"--slug={slug}",
        f"--limits={CITY_LIMITS / f'{slug}.json'}",
        f"--prefix={prefix}",
        "--fiscal-year-start=1",
        stdout=out,
        stderr=err,
    )
    return out.getvalue(), err.getvalue()


def test_city_create_names_the_neighbor_area_the_new_member_was(cities: dict[str, City]) -> None:
    # The member cities come with their known neighbors, Sugar Creek among them; one more
    # entry under another slug is found by its name.
    assert NeighbourArea.objects.filter(slug="sugar-creek").exists()
    limits = json.loads((CITY_LIMITS / "sugar-creek.json").read_text())["features"][0]["geometry"]
    NeighbourArea.objects.create(name="SUGAR CREEK", slug="sugar-creek-mo", boundary=limits)
    out, err = create("sugar-creek", "Sugar Creek", "SGC")
    assert "Sugar Creek created (sugar-creek, cases SGC-1001" in out
    assert sorted(err.strip().splitlines()) == [
        "Warning: SUGAR CREEK is also a known neighbor outside the service (Admin → Cities and regions → "
        "Neighbor areas → SUGAR CREEK): delete it there now that Sugar Creek is a member city.",
        "Warning: Sugar Creek is also a known neighbor outside the service (Admin → Cities and regions → "
        "Neighbor areas → Sugar Creek): delete it there now that Sugar Creek is a member city.",
    ]
    # Nothing is deleted by the command: the operator decides.
    assert NeighbourArea.objects.filter(name__iexact="sugar creek").count() == 2


def test_a_city_that_was_no_neighbor_gets_no_warning(cities: dict[str, City]) -> None:
    NeighbourArea.objects.filter(slug="grain-valley").delete()
    out, err = create("grain-valley", "Grain Valley", "GRV")
    assert "Grain Valley created" in out and err == ""
