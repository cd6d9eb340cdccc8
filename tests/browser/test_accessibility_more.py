"""axe-core on the pages added since test_accessibility.py was written: the performance
dashboard (with its drill-down and the regional comparison), the operational reports, area
alerts, the confidential hotline, and the console's collaborative pages. Zero violations,
every page screenshotted into test-artifacts/screenshots/; and a short dashboard journey."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

import pytest

from civicdesk.accounts.models import Role
from civicdesk.cases.services import case_create
from civicdesk.cases.transfers import case_transfer
from civicdesk.catalog.services import agreement_accept, agreement_propose
from civicdesk.core import clock
from civicdesk.demo.performance import load_performance_demo
from civicdesk.notifications.confidential import confidential_access_issue
from civicdesk.notifications.services import subscription_create
from civicdesk.performance.models import Goal, Measure
from tests.browser.conftest import PHONE, axe_violations, open_page, screenshot, sign_in
from tests.conftest import INSIDE
from tests.performance.conftest import CaseBook

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CENTRAL = dt.timezone(dt.timedelta(hours=-5))  # Missouri in summer (CDT)
# Days each city took to close its potholes in August 2017 (FY2018 Q1, calendar 2017 Q3).
# Grandview's three are too few for the comparison's minimum; Lee's Summit reports none.
CLOSING_DAYS = {
    "independence": [1, 1, 2, 2, 3, 3, 4, 6, 8, 12],
    "raytown": [2, 3, 3, 4, 5, 5, 6, 7, 9, 10],
    "blue-springs": [1, 1, 1, 2, 2, 2, 3, 3, 4, 5],
    "grandview": [4, 6, 9],
}


def _in_august(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2017, 8, day, hour, tzinfo=CENTRAL)


@pytest.fixture
def performance(cities, make_service_type, make_staff) -> dict[str, Any]:
    """Independence's demo plan (seed 002/003: Goal Met and Goal Not Met values, computed
    measures with no data), potholes closed in August 2017 in four cities (one left open in
    Independence, so the drill-down has met, missed and undecided cases) and the regional
    comparison's common measures mapped onto them."""
    for slug, days in CLOSING_DAYS.items():
        city = cities[slug]
        pothole = make_service_type(city, "pothole", name="Pothole", target_days=3)
        book = CaseBook(city, make_staff(city, Role.SUPERVISOR))
        for n, took in enumerate(days):
            case = book.open(pothole, _in_august(1 + n))
            book.close(case, case.opened_at + dt.timedelta(days=took))
        if slug == "independence":
            book.open(pothole, _in_august(28))
    load_performance_demo(today=dt.date(2017, 11, 1))
    independence = cities["independence"]
    return {
        "street": Measure.objects.get(city=independence, computation="closed_within_target"),
        "growth": Goal.objects.get(plan_year__city=independence, plan_year__fiscal_year=2021, name="Growth"),
        "quality": Goal.objects.get(plan_year__city=independence, plan_year__fiscal_year=2021, name="Quality"),
    }


def _check(page: Any, url: str, name: str, found: dict[str, list[str]]) -> None:
    response = page.goto(url)
    page.wait_for_load_state("networkidle")  # maps drawn, htmx parts swapped in
    screenshot(page, name)
    assert response is not None and response.status < 400, f"{url} answered {response and response.status}"
    violations = axe_violations(page)
    # A page wider than the screen hides part of itself behind a sideways scroll.
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        violations.append(f"layout: the page is {overflow}px wider than the {page.viewport_size['width']}px screen")
    if violations:
        found[f"{name} ({url})"] = violations


def _report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{page}:\n  " + "\n  ".join(lines) for page, lines in found.items())


def test_the_performance_pages_pass_axe(new_context, performance):
    street = performance["street"]
    found: dict[str, list[str]] = {}
    page = open_page(new_context())
    for url, name in [
        ("/independence/performance/", "performance-dashboard"),
        (f"/independence/performance/?goal={performance['quality'].pk}&priority=1", "performance-dashboard-filtered"),
        (f"/independence/performance/measures/{street.pk}/2018-q1/cases/", "performance-measure-cases"),
        ("/raytown/performance/", "performance-no-plan"),
        ("/performance/compare/?period=2017-q3", "performance-compare"),
        ("/performance/compare/potholes-median-days/raytown/2017-q3/cases/", "performance-compare-cases"),
        ("/performance/compare/potholes-median-days/grandview/2017-q3/cases/", "performance-compare-too-few"),
    ]:
        _check(page, url, name, found)
    phone = open_page(new_context(viewport=PHONE))
    _check(phone, "/independence/performance/", "performance-dashboard-phone", found)
    _check(phone, "/performance/compare/?period=2017-q3", "performance-compare-phone", found)
    assert found == {}, _report(found)
    assert page.errors == [] and phone.errors == []


