"""Enter on the report form sends the resident's own report, even when "Is this yours?" lists
open reports nearby (their "Follow … instead" buttons sit before "Send the report"), with and
without JavaScript; following one stays a click of its own, and says what was not sent."""

from __future__ import annotations

import pytest

from civicdesk.cases import services
from civicdesk.cases.models import ServiceRequest
from civicdesk.notifications.models import CaseFollower
from tests.browser.conftest import open_page
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LAT, LNG = INSIDE["independence"]


def _open_graffiti_nearby(catalogue):
    graffiti = catalogue["independence"]["graffiti"]
    case = services.case_create(
        service_type=graffiti, lat=LAT + 0.0005, lng=LNG, description="Tags on the wall", attributes={}
    )
    return graffiti, case


def _fill_in(page):
    page.fill("#id_description", "Fresh tags on the bus shelter")
    page.fill("#id_reporter_name", "Enid Enter")
    page.fill("#id_reporter_email", "enid@example.org")


def _pin_with_the_keyboard(page, graffiti):
    page.goto(f"/independence/report/?service_type={graffiti.pk}&lat={LAT}&lng={LNG}")
    page.wait_for_selector("#report-map .leaflet-limits-pane path", state="attached")
    page.focus("#report-map")
    page.keyboard.press("Enter")  # the pin in the middle of the map, where the form put it
    page.wait_for_selector("#nearby .nearby-list")


def test_enter_in_a_field_sends_the_residents_report_while_nearby_reports_are_listed(page, catalogue):
    graffiti, nearby = _open_graffiti_nearby(catalogue)
    _pin_with_the_keyboard(page, graffiti)
    assert page.is_visible(f"text=Follow {nearby.reference} instead")
    _fill_in(page)
    page.press("#id_reporter_email", "Enter")

    page.wait_for_url("**/report/sent/**")
    mine = ServiceRequest.objects.exclude(pk=nearby.pk).get()
    assert (mine.description, mine.reporter_email) == ("Fresh tags on the bus shelter", "enid@example.org")
    assert not CaseFollower.objects.exists()
    assert page.errors == []


def test_without_javascript_enter_after_the_nearby_check_sends_the_report(new_context, catalogue):
    graffiti, nearby = _open_graffiti_nearby(catalogue)
    page = open_page(new_context(java_script_enabled=False))
    page.goto(f"/independence/report/?service_type={graffiti.pk}&lat={LAT}&lng={LNG}")
    _fill_in(page)
    page.press("#id_reporter_name", "Enter")
    # The server shows "Is this yours?" once before filing, with everything typed kept.
    page.wait_for_selector("#nearby .nearby-list")
    assert ServiceRequest.objects.count() == 1
    page.press("#id_reporter_email", "Enter")

    page.wait_for_url("**/report/sent/**")
    mine = ServiceRequest.objects.exclude(pk=nearby.pk).get()
    assert mine.description == "Fresh tags on the bus shelter"
    assert not CaseFollower.objects.exists()


def test_following_a_nearby_report_is_its_own_click_and_says_the_description_was_not_sent(page, catalogue):
    graffiti, nearby = _open_graffiti_nearby(catalogue)
    _pin_with_the_keyboard(page, graffiti)
    assert "your description and photos are not sent" in page.inner_text("#nearby")
    _fill_in(page)
    page.fill("#id_follow_email", "enid@example.org")
    page.click(f"text=Follow {nearby.reference} instead")

    page.wait_for_url(f"**/independence/requests/{nearby.number}/")
    assert ServiceRequest.objects.count() == 1
    assert CaseFollower.objects.get(case=nearby).email == "enid@example.org"
    said = page.inner_text(".messages")
    assert f"We will email enid@example.org when {nearby.reference} is updated" in said
    assert "Your own report was not sent: the description and photos you gave were not kept." in said
    assert page.errors == []
