"""A measure's target is typed and shown as its values are written: a five-minute response
time is "5:00" (or 5), never its stored 300 seconds, and "5" is five minutes, not five
seconds."""

from __future__ import annotations

import json
import re
from decimal import Decimal as D
from typing import Any

import pytest
from django.utils import translation

from civicdesk.accounts.models import Role
from civicdesk.performance.admin import MeasureForm
from civicdesk.performance.models import Measure, MeasureTarget

pytestmark = pytest.mark.django_db


@pytest.fixture
def city_admin(client, independence, make_staff):
    user = make_staff(independence, Role.CITY_ADMIN, is_staff=True)
    client.force_login(user)
    return user


def _page(measure: Measure) -> str:
    return f"/admin/performance/measure/{measure.pk}/change/"


def _post(
    client: Any,
    measure: Measure,
    targets: list[dict[str, str]],
    *,
    fields: dict[str, str] | None = None,
    **headers: str,
) -> Any:
    """The measure's page sent back as it is, with these target rows (and these fields)."""
    data: dict[str, Any] = {}
    for name in MeasureForm.Meta.fields:
        if name == "city":
            continue
        value = getattr(measure, name)
        if name in ("service_codes", "parameters"):
            value = json.dumps(value)
        elif name == "department":
            value = measure.department_id or ""
        elif name == "department_report":
            value = measure.department_report_id or ""
        elif isinstance(value, bool):
            if not value:
                continue
            value = "on"
        data[name] = "" if value is None else value
    data.update(fields or {})
    existing = list(measure.targets.order_by("fiscal_year"))
    data.update(
        {
            "targets-TOTAL_FORMS": str(len(targets)),
            "targets-INITIAL_FORMS": str(len(existing)),
            "targets-MIN_NUM_FORMS": "0",
            "targets-MAX_NUM_FORMS": "1000",
        }
    )
    for i, row in enumerate(targets):
        data[f"targets-{i}-measure"] = str(measure.pk)
        data[f"targets-{i}-split_rule"] = "every_period"
        if i < len(existing):
            data[f"targets-{i}-id"] = str(existing[i].pk)
        for key, value in row.items():
            data[f"targets-{i}-{key}"] = value
    return client.post(_page(measure), data, **headers)


def _mistakes(response: Any) -> list[str]:
    return re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.content.decode(), re.S)


def _shown(html: str, i: int = 0, name: str = "") -> str:
    name = name or f"targets-{i}-value"
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert match, html[:3000]
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


def test_a_response_time_target_is_typed_in_minutes_and_seconds_as_its_values_are(client, city_admin, make_measure):
    measure = make_measure(name="Police response time", unit="minutes", display_format="clock", direction="lower")
    response = _post(client, measure, [{"fiscal_year": "2026", "value": "5:30"}])
    assert response.status_code == 302, _mistakes(response)
    assert MeasureTarget.objects.get(measure=measure).value == D(330)  # seconds

    response = _post(client, measure, [{"fiscal_year": "2026", "value": "5"}])
    assert response.status_code == 302, _mistakes(response)
    assert MeasureTarget.objects.get(measure=measure).value == D(300)  # five minutes, not five seconds


def test_the_target_is_shown_as_the_values_are_written_not_in_the_stored_unit(client, city_admin, make_measure):
    police = make_measure(
        name="Police response time", unit="minutes", display_format="clock", direction="lower", target="300"
    )
    potholes = make_measure(name="Median days to close a pothole", unit="days", direction="lower", target="259200")
    inspected = make_measure(name="Inspected in 5 days", unit="percent", target="75")

    assert _shown(client.get(_page(police)).content.decode()) == "5:00"
    assert _shown(client.get(_page(potholes)).content.decode()) == "3"
    assert _shown(client.get(_page(inspected)).content.decode()) == "75"
    page = client.get(_page(police), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert _shown(page) == "5:00"
    assert "300.0000" not in page  # nor in the row's own title
    assert "Como se escriben los valores de la medida: 5:00 o 5 para cinco minutos" in page


def test_a_page_sent_back_unchanged_keeps_a_target_a_minute_does_not_divide_evenly(client, city_admin, make_measure):
    fire = make_measure(name="Fire response time", unit="minutes", direction="lower", target="380")
    shown = _shown(client.get(_page(fire)).content.decode())
    assert shown == "6.3333"
    response = _post(client, fire, [{"fiscal_year": "2018", "value": shown}])
    assert response.status_code == 302, _mistakes(response)
    assert MeasureTarget.objects.get(measure=fire).value == D(380)


def test_a_target_that_is_not_a_number_is_said_in_the_readers_language_and_kept(client, city_admin, make_measure):
    measure = make_measure(name="Police response time", unit="minutes", display_format="clock", direction="lower")
    response = _post(client, measure, [{"fiscal_year": "2026", "value": "five"}], HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    page = response.content.decode()
    with translation.override("es"):
        assert "“five” no es un número" in page, page
    assert _shown(page) == "five"
    assert not MeasureTarget.objects.filter(measure=measure).exists()


def test_a_response_times_tolerance_is_typed_and_shown_in_minutes_and_seconds_too(client, city_admin, make_measure):
    police = make_measure(
        name="Police response time", unit="minutes", display_format="clock", direction="lower", tolerance=D(30)
    )
    assert _shown(client.get(_page(police)).content.decode(), name="tolerance") == "0:30"
    spanish = client.get(_page(police), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "escrito como los valores (0:30 o 0.5 para medio minuto" in spanish
    unchanged = {"tolerance": "0:30"}
    assert _post(client, police, [], fields=unchanged).status_code == 302
    police.refresh_from_db()
    assert police.tolerance == D(30)

    response = _post(client, police, [], fields={"tolerance": "1"})
    assert response.status_code == 302, _mistakes(response)
    police.refresh_from_db()
    assert police.tolerance == D(60)  # a minute, not a second

    response = _post(client, police, [], fields={"tolerance": "10", "tolerance_kind": "percent"})
    assert response.status_code == 302, _mistakes(response)
    police.refresh_from_db()
    assert (police.tolerance_kind, police.tolerance) == ("percent", D(10))
