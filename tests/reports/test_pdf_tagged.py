"""The Service Request Report PDF read by a screen reader (rv4 #1, WCAG 1.1.1, 1.3.1, 1.3.2):
tagged, with its headings, tables whose cells know their header cells, each chart a figure
whose alt text states its figures, in the page's reading order, with its title and language.

Read with poppler's ``pdfinfo`` (``Tagged``, ``-struct-text``: the structure tree with the
text of each element) and pypdf (the figures' ``/Alt``, the catalogue's ``/Lang``).
"""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation
from PIL import Image, ImageChops
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject

from civicdesk.reports import exports
from civicdesk.reports.service_request_report import ServiceRequestReport
from civicdesk.tenants.models import City
from tests.reports.conftest import Month
from tests.reports.test_exports_and_pages import RANGE
from tests.reports.test_pdf_layout import ARTIFACTS, _report, collaborative_three_months, pages_as_pictures


def raytown_month() -> ServiceRequestReport:
    """Raytown's month, the one-page report (test_seed_004_layout.py)."""
    types = ["Trash and debris on a property", "Tall grass and weeds", "Pothole"]
    districts = {"No district assigned": (4, ["Compliment or complaint about a city service"])}
    for n, count in zip(range(1, 6), (56, 28, 49, 37, 42), strict=True):
        districts[f"Ward {n}"] = (count, types)
    districts["Others"] = (0, [])
    departments = {
        "Community Development – Codes": 123,
        "Public Works": 65,
        "Police Animal Control": 15,
        "Parks and Recreation": 9,
        "City Administrator's Office": 4,
        "No department assigned": 0,
    }
    return _report(City(name="Raytown", slug="raytown"), departments, districts)


