"""The browse page's "Near" pager on a 360 px phone and a desktop: "Farther" and "Nearer" are
inside the screen, large enough to tap, and each opens the next or the previous 25 reports,
nearest first, the place and the filters kept in the address."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from civicdesk.cases.models import ServiceRequest
from civicdesk.cases.selectors import EARTH_RADIUS_M, cases_within
from tests.browser.conftest import open_page, screenshot
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser]

LAT, LNG = INSIDE["independence"]
M_PER_DEG = math.pi * EARTH_RADIUS_M / 180


def _reports(city: Any, service_type: Any, count: int) -> list[str]:
    """``count`` reports northwards of the point, 6 m apart; their references nearest first."""
    now = timezone.now()
    ServiceRequest.objects.bulk_create(
        ServiceRequest(
            city=city,
            number=90_000 + n,
            service_type=service_type,
            department_id=service_type.department_id,
            status="new",
            description="Near pager",
            address=f"{100 + n} Elm St",
            lat=LAT + 6 * n / M_PER_DEG,
            lng=LNG,
            opened_at=now,
            due_at=now,
            updated_at=now,
            tracking_token=f"near-pager-{n}",
        )
        for n in range(count)
    )
    cases = ServiceRequest.objects.filter(city=city, description="Near pager")
    return [c.reference for c in cases_within(cases, lat=LAT, lng=LNG, radius_m=402).order_by("distance_m", "pk")]


def _refs(page: Any) -> list[str]:
    return page.locator("table.reports td.ref a").all_inner_texts()


@pytest.mark.parametrize("width", [360, 1280])
def test_farther_and_nearer_are_on_screen_and_page_through_the_circle(new_context, catalogue, independence, width):
    whole = _reports(independence, catalogue["independence"]["pothole"], 60)
    page = open_page(new_context(viewport={"width": width, "height": 800}))
    page.goto(f"/independence/requests/?near={LAT:.6f},{LNG:.6f}&within=402&type=pothole")
    expect(page.get_by_role("status").filter(has_text="60 reports within")).to_be_visible()
    assert _refs(page) == whole[:25]
    farther = page.get_by_role("link", name="Farther", exact=True)
    expect(farther).to_be_visible()
    expect(page.get_by_role("link", name="Nearer", exact=True)).to_have_count(0)
    box = farther.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box
    assert box["height"] >= 24 and box["width"] >= 24, box  # a target a thumb can take (WCAG 2.5.8)
    farther.scroll_into_view_if_needed()
    screenshot(page, f"near-pager-{width}-first")

    farther.click()
    page.wait_for_url(re.compile(r"cursor="))
    expect(page.locator("table.reports td.ref a").first).to_have_text(whole[25])
    assert _refs(page) == whole[25:50]
    assert "type=pothole" in page.url and "within=402" in page.url
    nearer = page.get_by_role("link", name="Nearer", exact=True)
    expect(nearer).to_be_visible()
    box = nearer.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box
    nearer.scroll_into_view_if_needed()
    screenshot(page, f"near-pager-{width}-second")

    page.get_by_role("link", name="Farther", exact=True).click()
    expect(page.locator("table.reports td.ref a").first).to_have_text(whole[50])
    assert _refs(page) == whole[50:60]
    expect(page.get_by_role("link", name="Farther", exact=True)).to_have_count(0)

    page.get_by_role("link", name="Nearer", exact=True).click()
    expect(page.locator("table.reports td.ref a").first).to_have_text(whole[25])
    assert _refs(page) == whole[25:50]
    assert page.errors == []
