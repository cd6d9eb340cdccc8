"""The Service Request Report PDF, looked at as pictures: each page rendered to PNG
(poppler's ``pdftoppm``, into test-artifacts/report-pdf/ to open and look at), no page
near empty, the department table's total once, and three months of a city's report on a
page and a half, as seed 004's council report.

The figures are those of the demo's three months for Independence (seed 004's department
shares, districts and problems at the demo's volume): the layout depends on how many rows
each table has, not on which cases made them, so no database is needed to lay it out.
"""

from __future__ import annotations

import datetime as dt
import html
import logging.config
import re
import subprocess
import zoneinfo
from dataclasses import replace
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from PIL import Image

from civicdesk.demo.catalogue import INDEPENDENCE_DEPARTMENT_SHARES
from civicdesk.reports import exports
from civicdesk.reports.service_request_report import (
    DistrictRow,
    ServiceRequestReport,
    Share,
    TypeCount,
    largest_remainder_tenths,
)
from civicdesk.tenants.models import City
from tests.reports.conftest import FROM, TO, Month

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "report-pdf"
CENTRAL = zoneinfo.ZoneInfo("America/Chicago")
DPI = 50
FOOTER_INCHES = 0.55  # the page number line at the foot of every page
# A page whose content stops above this share of its height is "near empty": the old
# layout's first page (the title and the total alone) stopped at a fifth.
NEAR_EMPTY = 0.3
NO_DEPARTMENT = "No department assigned"

# Seed 004's districts and problems, for three months (its three weeks times 4.3).
FIRST_DAY, LAST_DAY = dt.date(2026, 1, 1), dt.date(2026, 3, 31)
SEED_DISTRICTS = {
    "No district assigned": (52, ["Lighting Issue at City Facilities", "Business Licensing Questions", "Tree Trim"]),
    "District 1": (1075, ["CE - Trash/Rubbish", "CE - Open Storage", "CE - Excessive Vegetation"]),
    "District 2": (443, ["CE - Trash/Rubbish", "CE - Excessive Vegetation", "CE - Proactive Officer Investigation"]),
    "District 3": (292, ["CE - Excessive Vegetation", "Basement Sewer Backup", "CE - Zoning"]),
    "District 4": (606, ["CE - Trash/Rubbish", "CE - Excessive Vegetation", "Basement Sewer Backup"]),
    "Others": (9, ["Sinkhole"]),
}
SEED_TOP = ["Trash/Rubbish", "Excessive Vegetation", "Open Storage", "Non-Operable Vehicle", "Proactive Officer Inv."]


