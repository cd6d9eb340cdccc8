"""axe-core on every public page and the console's main pages: zero violations. Each page is
also screenshotted (test-artifacts/screenshots/), so a broken layout can be seen."""

from __future__ import annotations

import io

import pytest

from civicdesk.accounts.models import Role
from civicdesk.cases.models import Channel, ServiceRequest
from civicdesk.cases.services import case_add_note, case_add_photo, case_assign, case_create
from civicdesk.notifications.services import case_follow
from civicdesk.opendata.services import open_data_export_all
from tests.browser.conftest import PHONE, axe_violations, open_page, screenshot, sign_in
from tests.cases.images import halves
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def reported(catalogue, independence, make_staff) -> ServiceRequest:
    """A pothole reported on the web, with a photo, assigned, with a public and an internal note."""
    lat, lng = INSIDE["independence"]
    case = case_create(
        service_type=catalogue["independence"]["pothole"],
        description="A deep hole in the right lane",
        lat=lat,
        lng=lng,
        address="200 N Main St",
        channel=Channel.WEB,
        attributes={"size": "large"},
        reporter_name="Rita Reporter",
        reporter_email="rita@example.org",
    )
    worker = make_staff(independence, Role.SUPERVISOR, department=case.department, username="sam")
    photo = io.BytesIO()
    halves(120, 90).save(photo, format="JPEG")
    photo.seek(0)
    case_add_photo(case=case, actor=worker, upload=photo, filename="hole.jpg")
    case_assign(case=case, actor=worker, assignee=worker)
    case_add_note(case=case, actor=worker, text="Crew booked", public=False)
    case_add_note(case=case, actor=worker, text="We will fill it this week", public=True)
    return case


def _check(page, url: str, name: str, found: dict[str, list[str]]) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")  # maps drawn, htmx parts swapped in
    screenshot(page, name)
    violations = axe_violations(page)
    if violations:
        found[f"{name} ({url})"] = violations


def _report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{page}:\n  " + "\n  ".join(lines) for page, lines in found.items())


def test_every_public_page_passes_axe(new_context, cities, reported):
    follower = case_follow(case=reported, email="neighbour@example.org")
    # The open-data pages with their files listed (and one scope without: "not generated yet").
    open_data_export_all(cities=[cities["independence"]])
    page = open_page(new_context())
    found: dict[str, list[str]] = {}
    pages = [
        ("/", "home"),
        *[(f"/{slug}/", f"city-home-{slug}") for slug in cities],
        ("/report/", "report-form-regional"),
        ("/independence/report/", "report-form"),
        (f"/report/sent/{reported.tracking_token}/", "confirmation"),
        (f"/track/{reported.tracking_token}/", "tracking"),
        (f"/independence/requests/{reported.number}/", "public-case"),
        ("/independence/requests/", "browse"),
        (f"/unsubscribe/{follower.unsubscribe_token}/", "unsubscribe"),
        ("/independence/reports/service-requests/", "service-request-report"),
        ("/reports/service-requests/", "service-request-report-regional"),
        ("/independence/open-data/", "open-data"),
        ("/raytown/open-data/", "open-data-not-generated"),
        ("/open-data/", "open-data-regional"),
        ("/console/login/", "console-login"),
    ]
    for url, name in pages:
        _check(page, url, name, found)
    assert found == {}, _report(found)
    assert page.errors == []


def test_the_report_form_passes_axe_with_its_questions_and_the_nearby_reports_shown(new_context, reported):
    """The parts htmx swaps in: the type's questions and "is this yours?" for a pin (from the
    device's location) a few metres from an open report."""
    lat, lng = INSIDE["independence"]
    context = new_context(geolocation={"latitude": lat, "longitude": lng + 0.0003}, permissions=["geolocation"])
    page = open_page(context)
    page.goto("/independence/report/")
    page.select_option("#id_service_type", label="Pothole")
    page.wait_for_selector("select[name=attr_size]")
    page.click("#use-location")
    page.wait_for_selector("#nearby .nearby")
    assert reported.reference in page.inner_text("#nearby")
    page.wait_for_load_state("networkidle")
    screenshot(page, "report-form-with-questions-and-nearby")
    assert axe_violations(page) == []
    assert page.errors == []


def test_the_spanish_pages_and_the_phone_layout_pass_axe(new_context, reported):
    found: dict[str, list[str]] = {}
    spanish = new_context(extra_http_headers={"Accept-Language": "es"})
    page = open_page(spanish)
    _check(page, "/", "home-es", found)
    assert page.get_attribute("html", "lang") == "es"
    _check(page, "/independence/report/", "report-form-es", found)
    phone = open_page(new_context(viewport=PHONE))
    for url, name in [
        ("/", "home-phone"),
        ("/independence/report/", "report-form-phone"),
        ("/independence/requests/", "browse-phone"),
    ]:
        _check(phone, url, name, found)
    assert found == {}, _report(found)
    assert page.errors == [] and phone.errors == []


def test_the_console_pages_pass_axe(new_context, reported):
    page = open_page(new_context())
    page.goto("/console/login/")
    sign_in(page, "sam")
    found: dict[str, list[str]] = {}
    for url, name in [
        ("/console/?queue=all", "console-queue"),
        (f"/console/cases/independence/{reported.number}/", "console-case"),
        ("/console/new/", "console-new-case"),
        ("/console/overdue/", "console-overdue"),
    ]:
        _check(page, url, name, found)
    assert found == {}, _report(found)
    assert page.errors == []
