"""The pages on a 360-px phone and a 1280-px desk: nothing wider than the screen (no sideways
scrolling), each chart shown at the size it was drawn (its text 11–12 px, never squeezed to
5 px nor stretched to 30), no chart label over another in the browser's own fonts, and the
column a table is about in view on a phone, with a shadow at the edge of a table that scrolls.
Screenshots in test-artifacts/screenshots/ (narrow-…-360, narrow-…-1280)."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import pytest

from civicdesk.accounts.models import Role
from civicdesk.cases.models import ServiceRequest
from civicdesk.cases.services import case_close, case_create
from civicdesk.core import clock, svgchart
from civicdesk.reports import charts
from civicdesk.tenants.models import City, District
from tests.browser.conftest import DESKTOP, open_page, screenshot, sign_in
from tests.browser.test_accessibility_more import performance, street_cases  # noqa: F401  (the same cases)
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE_360 = {"width": 360, "height": 780}
SCREENS = [("360", PHONE_360), ("1280", DESKTOP)]

# Every <text> of the SVG on the page as the four corners of its box in the browser's fonts
# (rotated labels too), then any two that overlap (by the separating axis test for convex
# quadrilaterals, half a pixel of leeway) and any that leave the drawing.
TEXT_CLASHES = """() => {
  const svg = document.querySelector('svg');
  const width = svg.width.baseVal.value, height = svg.height.baseVal.value;
  const boxes = [...svg.querySelectorAll('text')].map(t => {
    const b = t.getBBox(), m = t.getCTM();
    const at = (x, y) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f];
    return {text: t.textContent,
            q: [at(b.x, b.y), at(b.x + b.width, b.y), at(b.x + b.width, b.y + b.height), at(b.x, b.y + b.height)]};
  });
  const normals = q => [0, 1].map(i => [q[i][1] - q[i + 1][1], q[i + 1][0] - q[i][0]]);
  const apart = (p, q) => [...normals(p), ...normals(q)].some(n => {
    const length = Math.hypot(n[0], n[1]) || 1;
    const on = box => box.map(([x, y]) => (x * n[0] + y * n[1]) / length);
    const a = on(p), b = on(q);
    return Math.min(...b) - Math.max(...a) >= -0.5 || Math.min(...a) - Math.max(...b) >= -0.5;
  });
  const found = [];
  boxes.forEach((box, i) => {
    boxes.slice(i + 1).forEach(other => { if (!apart(box.q, other.q)) found.push(`"${box.text}" over "${other.text}"`); });
    if (box.q.some(([x, y]) => x < -0.5 || y < -0.5 || x > width + 0.5 || y > height + 0.5))
      found.push(`"${box.text}" runs off the ${width}x${height} chart`);
  });
  return found;
}"""


def label_clashes(checker: Any, svg: str) -> list[str]:
    """The chart drawn alone on ``checker`` (a page of its own): which texts overlap or are cut."""
    checker.set_content(f'<!doctype html><html><body style="margin:0">{svg}</body></html>')
    return list(checker.evaluate(TEXT_CLASHES))


def layout_problems(page: Any, checker: Any, name: str) -> list[str]:
    """What is wrong with the page as it is laid out now: sideways scrolling, a chart shown
    at another size than it was drawn, chart labels that overlap, a scrolling table with no
    shadow to say so."""
    width = page.viewport_size["width"]
    found = []
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width > width:
        wide = page.evaluate(
            """w => [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > w + 1
                 && !e.closest('.table-wrap, .map')).slice(0, 3).map(e => e.outerHTML.slice(0, 80))""",
            width,
        )
        found.append(f"{name}: the page is {scroll_width}px wide on a {width}px screen: {wide}")
    for shown, drawn, source in page.eval_on_selector_all(
        ".chart img", "imgs => imgs.map(i => [i.getBoundingClientRect().width, i.naturalWidth, i.currentSrc])"
    ):
        if abs(shown - drawn) > 1:
            found.append(f"{name}: a chart drawn {drawn}px wide is shown {shown:.0f}px wide")
        svg = base64.b64decode(source.split(",", 1)[1]).decode()
        found += [f"{name}: {clash}" for clash in label_clashes(checker, svg)]
    for overflows, background in page.eval_on_selector_all(
        ".table-wrap",
        "boxes => boxes.map(b => [b.scrollWidth > b.clientWidth, getComputedStyle(b).backgroundImage])",
    ):
        if overflows and "radial-gradient" not in background:
            found.append(f"{name}: a table scrolls sideways with no shadow at its edge")
    return found


def visible_in_its_box(page: Any, heading: str) -> bool:
    """Whether the column headed ``heading`` is wholly in view, inside its scrolling box."""
    return bool(
        page.evaluate(
            """text => {
              const th = [...document.querySelectorAll('th')].find(t => t.innerText.trim() === text);
              const box = th.closest('.table-wrap').getBoundingClientRect(), r = th.getBoundingClientRect();
              return r.left >= box.left && r.right <= box.right && r.right <= window.innerWidth;
            }""",
            heading,
        )
    )


def test_crowded_charts_keep_their_labels_apart_in_the_browsers_fonts(browser: Any) -> None:
    """Twelve quarters or months, a year of weeks, long department names in capitals: at a
    desk's width and a phone's, no text of a chart overlaps another or is cut at its edge."""
    quarters = [f"FY\u200a{2025 + i // 4} Q{i % 4 + 1}" for i in range(12)]
    months = [f"FY\u200a2027 {m} 2026" for m in ("Jul", "Aug", "Sep", "Oct", "Nov", "Dec")]
    departments = [
        "CD-NEIGHBORHOOD SERVICES",
        "MS-FACILITY MAINTENANCE",
        "Lighting Issue at City Facilities and Parking Lots",
        "WTR-CUSTOMER SERVICE",
        "No department assigned",
    ]
    drawn: dict[str, str] = {}
    for width in (charts.PHONE_WIDTH, 520, 640):
        for n in (1, 4, 6, 8, 12):
            drawn[f"{n} quarters at {width}"] = svgchart.columns_with_target(
                quarters[:n], [80.0] * n, [75.0] * n, axis_label="%", title="t", names=("Actual", "Target"), width=width
            )
        drawn[f"months at {width}"] = svgchart.columns_with_target(
            months, [3.5] * 6, [4.0] * 6, axis_label="minutes", title="t", names=("Real", "Meta"), width=width
        )
        for labels in ([f"{1 + i // 4:02d}/{1 + 7 * (i % 4):02d}" for i in range(n)] for n in (3, 13, 52)):
            drawn[f"{len(labels)} weeks at {width}"] = svgchart.paired_columns(
                labels, [1200] * len(labels), [900] * len(labels), names=("Abiertas", "Cerradas"),
                title="Por semana", axis_label="Solicitudes", width=width,
            )  # fmt: skip
        drawn[f"departments at {width}"] = svgchart.horizontal_bars(
            departments,
            [37.5, 20.0, 8.8, 0.3, 0.2],
            axis_label="Proporción de solicitudes nuevas (%)",
            decimals=1,
            suffix="%",
            highlight_last=True,
            reference=svgchart.Reference(8.8, "Mediana 8.8"),
            width=width,
            labels_above=width == charts.PHONE_WIDTH,
        )
    checker = browser.new_page()
    try:
        found = {name: clashes for name, svg in drawn.items() if (clashes := label_clashes(checker, svg))}
    finally:
        checker.close()
    assert found == {}


@pytest.fixture
def resident_pages(catalogue: Any, independence: Any, make_service_type: Any) -> dict[str, str]:
    """A report (its confirmation page carries the long tracking link) and a problem whose
    long name sets the width of the browse page's "Problem" list."""
    make_service_type(independence, "lighting", name="Lighting Issue at City Facilities and Parking Lots")
    lat, lng = INSIDE["independence"]
    case = case_create(
        service_type=catalogue["independence"]["pothole"],
        description="A deep hole",
        lat=lat,
        lng=lng,
        reporter_email="rita@example.org",
        attributes={"size": "large"},
    )
    return {
        "report-sent": f"/report/sent/{case.tracking_token}/",
        "browse": "/independence/requests/",
        "service-request-report": "/independence/reports/service-requests/",
    }


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_resident_pages_fit_a_phone_and_a_desk(
    new_context: Any, resident_pages: dict[str, str], language: str
) -> None:
    found: list[str] = []
    for size, viewport in SCREENS:
        context = new_context(viewport=viewport, extra_http_headers={"Accept-Language": language})
        page, checker = open_page(context), context.new_page()
        for name, url in resident_pages.items():
            page.goto(url)
            page.wait_for_load_state("networkidle")
            screenshot(page, f"narrow-{name}-{language}-{size}")
            found += layout_problems(page, checker, f"{name} ({language}, {size})")
        assert page.errors == []
    assert found == []


