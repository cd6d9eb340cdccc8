"""A report sent back says every mistake at once: a missing pin (or place) is said with a
wrong email address or an unanswered question, not only once those are put right. Before, a
resident who fixed their email address was sent back a second time, for the pin."""

from __future__ import annotations

import re

import pytest

from civicdesk.cases.models import ServiceRequest
from tests.portal.conftest import report_data

pytestmark = pytest.mark.django_db

EVERY_CITY_PIN = (
    "Place a pin on the map or use your location, so we know which city the problem is in. "
    "To give an address only, report from your city&#x27;s page."
)
CITY_PLACE = "Place a pin on the map, use your location, or type the address."


def _summary(html: str) -> list[str]:
    """The messages of the list at the top of the form, in order."""
    box = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert box, "no list of mistakes at the top of the form"
    return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li>(.*?)</li>", box.group(0), re.S)]


def test_the_form_for_every_city_says_the_missing_pin_with_a_wrong_email_address(client, catalogue):
    pothole = catalogue["independence"]["pothole"]
    page = client.post("/report/", report_data(pothole, lat="", lng="", reporter_email="rita@"))
    html = page.content.decode()
    assert page.status_code == 400 and ServiceRequest.objects.count() == 0
    assert 'id="id_reporter_email_error"' in html
    assert f'<p class="error" id="id_lat_error">{EVERY_CITY_PIN}' in html
    summary = _summary(html)
    assert len(summary) == 2
    assert any(line.startswith("Your email:") for line in summary)
    assert any(line.startswith("Place a pin on the map or use your location") for line in summary)
    # What was typed is kept.
    assert "A deep hole in the right lane</textarea>" in html and 'value="rita@"' in html


def test_a_citys_form_says_the_missing_place_with_an_unanswered_question_and_in_spanish(client, catalogue):
    pothole = catalogue["independence"]["pothole"]
    data = report_data(pothole, lat="", lng="", address="", attr_size="")
    html = client.post("/independence/report/", data).content.decode()
    assert 'id="id_attr_size_error"' in html and f'id="id_lat_error">{CITY_PLACE}' in html
    spanish = client.post("/independence/report/", data, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert 'id="id_lat_error">Ponga un marcador en el mapa, use su ubicación o escriba la dirección.' in spanish
    assert ServiceRequest.objects.count() == 0


def test_a_place_given_or_not_needed_adds_no_mistake(client, catalogue):
    pothole = catalogue["independence"]["pothole"]
    # An address on a city's form is a place; only the email is wrong.
    html = client.post(
        "/independence/report/", report_data(pothole, lat="", lng="", address="223 N Memorial Dr", reporter_email="x@")
    ).content.decode()
    assert 'id="id_reporter_email_error"' in html and 'id="id_lat_error"' not in html
    # A pin the form cannot read says its own error, once.
    html = client.post("/report/", report_data(pothole, lat="north", reporter_email="x@")).content.decode()
    assert html.count('id="id_lat_error"') == 1 and "Place a pin on the map or use" not in html
    # A confidential report needs no place.
    secret = catalogue["independence"]["abuse"]
    html = client.post(
        "/report/", report_data(secret, lat="", lng="", attr_size=None, reporter_email="x@")
    ).content.decode()
    assert 'id="id_reporter_email_error"' in html and 'id="id_lat_error"' not in html
    assert ServiceRequest.objects.count() == 0


def test_the_offline_queue_gets_the_missing_pin_with_the_other_mistakes(client, catalogue):
    pothole = catalogue["independence"]["pothole"]
    answer = client.post(
        "/report/", report_data(pothole, lat="", lng="", reporter_email="rita@"), HTTP_ACCEPT="application/json"
    )
    assert answer.status_code == 400
    errors = answer.json()["errors"]
    assert set(errors) == {"reporter_email", "lat"}
    assert errors["lat"][0].startswith("Place a pin on the map or use your location")
