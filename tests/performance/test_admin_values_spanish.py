"""The values' workflow in the admin, for a department's staff reading Spanish: the list's
actions say what they did in Spanish, and a value's audit trail reads in Spanish."""

from __future__ import annotations

import pytest
from django.conf import settings

from civicdesk.accounts.models import Role
from civicdesk.performance import services

pytestmark = pytest.mark.django_db
URL = "/admin/performance/measurevalue/"


def test_a_value_submitted_in_spanish_is_reported_and_logged_in_spanish(
    client, independence, make_department, make_staff, make_measure
):
    dept = make_department(independence, "Police")
    measure = make_measure(name="Police response time", unit="minutes", display_format="clock", department=dept)
    worker = make_staff(independence, Role.WORKER, department=dept, is_staff=True, username="officer")
    value = services.measure_value_enter(
        measure=measure, fiscal_year=2018, period=1, value=517, narrative="", actor=worker
    )
    client.force_login(worker)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"

    response = client.post(URL, {"action": "submit_values", "_selected_action": [value.pk]}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Se envió a revisión 1 valor."]

    page = client.get(f"{URL}{value.pk}/change/").content.decode()
    assert "por officer" in page
    assert " by officer" not in page