# Whether every city's "Compared with the median" cell of the comparison is wholly on the screen.
STANDINGS_IN_VIEW = """() => {
  const cells = [...document.querySelectorAll('td[data-label="Compared with the median"]')];
  return cells.length > 0 && cells.every(td => {
    const r = td.getBoundingClientRect();
    return r.width > 0 && r.left >= 0 && r.right <= window.innerWidth;
  });
}"""


def test_the_performance_pages_fit_with_readable_charts_and_the_comparison_in_view(
    new_context: Any,
    performance: Any,  # noqa: F811
) -> None:
    found: list[str] = []
    for size, viewport in SCREENS:
        context = new_context(viewport=viewport)
        page, checker = open_page(context), context.new_page()
        for name, url in [
            ("performance", "/independence/performance/"),
            ("compare", "/performance/compare/?period=2017-q3"),
        ]:
            page.goto(url)
            page.wait_for_load_state("networkidle")
            screenshot(page, f"narrow-{name}-{size}")
            found += layout_problems(page, checker, f"{name} ({size})")
        assert page.locator(".chart img").count() >= 1
        # On a phone the comparison's table shows how each city stands without scrolling: each
        # city a card, its standing after the column's name; on a desk, the column in view.
        if size == "360":
            assert page.evaluate(STANDINGS_IN_VIEW)
        else:
            assert visible_in_its_box(page, "Compared with the median"), size
        assert page.errors == []
    assert found == []