def saved(pdf: bytes, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.pdf"
    path.write_bytes(pdf)
    return path


def pdfinfo(path: Path, *options: str) -> str:
    return subprocess.run(["pdfinfo", *options, path], check=True, capture_output=True, text=True, timeout=120).stdout


def structure(path: Path) -> list[tuple[int, str]]:
    """The structure tree as (depth, line) pairs, depth in levels of two spaces; an element's
    text is on the lines under it, in quotes."""
    lines = pdfinfo(path, "-struct-text").splitlines()
    return [((len(line) - len(line.lstrip(" "))) // 2, line.strip()) for line in lines if line.strip()]


def elements(tree: list[tuple[int, str]], kind: str) -> list[str]:
    """The text of each element of a kind ("H2", "Caption", "TH"): its quoted lines joined."""
    found = []
    for i, (depth, line) in enumerate(tree):
        if line.split(" ")[0].rstrip(":") != kind:
            continue
        text = []
        for inner_depth, inner in tree[i + 1 :]:
            if inner_depth <= depth:
                break
            if inner.startswith('"'):
                text.append(inner.strip('"'))
        found.append(re.sub(r"\s+", " ", " ".join(text)).strip())
    return found


def figures_alt(pdf: bytes) -> list[str]:
    """Each /Figure element's /Alt, in the structure tree's order."""
    reader = PdfReader(io.BytesIO(pdf))
    alts: list[str] = []

    def walk(node: DictionaryObject) -> None:
        if node.get("/S") == "/Figure":
            alts.append(str(node.get("/Alt", "")))
        kids = node.get("/K")
        kids = kids.get_object() if kids is not None else None
        for kid in kids if isinstance(kids, ArrayObject) else [kids]:
            kid = kid.get_object() if kid is not None else None
            if isinstance(kid, DictionaryObject):
                walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"].get_object())
    return alts


def test_the_report_pdf_is_tagged_with_its_headings_and_tables_in_reading_order() -> None:
    path = saved(exports.report_pdf(raytown_month()), "tagged-raytown-month")
    assert re.search(r"^Tagged:\s+yes$", pdfinfo(path), flags=re.M)
    tree = structure(path)
    assert elements(tree, "H1") == ["Service Request Report 1/1/2026 – 3/31/2026"]
    assert elements(tree, "H2") == [
        "Total number of new service requests opened: 216",
        "Share of new requests by department",
        "Top 5 problem descriptions in new service requests",
        "New service requests per district",
    ]
    captions = elements(tree, "Caption")
    assert captions[:2] == ["New requests by department", "Most reported problems"]
    assert captions[2].startswith("District breakdown from 1/1/2026 to 3/31/2026")
    headers = elements(tree, "TH")
    for header in ["Department", "Requests", "Share", "Public Works", "Rank", "Trash/Rubbish", "Ward 1", "Pothole"]:
        assert header in headers
    # Each section's heading, then its chart, then its table: the chart's labels no longer
    # run into the table's (the reviewer's pdftotext read "0.2% | CD-NEIGHBORHOOD SERV | Department").
    order = [line.split(" ")[0].rstrip(":") for _, line in tree if line.startswith(("H2", "Figure", "Table"))]
    assert order == ["H2", "H2", "Figure", "Table", "H2", "Table", "H2", "Figure", "Table"]


def test_each_count_cell_names_its_row_and_column_headers_districts_included() -> None:
    """A table cell's /Headers are the ids of its header cells: Ward 1's 56 is headed by
    "Ward 1" and "Requests" (a district heads a group of rows on the web page, which the
    PDF's tags would have read as a column header, leaving its count with "Requests" alone)."""
    path = saved(exports.report_pdf(raytown_month()), "tagged-raytown-headers")
    tree = structure(path)

    def text_after(i: int) -> str:
        return next(line for _, line in tree[i + 1 :] if line.startswith('"')).strip('"')

    ids = {}
    for i, (_, line) in enumerate(tree):
        if found := re.fullmatch(r"TH <(.+)>", line):
            ids[found.group(1)] = text_after(i)
    cells = []
    for i, (_, line) in enumerate(tree):
        if line == "TD:":
            heads = re.findall(r"\(([^)]+)\)", tree[i + 1][1])
            cells.append(([ids[h] for h in heads], text_after(i + 1)))
    assert (["Ward 1", "Requests"], "56") in cells
    assert (["Public Works", "Share"], "30.1%") in cells
    assert (["Trash/Rubbish", "Requests"], "440") in cells
    assert all(len(heads) == 2 for heads, _ in cells), [c for c in cells if len(c[0]) != 2]


def test_each_chart_is_a_figure_whose_alt_text_states_its_figures() -> None:
    department, district = figures_alt(exports.report_pdf(raytown_month()))
    assert department.startswith("Bar chart of the share of new requests by department: No department assigned: 0.0%;")
    for figure in ["Community Development – Codes: 56.9%", "Public Works: 30.1%", "City Administrator's Office: 1.9%"]:
        assert figure in department
    assert district == (
        "Bar chart of new requests per district: No district assigned: 4; Ward 1: 56; Ward 2: 28; Ward 3: 49; "
        "Ward 4: 37; Ward 5: 42; Others: 0. The same figures are in the table."
    )


def test_a_chart_of_the_departments_with_the_most_requests_says_so_in_its_alt_text() -> None:
    report = collaborative_three_months()
    department, _ = figures_alt(exports.report_pdf(report))
    shown = exports.report_context(report, for_print=True)["departments_charted"]
    assert department.startswith(
        f"Bar chart of the share of new requests for the {shown} departments with the most requests"
    )
    assert department.endswith("Every department's figures are in the table.")
    assert department.count(": ") == shown + 2  # the sentence's own, and one per bar


def test_the_spanish_pdf_has_its_title_and_says_it_is_in_spanish() -> None:
    with translation.override("es"):
        pdf = exports.report_pdf(raytown_month())
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "es"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"]
    assert reader.metadata is not None
    assert reader.metadata.title == "Informe de solicitudes de servicio — Raytown — 1 ene 2026 – 31 mar 2026"
    department, district = figures_alt(pdf)
    assert department.startswith("Gráfica de barras de la proporción de solicitudes nuevas por departamento:")
    assert "Public Works: 30.1%" in department
    assert district.startswith("Gráfica de barras de solicitudes nuevas por distrito: No district assigned: 4;")


def test_the_english_pdf_says_it_is_in_english() -> None:
    reader = PdfReader(io.BytesIO(exports.report_pdf(raytown_month())))
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert reader.metadata is not None
    assert reader.metadata.title == "Service Request Report — Raytown — 1/1/2026 – 3/31/2026"


def test_tagging_changes_nothing_on_the_printed_page() -> None:
    """Raytown's month stays on one page, drawn exactly as the untagged PDF was."""
    from weasyprint import HTML

    untagged = HTML(string=exports.report_html(raytown_month(), compact=True)).write_pdf()
    (before,) = pages_as_pictures(untagged, "untagged-raytown-month")
    (after,) = pages_as_pictures(exports.report_pdf(raytown_month()), "tagged-raytown-month-page")
    with Image.open(before) as old, Image.open(after) as new:
        assert ImageChops.difference(old.convert("RGB"), new.convert("RGB")).getbbox() is None


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/independence/reports/service-requests.pdf", "/reports/service-requests.pdf"])
def test_the_downloaded_pdf_is_tagged(month: Month, client: Client, url: str) -> None:
    pdf = client.get(url, RANGE).content
    path = saved(pdf, "tagged-download")
    assert re.search(r"^Tagged:\s+yes$", pdfinfo(path), flags=re.M)
    department, district = figures_alt(pdf)
    assert "The same figures are in the table." in department and "District" in district
