"""In Chromium, on a phone (360 px) and a desk (1280 px): a resident has the alerts form open,
chooses a district and types their address; meanwhile the city retires that district. Sent,
the form says so in words beside the district ("… is no longer on the map of Independence
…"), keeps the address typed and what the alert is of, and offers only the current map's
districts. The browse page's district filter lists the retired one after the current ones,
under "Retired districts", and filters the reports by it."""

from __future__ import annotations

from typing import Any

import pytest

from civicdesk.cases import services as case_services
from civicdesk.notifications.models import AreaSubscription
from civicdesk.tenants import services as tenant_services
from civicdesk.tenants.models import District
from tests.browser.conftest import DESKTOP, open_page, screenshot
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def first(cities: dict[str, Any], catalogue: Any) -> dict[str, Any]:
    """Independence's first district, and a report filed in it."""
    independence = cities["independence"]
    lat, lng = INSIDE["independence"]
    case = case_services.case_create(
        service_type=catalogue["independence"]["graffiti"], lat=lat, lng=lng, description="Tags", address="1 Truman Rd"
    )
    assert case.district is not None
    return {"district": case.district, "case": case, "city": independence}


@pytest.mark.parametrize("viewport", [{"width": 360, "height": 780}, DESKTOP], ids=["360", "1280"])
def test_a_district_retired_while_the_form_is_open_is_refused_in_words_and_the_rest_kept(
    new_context: Any, first: dict[str, Any], viewport: dict[str, int]
) -> None:
    page = open_page(new_context(viewport=viewport))
    page.goto("/independence/alerts/")
    page.fill("#id_email", "ann@example.org")
    page.select_option("#id_on", "both")
    page.check("input[name=area][value=district]")
    page.select_option("#id_district", str(first["district"].pk))
    gone = tenant_services.district_retire(district=first["district"], on=tenant_services.city_today(first["city"]))
    # Until the form sent back is there (wait_for_load_state() would answer for the page still shown).
    with page.expect_navigation():
        page.click("#alert-form button[type=submit]")
    error = page.locator("#id_district_error")
    assert (
        f"“{gone.name}” is no longer on the map of Independence (retired on {gone.retired_on.isoformat()}): "
        "choose one of its current districts."
    ) in error.inner_text()
    assert page.input_value("#id_email") == "ann@example.org" and page.input_value("#id_on") == "both"
    assert page.is_checked("input[name=area][value=district]")
    offered = page.locator("#id_district option").all_inner_texts()
    assert gone.name not in offered and "map until" not in " ".join(offered)
    assert error.evaluate("e => e.getBoundingClientRect().right") <= viewport["width"]
    screenshot(page, f"alerts-retired-district-refused-{viewport['width']}")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert not AreaSubscription.objects.exists()
    assert page.errors == []


@pytest.mark.parametrize("viewport", [{"width": 360, "height": 780}, DESKTOP], ids=["360", "1280"])
def test_the_browse_filter_lists_a_retired_district_after_the_current_ones(
    new_context: Any, first: dict[str, Any], viewport: dict[str, int]
) -> None:
    gone = tenant_services.district_retire(district=first["district"], on=tenant_services.city_today(first["city"]))
    current = list(District.objects.filter(city=first["city"], retired_on__isnull=True).order_by("number", "name"))
    page = open_page(new_context(viewport=viewport))
    page.goto("/independence/requests/")
    labels = page.locator("#f-district > option").all_inner_texts()
    assert labels == ["All districts", *[d.name for d in current]]
    group = page.locator("#f-district > optgroup")
    assert group.get_attribute("label") == "Retired districts"
    assert group.locator("option").all_inner_texts() == [gone.name]
    page.select_option("#f-district", str(gone.pk))
    with page.expect_navigation():
        page.locator("#f-district").evaluate("e => e.form.requestSubmit()")
    assert first["case"].reference in page.inner_text("main")
    screenshot(page, f"browse-retired-district-filter-{viewport['width']}")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.errors == []