# Tablets, upright and across: the widths where two columns (chart beside table) squeezed a
# chart drawn for a desk to about nine tenths of its size, and its text with it.
CHART_TABLETS = [("820", {"width": 820, "height": 1180}), ("1000", {"width": 1000, "height": 800})]


def test_the_performance_charts_are_shown_at_their_drawn_size_on_a_tablet(
    new_context: Any,
    performance: Any,  # noqa: F811
) -> None:
    found: list[str] = []
    for size, viewport in CHART_TABLETS:
        context = new_context(viewport=viewport)
        page, checker = open_page(context), context.new_page()
        for name, url in [
            ("performance", "/independence/performance/"),
            ("compare", "/performance/compare/?period=2017-q3"),
        ]:
            page.goto(url)
            page.wait_for_load_state("networkidle")
            screenshot(page, f"tablet-{name}-{size}")
            shown = page.eval_on_selector_all(
                ".chart img", "imgs => imgs.map(i => [i.getBoundingClientRect().width, i.naturalWidth])"
            )
            assert shown, (name, size)
            for rendered, drawn in shown:
                if rendered / drawn < 0.98:
                    found.append(f"{name} ({size}): a chart drawn {drawn}px wide is shown {rendered:.0f}px wide")
            found += layout_problems(page, checker, f"{name} ({size})")
        assert page.errors == []
    assert found == []


@pytest.fixture
def long_named_worker(
    street_cases: Any,  # noqa: F811
    cities: Any,
    make_department: Any,
    make_service_type: Any,
    make_staff: Any,
) -> None:
    """Someone whose name and department make the longest choice of the bulk-assign list,
    and an overdue case of a type with a long name (a wide column before "Late by")."""
    independence = cities["independence"]
    neighborhood = make_department(independence, "CD-NEIGHBORHOOD SERVICES")
    worker = make_staff(
        independence,
        Role.WORKER,
        department=neighborhood,
        first_name="Maria-Guadalupe",
        last_name="Villanueva-Rodriguez",
    )
    lat, lng = INSIDE["independence"]
    proactive = make_service_type(
        independence, "ce-proactive", name="CE - Proactive Officer Investigation", department=neighborhood
    )
    case_create(
        service_type=proactive,
        description="Cars parked on the lawn",
        lat=lat,
        lng=lng,
        opened_at=clock.now() - dt.timedelta(days=60),
    )
    # One case closed in the period, so that the report draws its time-to-close charts too (with
    # nothing closed it says why instead of drawing them).
    done = case_create(
        service_type=proactive,
        description="Trailer on the street",
        lat=lat,
        lng=lng,
        opened_at=clock.now() - dt.timedelta(days=9),
    )
    case_close(case=done, actor=worker, note="The trailer was moved.")