def test_the_dashboard_filters_by_goal_and_priority_and_its_exports_download(new_context, performance):
    page = open_page(new_context())
    page.goto("/independence/performance/")
    assert page.locator("h4", has_text="New jobs created").count() == 1
    assert page.locator("h4", has_text="Police Department response time").count() == 1

    page.select_option("#filter-goal", label="Growth")
    # A click that loads a page returns before the page is there (wait_for_load_state() would
    # answer for the page still shown).
    with page.expect_navigation():
        page.click(".perf-filters button[type=submit]")
    assert f"goal={performance['growth'].pk}" in page.url
    assert page.locator("h2", has_text="Growth").count() == 1
    assert page.locator("h4", has_text="New jobs created").count() == 1
    assert page.locator("h4", has_text="Police Department response time").count() == 0

    page.select_option("#filter-goal", label="All goals")
    page.check("#filter-priority")
    with page.expect_navigation():
        page.click(".perf-filters button[type=submit]")
    assert page.is_checked("#filter-priority")
    assert page.locator("h4", has_text="Police Department response time").count() >= 1  # Reduce crime
    assert page.locator("h4", has_text="New jobs created").count() == 0  # Growth has no top priority

    with page.expect_download() as downloading:
        page.click("text=Download CSV")
    rows = list(csv.DictReader(io.StringIO(downloading.value.path().read_text(encoding="utf-8"))))
    assert rows and all(r["top_priority"] == "yes" for r in rows)  # the filter goes with the export
    assert any(r["measure"].startswith("Police") and r["status"] == "Goal Not Met" for r in rows)

    # JSON opens in the browser (no download attribute); its text parses back.
    json_href = page.get_attribute("text=Download JSON", "href")
    answer = page.request.get(json_href)
    assert answer.ok and answer.headers["content-type"].startswith("application/json")
    data = json.loads(answer.text())
    assert data["plan"]["title"] == "Independence for All"
    assert not any(m["name"].startswith("New jobs") for m in data["measures"])
    assert page.errors == []


@pytest.fixture
def street_cases(catalogue, cities, make_staff) -> None:
    """Open and overdue potholes in two cities, for the operational reports; and Sam,
    an Independence supervisor, for the overdue list."""
    make_staff(cities["independence"], Role.SUPERVISOR, username="sam")
    for slug in ("independence", "raytown"):
        lat, lng = INSIDE[slug]
        for days_ago in (1, 3, 20, 40):
            case_create(
                service_type=catalogue[slug]["graffiti"],
                description="Paint on the bridge",
                lat=lat,
                lng=lng,
                opened_at=clock.now() - dt.timedelta(days=days_ago),
            )


def test_the_operational_reports_pass_axe(new_context, street_cases):
    found: dict[str, list[str]] = {}
    page = open_page(new_context())
    for url, name in [
        ("/independence/reports/operations/", "reports-operations"),
        ("/reports/operations/", "reports-operations-regional"),
    ]:
        _check(page, url, name, found)
    phone = open_page(new_context(viewport=PHONE))
    _check(phone, "/independence/reports/operations/", "reports-operations-phone", found)
    _check(phone, "/independence/alerts/", "alerts-phone", found)
    page.goto("/console/login/?next=/independence/reports/overdue/")
    sign_in(page, "sam")
    _check(page, "/independence/reports/overdue/", "reports-overdue", found)
    assert found == {}, _report(found)
    assert page.errors == [] and phone.errors == []


