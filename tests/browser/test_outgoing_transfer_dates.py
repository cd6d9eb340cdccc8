"""In Chromium, on a phone (360 px) and a desk (1280 px), in English and Spanish: Raytown's
staff, on Mountain time, read their city's requests under "Asked by your city" with when each
was asked and answered, on the clock of the city whose case it is now: a refused one on
Raytown's ("Asked Dec. 9, 2026 · answered Dec. 9, 2026"), one Independence took on
Independence's, said so; each line fits the screen, nothing scrolls sideways."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from civicdesk.accounts.models import Role
from civicdesk.cases import services, transfers
from civicdesk.cases.models import CaseTransfer
from civicdesk.core import clock
from tests.browser.conftest import DESKTOP, open_page, screenshot, sign_in
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MOUNTAIN = dt.timezone(dt.timedelta(hours=-7))
ASKED = dt.datetime(2026, 12, 9, 23, 40, tzinfo=MOUNTAIN)  # 12:40 a.m. on the 10th in Central time
DECIDED = dt.datetime(2026, 12, 9, 23, 50, tzinfo=MOUNTAIN)


@pytest.fixture
def asked(cities: dict[str, Any], catalogue: Any, make_staff: Any) -> dict[str, CaseTransfer]:
    raytown, independence = cities["raytown"], cities["independence"]
    raytown.timezone = "America/Denver"
    raytown.save(update_fields=["timezone"])
    boss = make_staff(raytown, Role.SUPERVISOR, username="ray")
    ida = make_staff(independence, Role.SUPERVISOR, username="ida")
    lat, lng = INSIDE["raytown"]
    made = {}
    for name in ("taken", "refused"):
        with clock.frozen_at(ASKED):
            case = services.case_create(
                service_type=catalogue["raytown"]["pothole"],
                lat=lat,
                lng=lng,
                description="Hole at the city line",
                attributes={"size": "large"},
            )
            transfers.case_transfer(case=case, actor=boss, to_city=independence, reason="Independence's road")
        made[name] = CaseTransfer.objects.get(case=case)
    with clock.frozen_at(DECIDED):
        transfers.case_transfer_accept(transfer=made["taken"], actor=ida)
        transfers.case_transfer_refuse(
            transfer=made["refused"], actor=ida, reason="Ours ends at the curb on the east side of the road"
        )
    return made


@pytest.mark.parametrize(
    ("language", "refused_says", "taken_says"),
    [
        (
            "en",
            "Asked Dec. 9, 2026 · answered Dec. 9, 2026",
            "Asked Dec. 10, 2026 (Independence time, CST) · answered Dec. 10, 2026 (Independence time, CST)",
        ),
        (
            "es",
            "Solicitado el 9 dic 2026 · respondido el 9 dic 2026",
            "Solicitado el 10 dic 2026 (hora de Independence, CST) · respondido el 10 dic 2026 (hora de Independence, CST)",
        ),
    ],
)
@pytest.mark.parametrize("viewport", [{"width": 360, "height": 780}, DESKTOP], ids=["360", "1280"])
def test_the_asking_city_reads_when_each_request_was_asked_and_answered(
    new_context: Any,
    asked: dict[str, CaseTransfer],
    viewport: dict[str, int],
    language: str,
    refused_says: str,
    taken_says: str,
) -> None:
    page = open_page(new_context(viewport=viewport, locale=language, extra_http_headers={"Accept-Language": language}))
    page.goto("/console/transfers/")
    sign_in(page, "ray")
    rows = page.locator("ul.outgoing-transfers > li")
    assert rows.count() == 2
    texts = {asked[k].from_reference: k for k in asked}
    for i in range(2):
        text = " ".join(rows.nth(i).inner_text().split())
        kind = texts[text.split(" ")[0]]
        assert text.endswith(refused_says if kind == "refused" else taken_says), text
        dates = rows.nth(i).locator(".transfer-dates")
        assert dates.evaluate("e => e.getBoundingClientRect().right") <= viewport["width"]
    screenshot(page, f"transfers-outgoing-dates-{language}-{viewport['width']}")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.errors == []