# The first overdue case's lateness on a phone: wholly on the screen, and its column's name before it.
LATE_IN_ITS_CARD = """() => {
  const late = document.querySelector('table.cases > tbody > tr td.late'), r = late.getBoundingClientRect();
  return [r.left >= 0 && r.right <= document.documentElement.clientWidth, getComputedStyle(late, '::before').content];
}"""


def test_the_reports_and_the_console_fit_a_phone_and_overdue_shows_how_late(
    new_context: Any, long_named_worker: None
) -> None:
    found: list[str] = []
    for size, viewport in SCREENS:
        context = new_context(viewport=viewport)
        page, checker = open_page(context), context.new_page()
        page.goto("/independence/reports/operations/")
        page.wait_for_load_state("networkidle")
        screenshot(page, f"narrow-operations-{size}")
        found += layout_problems(page, checker, f"operations ({size})")
        assert page.locator(".chart img").count() == 7

        page.goto("/console/login/")
        sign_in(page, "sam")
        for queue in ("mine", "department", "unassigned", "overdue", "all"):
            page.goto(f"/console/?queue={queue}")
            found += layout_problems(page, checker, f"queue {queue} ({size})")
        screenshot(page, f"narrow-queue-all-{size}")
        page.goto("/console/overdue/")
        screenshot(page, f"narrow-overdue-{size}")
        found += layout_problems(page, checker, f"overdue ({size})")
        assert page.locator("#bulk-assignee option", has_text="Villanueva-Rodriguez").count() == 1
        if viewport == PHONE_360:
            # On a phone each overdue case is a card: how late it is, after its name, on the screen.
            assert page.evaluate(LATE_IN_ITS_CARD) == [True, '"Late by: "']
        else:
            assert visible_in_its_box(page, "Late by"), size
        assert page.errors == []
    assert found == []


def test_the_operational_report_on_a_phone_draws_its_trends_for_the_phone(
    new_context: Any,
    street_cases: Any,  # noqa: F811
) -> None:
    """Below 40rem the page picks the phone's drawing; above, the desk's (the <img> itself)."""
    for viewport, expected in ((PHONE_360, charts.PHONE_WIDTH), (DESKTOP, charts.SCREEN_WIDTH)):
        page = open_page(new_context(viewport=viewport))
        page.goto("/independence/reports/operations/")
        widths = page.eval_on_selector_all(".chart img", "imgs => imgs.map(i => i.naturalWidth)")
        assert widths and set(widths) == {expected}


TABLETS = [("768", {"width": 768, "height": 1024}), ("1024", {"width": 1024, "height": 768})]

# Each case reference of the page's case table that the browser laid out on more than one
# line ("IND-" above "3499").
WRAPPED_REFERENCES = """() => [...document.querySelectorAll('table.cases tbody td:nth-child(2) a')]
  .filter(a => a.getClientRects().length > 1 || a.getBoundingClientRect().height > 1.5 * parseFloat(getComputedStyle(a).lineHeight))
  .map(a => a.textContent)"""

# Each label of the bulk-assign box whose control starts on another line than the label.
LABELS_APART = """() => [...document.querySelectorAll('.bulk label[for]')].filter(label => {
  const l = label.getBoundingClientRect(), c = document.getElementById(label.htmlFor).getBoundingClientRect();
  const beside = l.top < c.bottom && c.top < l.bottom && l.right <= c.left + 1;
  const above = l.bottom <= c.top + 1 && Math.abs(l.left - c.left) <= 1;
  return !(beside || above);
}).map(label => label.textContent)"""


