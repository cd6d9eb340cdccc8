"""A case handed on to another member city keeps its old public address: alert emails, feeds
and followers' links point there, and it now redirects (permanently) to the case's page under
its new city and number. A confidential case is never shown, at the old address or the new."""

from __future__ import annotations

from typing import Any

import pytest

from civicdesk.accounts.models import Role
from civicdesk.cases import services, transfers
from civicdesk.cases.models import ServiceRequest
from civicdesk.notifications.models import CaseFollower
from civicdesk.tenants.models import City
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db


def _handed_to_raytown(service_type: Any, staff: Any, cities: dict[str, City]) -> tuple[int, ServiceRequest]:
    lat, lng = INSIDE["independence"]
    case = services.case_create(service_type=service_type, lat=lat, lng=lng, description="Hole at the city line")
    old_number = case.number
    transfer = transfers.case_transfer(
        case=case, actor=staff("independence", Role.SUPERVISOR), to_city=cities["raytown"], reason="Raytown's road"
    )
    return old_number, transfers.case_transfer_accept(transfer=transfer, actor=staff("raytown", Role.SUPERVISOR))


def test_the_old_public_address_of_a_handed_on_case_redirects_to_its_new_page(
    client: Any, pothole: Any, staff: Any, cities: dict[str, City]
) -> None:
    old_number, moved = _handed_to_raytown(pothole["independence"], staff, cities)
    new_address = f"/raytown/requests/{moved.number}/"

    response = client.get(f"/independence/requests/{old_number}/")
    assert response.status_code == 301 and response["Location"] == new_address
    page = client.get(new_address)
    assert page.status_code == 200 and moved.reference in page.content.decode()
    # A follow form sent to the old address follows the case itself.
    followed = client.post(f"/independence/requests/{old_number}/follow/", {"follow_email": "late@example.org"})
    assert followed.status_code == 302 and followed["Location"] == new_address
    assert CaseFollower.objects.get(email="late@example.org").case == moved
    # A number Independence never gave, or one in the new city, is still not found.
    assert client.get(f"/independence/requests/{old_number + 100}/").status_code == 404


def test_a_case_made_confidential_after_its_hand_off_is_not_found_at_its_old_address(
    client: Any, pothole: Any, staff: Any, cities: dict[str, City], make_service_type: Any
) -> None:
    # Confidential cases are never handed on, but a case handed on may be found to be one.
    old_number, moved = _handed_to_raytown(pothole["independence"], staff, cities)
    secret = make_service_type(cities["raytown"], "abuse", name="Elder abuse", is_confidential=True)
    services.case_change_type(case=moved, actor=staff("raytown", Role.SUPERVISOR), service_type=secret)

    assert client.get(f"/independence/requests/{old_number}/").status_code == 404
    assert client.get(f"/raytown/requests/{moved.number}/").status_code == 404
    response = client.post(f"/independence/requests/{old_number}/follow/", {"follow_email": "nosy@example.org"})
    assert response.status_code == 404 and not CaseFollower.objects.exists()
