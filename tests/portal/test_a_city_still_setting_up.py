"""A member city that has not imported its catalog yet (no active problem type) says so on its
report page and its home, with its phone and email, instead of a form whose list of problems is
empty: a resident who filled in the form would have had nothing to choose."""

from __future__ import annotations

from typing import Any

import pytest

from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from tests.portal.conftest import report_data

pytestmark = pytest.mark.django_db


def _setting_up(city: Any, *, phone: str = "816-252-4400", email: str = "311@city.test") -> Any:
    city.phone, city.email = phone, email
    city.save()
    return city


def test_the_report_page_of_a_city_without_types_gives_its_phone_and_email_and_no_form(client, independence):
    _setting_up(independence)
    page = client.get("/independence/report/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Independence does not take reports online yet" in html
    assert '<a href="tel:816-252-4400">816-252-4400</a>' in html
    assert '<a href="mailto:311@city.test">311@city.test</a>' in html
    assert 'id="report-form"' not in html and 'name="service_type"' not in html


def test_the_city_home_says_so_in_place_of_the_report_button(client, independence, make_service_type):
    _setting_up(independence, email="")
    html = client.get("/independence/").content.decode()
    assert "Independence does not take reports online yet" in html
    assert 'href="/independence/report/"' not in html.split("<main", 1)[1]
    assert "mailto:" not in html

    make_service_type(independence, "pothole", name="Pothole")
    html = client.get("/independence/?again").content.decode()
    assert "does not take reports online yet" not in html
    assert 'class="button big" href="/independence/report/"' in html


def test_a_retired_catalog_is_a_city_not_taking_reports_and_the_triage_type_does_not_count(
    client, independence, make_service_type, settings
):
    make_service_type(independence, "pothole", name="Pothole", active=False)
    make_service_type(independence, settings.INTAKE_TRIAGE_SERVICE_CODE, name="Needs triage")
    _setting_up(independence, phone="", email="")
    html = client.get("/independence/report/").content.decode()
    assert "Independence does not take reports online yet" in html
    assert "Please come back soon." in html


def test_a_report_sent_to_it_is_refused_in_words_and_nothing_is_filed(client, independence, trash):
    other = _setting_up(independence)
    ServiceType.objects.filter(city=other).update(active=False)
    answer = client.post("/independence/report/", report_data(trash))
    assert answer.status_code == 400
    assert "Independence does not take reports online yet" in answer.content.decode()
    queued = client.post(
        "/independence/report/",
        report_data(trash),
        headers={"Accept": "application/json"},
    )
    assert queued.status_code == 400
    assert queued.json() == {"errors": {"service_type": ["Independence does not take reports online yet."]}}
    assert not ServiceRequest.objects.filter(city=independence).exists()


def test_the_spanish_page_says_it_in_spanish(client, independence):
    _setting_up(independence)
    html = client.get("/independence/report/", headers={"Accept-Language": "es"}).content.decode()
    assert "Independence todavía no recibe reportes en línea" in html
    assert "llame al" in html
