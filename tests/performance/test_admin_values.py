"""The staff pages for values: the admin enters drafts and moves values through the
workflow only by the services, so each step's permission holds there too."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.utils import timezone

from civicdesk.accounts.models import Role
from civicdesk.performance.models import MeasureValue, ValueState

pytestmark = pytest.mark.django_db
URL = "/admin/performance/measurevalue/"


@pytest.fixture
def setup(independence, make_department, make_staff, make_measure):
    dept = make_department(independence, "Police")
    measure = make_measure(
        name="Police response time", unit="minutes", display_format="clock", direction="lower", department=dept
    )
    worker = make_staff(independence, Role.WORKER, department=dept, is_staff=True)
    supervisor = make_staff(independence, Role.SUPERVISOR, is_staff=True)
    return measure, worker, supervisor


def test_a_worker_enters_a_value_as_written_and_submits_it_but_cannot_approve_it(client, setup):
    measure, worker, supervisor = setup
    client.force_login(worker)
    response = client.post(
        URL + "add/",
        {
            "measure": measure.pk,
            "fiscal_year": 2018,
            "period": 1,
            "value_as_written": "8:37",
            "narrative": "Vacancies.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    value = MeasureValue.objects.get(measure=measure)
    assert (value.value, value.state) == (D(517), ValueState.DRAFT)

    client.post(URL, {"action": "submit_values", "_selected_action": [value.pk]})
    client.post(URL, {"action": "approve_values", "_selected_action": [value.pk]})
    value.refresh_from_db()
    assert value.state == ValueState.SUBMITTED  # the approval was refused

    client.force_login(supervisor)
    client.post(URL, {"action": "approve_values", "_selected_action": [value.pk]})
    client.post(URL, {"action": "publish_values", "_selected_action": [value.pk]})
    value.refresh_from_db()
    assert value.state == ValueState.PUBLISHED
    assert [e.action for e in value.events.all()] == ["entered", "submitted", "approved", "published"]


def test_a_published_value_changes_in_the_admin_only_with_a_correction_note(client, setup):
    measure, worker, supervisor = setup
    client.force_login(worker)
    client.post(URL + "add/", {"measure": measure.pk, "fiscal_year": 2018, "period": 1, "value_as_written": "8:37"})
    value = MeasureValue.objects.get(measure=measure)
    client.post(URL, {"action": "submit_values", "_selected_action": [value.pk]})
    client.force_login(supervisor)
    client.post(URL, {"action": "approve_values", "_selected_action": [value.pk]})
    client.post(URL, {"action": "publish_values", "_selected_action": [value.pk]})

    response = client.post(f"{URL}{value.pk}/change/", {"value_as_written": "8:40", "narrative": ""})
    assert response.status_code == 200
    assert "A published value changes only with a note" in response.content.decode()
    response = client.post(
        f"{URL}{value.pk}/change/", {"value_as_written": "8:40", "narrative": "", "correction_note": "CAD export fix."}
    )
    assert response.status_code == 302
    value.refresh_from_db()
    assert (value.value, value.correction_note) == (D(520), "CAD export fix.")


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_days_value_opened_on_a_spanish_page_is_sent_back_unchanged(
    client, independence, make_department, make_staff, make_measure, language
):
    """A draft of a days measure opened in Spanish was written "3.0000 días", which the form
    did not read back ("no es un número"): the box holds the value as it is typed, "3", in
    every language, and the page sent back as it is keeps it."""
    import re

    dept = make_department(independence, "Public Works")
    measure = make_measure(name="Median days to close a pothole", unit="days", direction="lower", department=dept)
    worker = make_staff(independence, Role.WORKER, department=dept, is_staff=True)
    value = MeasureValue.objects.create(
        measure=measure, fiscal_year=2026, period=1, value=D(259200), updated_at=timezone.now()
    )
    client.force_login(worker)
    page = client.get(f"{URL}{value.pk}/change/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    box = re.search(r'<input[^>]*name="value_as_written"[^>]*>', page)
    assert box is not None
    shown = re.search(r'value="([^"]*)"', box.group(0))
    assert shown is not None and shown.group(1) == "3"
    response = client.post(
        f"{URL}{value.pk}/change/",
        {
            "measure": measure.pk,
            "fiscal_year": 2026,
            "period": 1,
            "value_as_written": shown.group(1),
            "narrative": "",
        },
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    value.refresh_from_db()
    assert value.value == D(259200)
