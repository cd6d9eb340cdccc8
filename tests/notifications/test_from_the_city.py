"""A city's emails come from the city: "Lee's Summit 311", at the configured address."""

from __future__ import annotations

from email.utils import parseaddr

import pytest
from django.conf import settings

from civicdesk.cases import services
from civicdesk.notifications import services as alert_services
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db


def sender(m) -> tuple[str, str]:
    [address] = m.message["From"].addresses
    return address.display_name, address.addr_spec


@pytest.fixture
def lees_summit(cities):
    return cities["lees-summit"]


def test_a_citys_emails_come_from_the_city_by_name_at_the_sites_address(lees_summit, make_service_type, smtp_inbox):
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    pothole = make_service_type(lees_summit, "pothole", name="Pothole")
    lat, lng = INSIDE["lees-summit"]
    services.case_create(service_type=pothole, lat=lat, lng=lng, description="Deep", reporter_email="r@example.org")
    alert_services.subscription_create(email="alerts@example.org", city=lees_summit)
    received = smtp_inbox()
    # The acknowledgement, the department's email, the alert confirmation.
    assert len(received) == 3
    for m in received:
        assert sender(m) == ("Lee's Summit 311", address)


def test_a_name_beyond_ascii_is_encoded_and_reads_back_whole(independence, report, smtp_inbox):
    independence.name = "Independencia, Mamá's"
    independence.save(update_fields=["name"])
    report(reporter_email="r@example.org")
    for m in smtp_inbox():
        assert sender(m)[0] == "Independencia, Mamá's 311"
        raw = dict(m.message.raw_items())["From"]
        assert raw.isascii() and "=?utf-8?" in raw