def _report(
    city: City | None, departments: dict[str, int], districts: dict[str, tuple[int, list[str]]]
) -> ServiceRequestReport:
    total = sum(departments.values())
    tenths = largest_remainder_tenths(list(departments.values()))
    # Shown as seed 004 shows them: "No department assigned" first, then by name.
    shown = sorted(zip(departments.items(), tenths, strict=True), key=lambda r: (r[0][0] != NO_DEPARTMENT, r[0][0]))
    return ServiceRequestReport(
        city=city,
        date_from=FIRST_DAY,
        date_to=LAST_DAY,
        start=dt.datetime.combine(FIRST_DAY, dt.time.min, tzinfo=CENTRAL),
        end=dt.datetime.combine(LAST_DAY + dt.timedelta(days=1), dt.time.min, tzinfo=CENTRAL),
        total=total,
        departments=[Share(label, count, t) for (label, count), t in shown],
        top_types=[TypeCount(label, 440 - 60 * rank) for rank, label in enumerate(SEED_TOP)],
        districts=[
            DistrictRow(label, count, [TypeCount(t, count // (3 + i)) for i, t in enumerate(types)])
            for label, (count, types) in districts.items()
        ],
    )


def independence_three_months() -> ServiceRequestReport:
    """Independence's demo over three months: its 23 departments, six district rows."""
    total = 2477
    shares = sorted(
        ((label or "No department assigned", share) for label, share in INDEPENDENCE_DEPARTMENT_SHARES.items()),
        key=lambda item: (item[0] == "No department assigned", -item[1]),
    )
    departments = {label: max(1, round(total * share / 100)) for label, share in shares}
    return _report(City(name="Independence", slug="independence"), departments, SEED_DISTRICTS)


def collaborative_three_months() -> ServiceRequestReport:
    """Every member city at once: some sixty departments and twenty-odd districts, lists too
    long for one page."""
    cities = ["Independence", "Blue Springs", "Lee's Summit", "Raytown", "Grandview"]
    departments = {
        f"{c} — Department of Public Works {n}": 400 - 5 * n - i for i, c in enumerate(cities) for n in range(12)
    }
    departments["No department assigned"] = 6
    districts: dict[str, tuple[int, list[str]]] = {"No district assigned": (70, ["Tall grass and weeds", "Pothole"])}
    for c in cities:
        for n in range(1, 5):
            districts[f"{c} — District {n}"] = (300 - 20 * n, ["Trash and debris on a property", "Pothole", "Graffiti"])
    districts["Others"] = (3, ["Sinkhole"])
    return _report(None, departments, districts)


def pages_as_pictures(pdf: bytes, name: str) -> list[Path]:
    """Each page of the PDF as a PNG in test-artifacts/report-pdf/ (kept to look at)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    source = ARTIFACTS / f"{name}.pdf"
    source.write_bytes(pdf)
    try:
        subprocess.run(["pdftoppm", "-r", str(DPI), "-png", source, ARTIFACTS / name], check=True, timeout=120)
    except FileNotFoundError:  # pragma: no cover - a machine set up without scripts/bootstrap.sh
        pytest.fail("pdftoppm is missing: install poppler-utils (scripts/bootstrap.sh does)")
    return sorted(ARTIFACTS.glob(f"{name}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))


def filled_share(picture: Path) -> float:
    """How far down the page its content reaches, as a share of the page above the
    footer: 1.0 for a full page, 0.2 for a title and a line."""
    with Image.open(picture) as image:
        grey = image.convert("L")
    body = grey.crop((0, 0, grey.width, grey.height - int(FOOTER_INCHES * DPI)))
    ink = body.point(lambda value: 255 if value < 200 else 0)
    box = ink.getbbox()
    return 0.0 if box is None else box[3] / body.height


def department_total_rows(pdf_path: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-layout", pdf_path, "-"], check=True, capture_output=True, text=True, timeout=120
    ).stdout
    return re.findall(r"\bTotal\s+[\d,]+\s+100\.0%", text)


def test_three_months_of_a_city_print_on_a_page_and_a_half_with_no_empty_page_and_one_total() -> None:
    pictures = pages_as_pictures(exports.report_pdf(independence_three_months()), "independence-three-months")
    assert len(pictures) <= 2, f"{len(pictures)} pages; seed 004's report is a page and a half"
    for picture in pictures:
        assert filled_share(picture) >= NEAR_EMPTY, f"{picture.name} is near empty"
    # The first page carries the department chart and table, not just the title.
    assert filled_share(pictures[0]) > 0.8
    assert len(department_total_rows(ARTIFACTS / "independence-three-months.pdf")) == 1


def test_a_collaborative_report_runs_on_over_pages_without_a_near_empty_one_or_a_total_per_page() -> None:
    report = collaborative_three_months()
    assert len(report.departments) > exports.ROWS_BESIDE_CHART  # its tables run over pages
    pictures = pages_as_pictures(exports.report_pdf(report), "collaborative-three-months")
    assert 2 < len(pictures) <= 6
    for picture in pictures:
        assert filled_share(picture) >= NEAR_EMPTY, f"{picture.name} is near empty"
    assert len(department_total_rows(ARTIFACTS / "collaborative-three-months.pdf")) == 1


@pytest.mark.django_db
def test_the_pdf_command_prints_the_file_it_wrote_and_no_library_chatter(
    month: Month, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """With the site's own logging (the tests' settings keep logs quiet), WeasyPrint's
    rendering steps once printed fourteen INFO lines on the terminal."""
    from config import settings as site_settings

    out = tmp_path / "council.pdf"
    logging.config.dictConfig(site_settings.LOGGING)
    try:
        capfd.readouterr()
        call_command(
            "report",
            "service-requests",
            "--city",
            "independence",
            "--from",
            str(FROM),
            "--to",
            str(TO),
            "--output",
            str(out),
        )
        printed = capfd.readouterr()
        # Its warnings (a missing font, a bad image) still reach the log.
        warnings_shown = logging.getLogger("weasyprint").isEnabledFor(logging.WARNING)
    finally:
        logging.config.dictConfig(settings.LOGGING)
    assert out.read_bytes().startswith(b"%PDF-")
    assert printed.out == f"{out}\n"
    assert printed.err == ""
    assert warnings_shown


def raytown_three_weeks() -> ServiceRequestReport:
    """A small city's three weeks: six departments, five wards; its district table (27 rows)
    does not fit under the top five on page 1."""
    departments = {
        "Community Development – Codes": 76,
        "Public Works": 41,
        "Police Animal Control": 9,
        "Parks and Recreation": 5,
        "City Administrator's Office": 4,
        "No department assigned": 0,
    }
    districts: dict[str, tuple[int, list[str]]] = {
        "No district assigned": (4, ["Compliment or complaint about a city service", "Confidential reports"]),
        **{
            f"Ward {n}": (20 + n, ["Trash and debris on a property", "Pothole", "Tall grass and weeds"])
            for n in range(1, 6)
        },
        "Others": (0, []),
    }
    return _report(City(name="Raytown", slug="raytown"), departments, districts)


def page_words(pdf_path: Path) -> list[list[tuple[str, float]]]:
    """Each page's words with their height in points (poppler's ``pdftotext -bbox``)."""
    xhtml = subprocess.run(
        ["pdftotext", "-bbox", pdf_path, "-"], check=True, capture_output=True, text=True, timeout=120
    ).stdout
    pages = []
    for page in re.findall(r"<page .*?</page>", xhtml, flags=re.S):
        words = re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(.*?)</word>', page)
        pages.append([(html.unescape(text), float(y_max) - float(y_min)) for y_min, y_max, text in words])
    return pages


def page_text(pdf_path: Path) -> list[str]:
    return [" ".join(text for text, _ in words) for words in page_words(pdf_path)]


def chart_label_height(pdf_path: Path) -> float:
    """How tall the department chart's axis label "… (%)" prints: a word only that chart has."""
    (height,) = [height for words in page_words(pdf_path) for text, height in words if text == "(%)"]
    return height


def test_the_collaborative_department_chart_prints_its_labels_as_large_as_a_citys() -> None:
    """Some sixty departments once made a chart squeezed to a third of its size (labels of
    4–5 pt, against 8.3 pt in a city's report): it now shows the departments with the most
    requests at a city's size, and says that the table lists them all."""
    pages_as_pictures(exports.report_pdf(independence_three_months()), "chart-size-city")
    pages_as_pictures(exports.report_pdf(collaborative_three_months()), "chart-size-collaborative")
    city = chart_label_height(ARTIFACTS / "chart-size-city.pdf")
    collaborative = chart_label_height(ARTIFACTS / "chart-size-collaborative.pdf")
    assert collaborative >= city * 0.97, f"{collaborative:.1f} pt against a city's {city:.1f} pt"
    first_page = page_text(ARTIFACTS / "chart-size-collaborative.pdf")[0]
    assert re.search(r"The chart shows the \d+ departments with the most requests", first_page)
    assert "the table lists all 60 departments" in first_page


def test_a_city_chart_drawn_beside_its_table_is_not_scaled() -> None:
    context = exports.report_context(independence_three_months(), for_print=True)
    assert context["departments_beside"] and context["departments_charted"] is None


def test_no_table_starts_with_a_stub_of_rows_at_the_foot_of_a_page() -> None:
    """A table's caption and headings print on the page of its first five rows; a section's
    heading prints with the first rows of its table."""
    for name, report in [
        ("stub-collaborative", collaborative_three_months()),
        ("stub-independence", independence_three_months()),
        ("stub-raytown", raytown_three_weeks()),
    ]:
        pages_as_pictures(exports.report_pdf(report), name)
        pages = page_text(ARTIFACTS / f"{name}.pdf")
        first_rows = [row.label for row in report.departments[:5]]
        (caption_page,) = [i for i, text in enumerate(pages) if "New requests by department" in text]
        for label in first_rows:
            assert label in pages[caption_page], f"{name}: {label!r} is not on the page of the table's caption"
        (heading_page,) = [i for i, text in enumerate(pages) if "New service requests per district" in text]
        (breakdown_page,) = [i for i, text in enumerate(pages) if "District breakdown from" in text]
        assert heading_page == breakdown_page, f"{name}: the district heading is parted from its table"
        first_district = report.districts[0]
        assert all(
            label in pages[heading_page]
            for label in [first_district.label] + [t.label for t in first_district.top_types]
        ), f"{name}: the district table starts with a stub"


def test_a_section_too_long_for_the_rest_of_a_page_starts_on_it_and_runs_on() -> None:
    """Raytown's district section once moved whole to page 2, leaving half of page 1 blank.
    (Set as usual; the PDF itself is set closer, on one page:
    test_seed_004_layout.py::test_a_small_citys_month_that_just_overflows_prints_on_one_page.)"""
    from weasyprint import HTML

    usual = HTML(string=exports.report_html(raytown_three_weeks())).write_pdf()
    pictures = pages_as_pictures(usual, "raytown-three-weeks")
    assert len(pictures) == 2
    assert len(pages_as_pictures(exports.report_pdf(raytown_three_weeks()), "raytown-three-weeks-closer")) == 1
    assert filled_share(pictures[0]) > 0.8
    pages = page_text(ARTIFACTS / "raytown-three-weeks.pdf")
    assert "New service requests per district" in pages[0] and "Ward 1" in pages[0]


def test_a_period_with_no_requests_prints_no_invented_row_and_no_empty_chart() -> None:
    report = _report(
        City(name="Lee's Summit", slug="lees-summit"), {"No department assigned": 0}, {"District 1": (0, [])}
    )
    pictures = pages_as_pictures(exports.report_pdf(report), "empty-period")
    assert len(pictures) == 1
    (text,) = page_text(ARTIFACTS / "empty-period.pdf")
    assert "Total number of new service requests opened: 0" in text
    assert "No service requests were opened in this period" in text
    for absent in ["No department assigned", "0.0%", "District 1", "Share of new requests", "(%)"]:
        assert absent not in text


def collaborative_month_in_one_city() -> ServiceRequestReport:
    """A month of the collaborative in which only one city had requests: short tables on
    page 1, then a chart of two dozen districts (every member city's) too tall for the rest
    of it."""
    cities = ["Blue Springs", "Grandview", "Independence", "Lee's Summit", "Raytown"]
    departments = {"No department assigned": 3, **{f"Independence — Department {n}": 3 for n in (1, 2, 3)}}
    districts: dict[str, tuple[int, list[str]]] = {"No district assigned": (4, ["Pothole", "Graffiti"])}
    for city in cities:
        for n in range(1, 6 if city == "Raytown" else 5):
            busy = (city, n) == ("Independence", 1)
            districts[f"{city} — District {n}"] = (8, ["Pothole", "Graffiti", "Sinkhole"]) if busy else (0, [])
    districts["Others"] = (0, [])
    report = _report(None, departments, districts)
    per_city = [12 if city == "Independence" else 0 for city in cities]
    tenths = largest_remainder_tenths(per_city)
    return replace(report, cities=[Share(c, n, t) for c, n, t in zip(cities, per_city, tenths, strict=True)])


def test_a_chart_too_tall_for_the_rest_of_a_page_starts_the_next_one_with_its_heading_and_table() -> None:
    """The district chart once printed alone at the top of page 2, its heading and the
    first rows of its table at the foot of page 1 beside an empty space: the section now
    starts page 2, heading, chart and table together."""
    from weasyprint import HTML

    report = collaborative_month_in_one_city()
    assert exports.charts_parted_from_their_heading(HTML(string=exports.report_html(report)).render()) == {"districts"}
    pictures = pages_as_pictures(exports.report_pdf(report), "chart-with-its-heading")
    assert len(pictures) == 2
    first, second = page_text(ARTIFACTS / "chart-with-its-heading.pdf")
    heading = "New service requests per district"
    assert heading not in first and second.startswith(heading)
    # A district's name is printed twice on page 2, as the chart's label and in the table.
    assert first.count("Raytown — District 5") == 0 and second.count("Raytown — District 5") == 2
    for picture in pictures:
        assert filled_share(picture) >= NEAR_EMPTY, f"{picture.name} is near empty"