@pytest.fixture
def tablet_queue(long_named_worker: None, cities: Any, make_department: Any, make_service_type: Any) -> None:
    """A city's working queue as staff see it: four-digit case numbers, long type and
    department names, addresses, districts, some cases taken in hand."""
    independence = cities["independence"]
    City.objects.filter(pk=independence.pk).update(next_case_number=3458)
    lat, lng = INSIDE["independence"]
    district = District.objects.filter(city=independence).order_by("name").last()
    names = [
        ("Compliment or complaint about a city service", "MO-MANAGERS OFFICE"),
        ("Missed trash or recycling pickup", "MS-ENVIRONMENTAL"),
        ("Historic site or visitor information", "PRT-TOURISM"),
        ("Water leak or main break", "WTR-CUSTOMER SERVICE"),
    ]
    for i, (name, department) in enumerate(names * 3):
        case = case_create(
            service_type=make_service_type(
                independence, f"long-{i}", name=name, department=make_department(independence, department)
            ),
            description="Something to see to",
            lat=lat,
            lng=lng,
            opened_at=clock.now() - dt.timedelta(days=i),
        )
        ServiceRequest.objects.filter(pk=case.pk).update(
            address=f"{12526 + i} E Woodbury Dr", district=district, status="in_progress" if i % 3 else "new"
        )


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_console_queues_fit_a_tablet_with_the_due_date_in_view_and_whole_case_numbers(
    new_context: Any, tablet_queue: None, language: str
) -> None:
    """At 768 and 1024 px the queues need no sideways scrolling to reach the Due column, a
    case number stays on one line, and each label of the bulk-assign box sits with its list."""
    due, late_by = ("Due", "Late by") if language == "en" else ("Fecha límite", "Atraso")
    found: list[str] = []
    for size, viewport in TABLETS:
        context = new_context(viewport=viewport, extra_http_headers={"Accept-Language": language})
        page, checker = open_page(context), context.new_page()
        page.goto("/console/login/")
        sign_in(page, "sam")
        for queue in ("unassigned", "all", "overdue"):
            page.goto("/console/overdue/" if queue == "overdue" else f"/console/?queue={queue}")
            name = f"queue {queue} ({language}, {size})"
            screenshot(page, f"tablet-queue-{queue}-{language}-{size}")
            found += layout_problems(page, checker, name)
            for heading in (due, late_by) if queue == "overdue" else (due,):
                if not visible_in_its_box(page, heading):
                    found.append(f"{name}: the {heading} column is out of view")
            found += [f"{name}: {ref} is on two lines" for ref in page.evaluate(WRAPPED_REFERENCES)]
            found += [f"{name}: {label} is apart from its list" for label in page.evaluate(LABELS_APART)]
        assert page.errors == []
    assert found == [], "\n".join(found)


# Each case reference of the public lists (browse, a city's home) laid out on more than one line.
WRAPPED_PUBLIC_REFERENCES = """() => [...document.querySelectorAll('table tbody td.ref a')]
  .filter(a => a.getClientRects().length > 1 || a.getBoundingClientRect().height > 1.5 * parseFloat(getComputedStyle(a).lineHeight))
  .map(a => a.textContent)"""


def test_the_public_lists_keep_case_numbers_whole_on_a_phone_and_a_tablet(new_context: Any, tablet_queue: None) -> None:
    """The residents' lists of reports, with long type names and four-digit numbers: a
    reference stays on one line ("IND-" above "3470" at 768 px before), and the page still fits."""
    found: list[str] = []
    for size, viewport in [("360", PHONE_360), *TABLETS]:
        context = new_context(viewport=viewport)
        page, checker = open_page(context), context.new_page()
        for name, url in (("browse", "/independence/requests/"), ("city", "/independence/")):
            page.goto(url)
            screenshot(page, f"public-list-{name}-{size}")
            refs = page.evaluate("() => document.querySelectorAll('table tbody td.ref a').length")
            assert refs >= 5, f"{name} ({size}) lists {refs} cases"
            found += layout_problems(page, checker, f"{name} ({size})")
            found += [f"{name} ({size}): {ref} is on two lines" for ref in page.evaluate(WRAPPED_PUBLIC_REFERENCES)]
        assert page.errors == []
    assert found == [], "\n".join(found)


def test_a_case_with_a_long_reporter_email_fits_a_phone(
    new_context: Any, cities: Any, make_department: Any, make_service_type: Any, make_staff: Any
) -> None:
    """The Details table wraps a long email address instead of widening the case page."""
    independence = cities["independence"]
    neighborhood = make_department(independence, "CD-NEIGHBORHOOD SERVICES")
    make_staff(independence, Role.WORKER, department=neighborhood, username="nadia")
    lat, lng = INSIDE["independence"]
    case = case_create(
        service_type=make_service_type(independence, "ce-trash", name="CE - Trash and debris", department=neighborhood),
        description="Bags of trash by the curb",
        lat=lat,
        lng=lng,
        reporter_name="Michael Garcia",
        reporter_email="michael.garcia48.with.a.long.address@example.org",
    )
    context = new_context(viewport=PHONE_360)
    page, checker = open_page(context), context.new_page()
    page.goto(f"/console/cases/independence/{case.number}/")
    sign_in(page, "nadia")
    screenshot(page, "narrow-case-long-email-360")
    assert layout_problems(page, checker, "case (360)") == []
    assert page.evaluate("document.querySelector('table.details').getBoundingClientRect().right") <= 360
