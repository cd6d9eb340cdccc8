"""Points in two districts of Independence, a point in Raytown, and a helper to confirm a
subscription as its owner would: by the link in the confirmation email."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from civicdesk.tenants import selectors as places
from tests.conftest import INSIDE


@pytest.fixture
def spots(independence):
    """Two Independence points in different districts, and the districts."""
    lat, lng = INSIDE["independence"]
    first = places.location_of(lat=lat, lng=lng)
    for dlat in (0.01, -0.01, 0.02, -0.02, 0.03, -0.03):
        for dlng in (0.0, 0.02, -0.02, 0.04, -0.04):
            here = places.location_of(lat=lat + dlat, lng=lng + dlng)
            if here.city == independence and here.district and here.district != first.district:
                return {
                    "a": (lat, lng),
                    "a_district": first.district,
                    "b": (lat + dlat, lng + dlng),
                    "b_district": here.district,
                }
    pytest.skip("no second district found near the test point")


@pytest.fixture
def confirm(outbox):
    """Follow the confirmation link of the last email to ``address`` and press the button."""

    def do(address: str) -> None:
        message = [m for m in outbox() if m.to == [address]][-1]
        link = re.search(r"https?://[^/\s]+(/alerts/confirm/[^\s]+/)", message.body)
        assert link, message.body
        client = Client()
        assert client.get(link.group(1)).status_code == 200
        assert client.post(link.group(1)).status_code == 200
        mail.outbox.clear()

    return do
