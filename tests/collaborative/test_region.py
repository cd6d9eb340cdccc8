"""Regional administration: every city's figures side by side, never a resident's details."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils.html import escape

from civicdesk.accounts.models import Role
from civicdesk.cases import services
from civicdesk.catalog.models import ServiceType
from civicdesk.core import clock
from civicdesk.core.errors import PermissionDenied
from civicdesk.reports.region import region_overview
from civicdesk.tenants.models import City
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db


@pytest.fixture
def some_cases(pothole: dict[str, ServiceType]) -> None:
    def report(slug: str, **kw: Any) -> Any:
        lat, lng = INSIDE[slug]
        return services.case_create(
            service_type=pothole[slug],
            lat=lat,
            lng=lng,
            address="1200 Secret Lane",
            description="Hole",
            reporter_name="Rita Reporter",
            reporter_email="rita@example.org",
            **kw,
        )

    for _ in range(3):
        report("independence")
    # Opened long ago and still open: overdue, and not new this month.
    report("raytown", opened_at=clock.now() - dt.timedelta(days=60))
    report("raytown")


def test_the_overview_counts_each_citys_cases_and_names_no_resident(
    client: Any, cities: dict[str, City], some_cases: None, make_staff: Any
) -> None:
    regional = make_staff(None, Role.REGIONAL_ADMIN)
    rows = {row.slug: row for row in region_overview(user=regional)}
    assert set(rows) == set(cities)
    assert (rows["independence"].open, rows["independence"].new_this_month, rows["independence"].overdue) == (3, 3, 0)
    assert (rows["raytown"].open, rows["raytown"].new_this_month, rows["raytown"].overdue) == (2, 1, 1)
    assert rows["grandview"].open == 0

    client.force_login(regional)
    page = client.get("/console/region/")
    html = page.content.decode()
    assert page.status_code == 200
    for city in cities.values():
        assert escape(city.name) in html
    for detail in ("Rita Reporter", "rita@example.org", "1200 Secret Lane", "IND-1001"):
        assert detail not in html
    assert "/reports/service-requests/" in html
    # Aggregates only: no case of any city opens for them.
    assert client.get("/console/cases/independence/1001/").status_code == 404


def test_city_staff_do_not_see_the_regional_overview(client: Any, cities: dict[str, City], staff: Any) -> None:
    admin = staff("independence", Role.CITY_ADMIN)
    with pytest.raises(PermissionDenied):
        region_overview(user=admin)
    client.force_login(admin)
    assert client.get("/console/region/").status_code == 403
    assert "/console/region/" not in client.get("/console/").content.decode()


def test_open_cases_are_counted_from_the_tallies_through_closing_and_reopening(
    cities: dict[str, City], some_cases: None, make_staff: Any, staff: Any
) -> None:
    from civicdesk.cases.models import ServiceRequest

    regional = make_staff(None, Role.REGIONAL_ADMIN)
    supervisor = staff("independence", Role.SUPERVISOR)
    case = ServiceRequest.objects.filter(city__slug="independence").order_by("number").first()
    assert case is not None
    case = services.case_close(case=case, actor=supervisor, note="Filled")
    rows = {row.slug: row for row in region_overview(user=regional)}
    assert (rows["independence"].open, rows["independence"].new_this_month) == (2, 3)
    services.case_reopen(case=case, actor=supervisor, reason="Sinking again")
    rows = {row.slug: row for row in region_overview(user=regional)}
    assert (rows["independence"].open, rows["independence"].new_this_month) == (3, 3)
    # The tallies agree with the cases themselves.
    assert rows["raytown"].open == ServiceRequest.objects.filter(city__slug="raytown", closed_at__isnull=True).count()


def test_a_city_with_more_overdue_cases_than_the_cap_says_more_than(
    client: Any, cities: dict[str, City], some_cases: None, make_staff: Any, monkeypatch: Any
) -> None:
    from civicdesk.reports import region

    monkeypatch.setattr(region, "COUNT_CAP", 0)
    regional = make_staff(None, Role.REGIONAL_ADMIN)
    rows = {row.slug: row for row in region_overview(user=regional)}
    assert rows["raytown"].overdue_capped and not rows["independence"].overdue_capped
    client.force_login(regional)
    html = client.get("/console/region/").content.decode()
    assert "more than" in html


def test_a_regional_administrators_console_starts_at_the_region_and_offers_no_case_list(
    client: Any, cities: dict[str, City], some_cases: None, make_staff: Any
) -> None:
    regional = make_staff(None, Role.REGIONAL_ADMIN)
    client.force_login(regional)
    landing = client.get("/console/", follow=True)
    assert landing.redirect_chain[-1][0] == "/console/region/"
    nav = landing.content.decode().split('class="console-nav menu-part"')[1].split("</nav>")[0]
    for link in ("/console/new/", "/console/overdue/", "/console/likely-late/", "/console/not-placed/"):
        assert f'href="{link}"' not in nav
    assert 'href="/console/region/"' in nav
    # Reached by a bookmark, a list says who reads cases instead of "no case is overdue".
    for url in ("/console/overdue/", "/console/likely-late/", "/console/not-placed/"):
        page = client.get(url)
        html = page.content.decode()
        assert page.status_code == 200, url
        assert "Regional administrators see the region" in html and "cases are read by each city" in html, url
        assert "No case is overdue." not in html and "No open case is likely" not in html
    refused = client.get("/console/new/")
    assert refused.status_code == 403 and "/console/region/" in refused.content.decode()


def test_a_signed_in_person_refused_a_page_is_not_told_to_sign_in(client: Any, make_staff: Any) -> None:
    regional = make_staff(None, Role.REGIONAL_ADMIN, is_staff=True)
    client.force_login(regional)
    page = client.get("/admin/cases/servicerequest/")
    html = page.content.decode()
    assert page.status_code == 403
    assert "sign in first" not in html and f"You are signed in as {regional.username}" in html


def test_a_regional_administrator_refused_an_admin_list_is_shown_where_to_go_instead(
    client: Any, make_staff: Any
) -> None:
    regional = make_staff(None, Role.REGIONAL_ADMIN, is_staff=True)
    client.force_login(regional)
    page = client.get("/admin/cases/servicerequest/")
    html = page.content.decode()
    assert page.status_code == 403
    assert "this page is not open to your account" in html
    assert "Where you can go instead" in html
    assert 'href="/admin/"' in html and 'href="/console/region/"' in html
