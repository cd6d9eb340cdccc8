"""City administrators keep their own city's canned closing notes in the admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicdesk.accounts.models import Role
from civicdesk.catalog.models import CannedResponse

pytestmark = pytest.mark.django_db


def test_a_city_admin_adds_a_canned_response_to_their_own_city_only(client, independence, raytown, trash, make_staff):
    admin_user = make_staff(independence, Role.CITY_ADMIN, is_staff=True)
    theirs = CannedResponse.objects.create(city=raytown, title="Raytown's", text="Not yours")
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:catalog_cannedresponse_add"),
        {"service_type": trash.pk, "title": "Picked up", "text": "Our crew removed the items."},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    added = CannedResponse.objects.get(title="Picked up")
    assert added.city == independence and added.service_type == trash
    listing = client.get(reverse("admin:catalog_cannedresponse_changelist")).content.decode()
    assert "Picked up" in listing and "Raytown&#x27;s" not in listing and "Raytown's" not in listing
    assert client.get(reverse("admin:catalog_cannedresponse_change", args=[theirs.pk])).status_code == 404


def test_a_worker_cannot_edit_canned_responses(client, independence, make_staff):
    worker = make_staff(independence, Role.WORKER, is_staff=True)
    client.force_login(worker)
    assert client.get(reverse("admin:catalog_cannedresponse_add")).status_code == 403
