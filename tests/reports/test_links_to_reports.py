"""The reports and the dashboard can be found: the console's Reports page for those who answer
for the figures, and links on each city's public pages (rv3 #2)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from civicdesk.accounts.models import Role
from civicdesk.tenants.models import City

pytestmark = pytest.mark.django_db


def links(html: str) -> list[str]:
    return re.findall(r'<a [^>]*href="([^"#]+)"', html)


def nav_of(html: str) -> str:
    found = re.search(r'<nav class="console-nav[ "].*?</nav>', html, re.S)
    assert found is not None
    return found.group(0)


def footer_of(html: str) -> str:
    found = re.search(r'<footer class="site-footer">.*?</footer>', html, re.S)
    assert found is not None
    return found.group(0)


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.CITY_ADMIN])
def test_a_supervisor_or_a_city_administrator_has_reports_in_the_console_menu(
    client: Any, independence: City, make_staff: Any, role: str
) -> None:
    client.force_login(make_staff(independence, role))
    home = client.get("/console/", follow=True)
    assert "/console/reports/" in links(nav_of(home.content.decode()))

    page = client.get("/console/reports/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'aria-current="page">Reports</a>' in nav_of(html)
    targets = [
        "/independence/reports/service-requests/",
        "/independence/reports/operations/",
        "/independence/reports/overdue/",
        "/independence/performance/",
        "/performance/compare/",
    ]
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert [href for href in links(main) if href in targets] == targets
    for href in targets:
        assert client.get(href).status_code == 200, href


def test_a_regional_administrator_has_the_collaborative_reports_and_every_citys(
    client: Any, cities: dict[str, City], make_staff: Any
) -> None:
    client.force_login(make_staff(None, Role.REGIONAL_ADMIN))
    assert "/console/reports/" in links(nav_of(client.get("/console/region/").content.decode()))
    page = client.get("/console/reports/")
    assert page.status_code == 200
    found = links(page.content.decode())
    for href in ("/reports/service-requests/", "/reports/operations/", "/performance/compare/"):
        assert href in found
    for slug in cities:
        assert f"/{slug}/reports/service-requests/" in found
        assert f"/{slug}/performance/" in found
    for href in {h for h in found if "/reports/" in h or "/performance/" in h}:
        assert client.get(href).status_code == 200, href


@pytest.mark.parametrize("role", [Role.CALL_TAKER, Role.WORKER, Role.INVESTIGATOR])
def test_staff_who_work_cases_have_no_reports_entry(
    client: Any, independence: City, make_staff: Any, role: str
) -> None:
    # A supervisor's page first: the menu is kept per role, never served to another role.
    client.force_login(make_staff(independence, Role.SUPERVISOR))
    assert "/console/reports/" in links(nav_of(client.get("/console/overdue/").content.decode()))
    client.force_login(make_staff(independence, role))
    page = client.get("/console/overdue/")
    assert page.status_code == 200
    assert "/console/reports/" not in links(nav_of(page.content.decode()))
    assert client.get("/console/reports/").status_code == 403


def test_the_reports_page_asks_to_sign_in(client: Any, cities: dict[str, City]) -> None:
    page = client.get("/console/reports/")
    assert page.status_code == 302 and "/console/login/" in page["Location"]


def test_a_citys_public_pages_link_its_service_request_report_and_its_dashboard(
    client: Any, independence: City
) -> None:
    home = client.get("/independence/").content.decode()
    body = home.split("<main", 1)[1].split("</main>", 1)[0]
    for html in (body, footer_of(home)):
        found = links(html)
        assert "/independence/reports/service-requests/" in found
        assert "/independence/performance/" in found
    # Every public page of the city has them in its footer, and they open.
    for path in ("/independence/requests/", "/independence/reports/service-requests/", "/independence/performance/"):
        page = client.get(path)
        assert page.status_code == 200, path
        found = links(footer_of(page.content.decode()))
        assert "/independence/reports/service-requests/" in found, path
        assert "/independence/performance/" in found, path
    for href in ("/independence/reports/service-requests/", "/independence/performance/"):
        assert client.get(href).status_code == 200


def test_the_regions_public_pages_link_the_collaborative_report_and_the_comparison(
    client: Any, cities: dict[str, City]
) -> None:
    found = links(footer_of(client.get("/").content.decode()))
    assert "/reports/service-requests/" in found
    assert "/performance/compare/" in found
    # No city's own report on the region's pages.
    assert not any(href.startswith("/independence/") for href in found)
    for href in ("/reports/service-requests/", "/performance/compare/"):
        assert client.get(href).status_code == 200