def test_alerts_and_the_confidential_pages_pass_axe(new_context, catalogue, cities):
    subscription = subscription_create(email="ann@example.org", city=cities["independence"])
    found: dict[str, list[str]] = {}
    page = open_page(new_context())
    for url, name in [
        ("/independence/alerts/", "alerts"),
        (f"/alerts/confirm/{subscription.confirm_token}/", "alerts-confirm"),
        (f"/alerts/unsubscribe/{subscription.unsubscribe_token}/", "alerts-unsubscribe"),
        ("/confidential/", "confidential-code-form"),
    ]:
        _check(page, url, name, found)

    # A code that is not one: the error shown beside the field.
    page.goto("/confidential/")
    page.fill("input[name=code]", "NOT-A-CODE")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    screenshot(page, "confidential-code-error")
    if violations := axe_violations(page):
        found["confidential-code-error"] = violations

    # The right code opens the report: what the reporter wrote, and a box to add more.
    lat, lng = INSIDE["independence"]
    secret = case_create(
        service_type=catalogue["independence"]["abuse"], description="My neighbour is left alone", lat=lat, lng=lng
    )
    code = confidential_access_issue(case=secret)
    page.goto("/confidential/")
    page.fill("input[name=code]", code)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "My neighbour is left alone" in page.inner_text("main")
    screenshot(page, "confidential-case")
    if violations := axe_violations(page):
        found["confidential-case"] = violations

    # The report form once a confidential type is chosen: the notice htmx swaps in.
    page.goto("/independence/report/")
    page.select_option("#id_service_type", label="Elder abuse")
    page.wait_for_load_state("networkidle")
    page.wait_for_selector("text=This report is confidential.")
    screenshot(page, "report-form-confidential")
    if violations := axe_violations(page):
        found["report-form-confidential"] = violations
    assert found == {}, _report(found)
    assert page.errors == []


@pytest.fixture
def collaborative(cities, make_department, make_service_type, make_staff) -> None:
    """A pothole sent from Independence to Raytown, waiting; an active shared-services
    agreement (Blue Springs' shelter takes Independence's strays) and a proposed one; a
    regional administrator."""
    independence, raytown, blue_springs = cities["independence"], cities["raytown"], cities["blue-springs"]
    admins = {
        city.slug: make_staff(city, Role.CITY_ADMIN, username=f"admin-{city.slug}")
        for city in (independence, raytown, blue_springs)
    }
    make_staff(None, Role.REGIONAL_ADMIN, username="regina")
    pothole = make_service_type(independence, "pothole", name="Pothole")
    make_service_type(raytown, "pothole", name="Pothole")
    lat, lng = INSIDE["independence"]
    case = case_create(service_type=pothole, lat=lat, lng=lng, description="Hole at the city line")
    case_transfer(case=case, actor=admins["independence"], to_city=raytown, reason="This road is Raytown's.")
    shelter = make_department(blue_springs, "Regional Animal Shelter")
    stray = make_service_type(independence, "stray-animal", name="Stray animal")
    active = agreement_propose(
        actor=admins["independence"],
        provider_department=shelter,
        service_types=[stray],
        starts_on=clock.now().date() - dt.timedelta(days=30),
        billing_note="$40 per case, invoiced quarterly",
    )
    agreement_accept(agreement=active, actor=admins["blue-springs"])
    case_create(service_type=stray, lat=lat, lng=lng, description="A loose dog")
    agreement_propose(
        actor=admins["independence"],
        provider_department=make_department(raytown, "Raytown Animal Control"),
        service_types=[make_service_type(independence, "dead-animal", name="Dead animal")],
        starts_on=clock.now().date() + dt.timedelta(days=10),
    )


def test_the_console_collaborative_pages_pass_axe(new_context, collaborative):
    from civicdesk.catalog.models import ServiceAgreement

    found: dict[str, list[str]] = {}
    active = ServiceAgreement.objects.filter(status="active").get()
    for username, pages in [
        ("admin-raytown", [("/console/transfers/", "console-transfers-incoming")]),
        (
            "admin-independence",
            [
                ("/console/transfers/", "console-transfers-outgoing"),
                ("/console/agreements/", "console-agreements"),
                (f"/console/agreements/{active.pk}/billing/", "console-agreement-billing"),
            ],
        ),
        ("regina", [("/console/region/", "console-region")]),
    ]:
        page = open_page(new_context())
        page.goto("/console/login/")
        sign_in(page, username)
        for url, name in pages:
            _check(page, url, name, found)
        assert page.errors == []
    assert found == {}, _report(found)
