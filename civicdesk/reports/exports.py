"""The Service Request Report as a document: HTML, PDF (WeasyPrint) and CSV.

All three read the same ``ServiceRequestReport``; the PDF is the HTML document printed, with
the same SVG charts the web page shows.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from civicdesk.reports import charts
from civicdesk.reports.service_request_report import ServiceRequestReport

# The printed document sets each chart beside its table, in PRINT_CHART_SHARE of the text
# column (service_requests_document.html says the same): drawn narrower than the web page's,
# its labels print at about the table's size.
PRINT_CHART_WIDTH = 400
PRINT_CHART_SHARE = 0.46
# Rows a table may have and still fit beside its chart on one printed page; a longer one is
# printed under its chart (the page's layout reads the same flags and may ignore them).
ROWS_BESIDE_CHART = 32
# A chart above its table is printed across the whole column: drawn this wide, its labels
# print at the same size as a chart beside its table.
STACKED_CHART_WIDTH = round(PRINT_CHART_WIDTH / PRINT_CHART_SHARE)
# The most a chart above its table may take, in px as drawn (about 7.2 in printed): it fits
# page 1 under the title and the total. A department chart with more bars than that shows the
# departments with the most requests; the table under it lists every one.
STACKED_CHART_HEIGHT = 870
# The collaborative's requests per city stand above it on page 1: its heading, caption and
# header row, and a row per city and the total, in px of the chart as drawn.
CITY_TABLE_HEIGHT = 90
CITY_ROW_HEIGHT = 22


def report_context(report: ServiceRequestReport, *, for_print: bool = False) -> dict[str, Any]:
    """What every template of the report needs: the figures and both charts (for a screen
    and a phone; ``for_print``, for the printed page only), each with its alt text. A report
    of no requests has no chart: there is nothing to draw."""
    district_rows = sum(1 + len(district.top_types) for district in report.districts)
    context: dict[str, Any] = {
        "report": report,
        "for_print": for_print,
        "departments_beside": len(report.departments) + 1 <= ROWS_BESIDE_CHART,
        "districts_beside": district_rows <= ROWS_BESIDE_CHART,
        "departments_charted": None,
    }
    if report.total == 0:
        return context
    if not for_print:
        context = {**context, **charts.report_charts(report)}
    else:
        context = {**context, **print_charts(report, context)}
    return {
        **context,
        "department_alt": charts.department_alt(report, most=context["departments_charted"]),
        "district_alt": charts.district_alt(report),
    }


def print_charts(report: ServiceRequestReport, context: dict[str, Any]) -> dict[str, Any]:
    """The two charts as the PDF prints them, each drawn for where it stands (beside its
    table or above it), so that every chart's labels print at the same size; and
    ``departments_charted``, how many departments the department chart shows when it cannot
    show them all."""
    named = len(report.departments) - 1
    if context["departments_beside"]:
        most = named
        departments = charts.department_chart(report, width=PRINT_CHART_WIDTH)
    else:
        height = STACKED_CHART_HEIGHT
        if report.cities:
            height -= CITY_TABLE_HEIGHT + CITY_ROW_HEIGHT * (len(report.cities) + 1)
        most = charts.departments_that_fit(report, width=STACKED_CHART_WIDTH, height=height)
        departments = charts.department_chart(report, width=STACKED_CHART_WIDTH, most=most)
    district_width = PRINT_CHART_WIDTH if context["districts_beside"] else STACKED_CHART_WIDTH
    return {
        "department_chart": charts.Chart(charts.data_uri(departments)),
        "district_chart": charts.Chart(charts.data_uri(charts.district_chart(report, width=district_width))),
        "departments_charted": most if most < named else None,
    }


def file_stem(report: ServiceRequestReport) -> str:
    """A download name that says what is inside, e.g. ``service-requests-independence-2021-10-01-2021-10-22``."""
    scope = report.city.slug if report.city is not None else "all-cities"
    return f"service-requests-{scope}-{report.date_from.isoformat()}-{report.date_to.isoformat()}"


def report_html(report: ServiceRequestReport, *, compact: bool = False, new_page: frozenset[str] = frozenset()) -> str:
    """A standalone HTML document, the source of the PDF (no site navigation). ``compact``:
    set a little closer (margins, headings, rows), to keep a report that just overflows one
    page on that page. ``new_page``: the sections ("departments", "districts") that start on
    a page of their own."""
    context = {**report_context(report, for_print=True), "compact": compact, "new_page": new_page}
    return render_to_string("reports/service_requests_document.html", context)


# The sections with a chart beside or above their table: the heading's id is
# "<section>-heading", the chart's <img> "<section>-chart" (reports/_report_body.html).
CHARTED_SECTIONS = ("departments", "districts")


def charts_parted_from_their_heading(document: Any) -> frozenset[str]:
    """The sections of a rendered document whose chart printed on a later page than their
    heading: a chart too tall for the rest of a page goes to the next one (it is never cut),
    while its table's first rows stay beside the empty space it left."""
    page_of: dict[str, int] = {}
    for number, page in enumerate(document.pages):
        for anchor in page.anchors:
            page_of.setdefault(anchor, number)
    return frozenset(
        section
        for section in CHARTED_SECTIONS
        if f"{section}-chart" in page_of and page_of[f"{section}-chart"] > page_of[f"{section}-heading"]
    )


def report_pdf(report: ServiceRequestReport) -> bytes:
    """The report as a PDF a council packet can include."""
    from PIL import ImageFile
    from weasyprint import HTML  # imported late: it loads pango, which pages without PDFs never need

    # Its import tells Pillow to accept cut-off images process-wide; the photo checks of this
    # worker must keep refusing them (civicdesk/cases/photos.py).
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    document = HTML(string=report_html(report)).render()
    if len(document.pages) == 2:
        # A report that runs a few rows onto a second page (a small city's month: its last
        # district and "Others") is set a little closer when that keeps it on one page, rather
        # than print a page holding a stub of the district table.
        compact = HTML(string=report_html(report, compact=True)).render()
        if len(compact.pages) == 1:
            document = compact
    # A section whose chart would print on the page after its heading starts on a new page,
    # heading, chart and table together (the collaborative's month: its chart of two dozen
    # districts once stood alone at the top of page 2, its heading and the table's first rows
    # at the foot of page 1). Moving one section can move the next: at most one more round.
    new_page: frozenset[str] = frozenset()
    for _round in CHARTED_SECTIONS:
        parted = charts_parted_from_their_heading(document)
        if not parted - new_page:
            break
        new_page |= parted
        document = HTML(string=report_html(report, compact=False, new_page=new_page)).render()
    # Tagged (WeasyPrint's pdf_tags): headings, tables with their header cells, the charts as
    # figures with their alt text, in reading order, with the document's title and language;
    # a screen reader reads the report as the web page. Not declared PDF/UA (pdf_variant
    # "pdf/ua-1"): the page footer is left out of the structure tree rather than marked as an
    # artifact, and header cells carry no /Scope, which that standard asks for.
    return document.write_pdf(pdf_tags=True)


def report_csv(report: ServiceRequestReport) -> str:
    """The report as CSV: sections separated by an empty row, each a title row, a header row
    and data rows, so a spreadsheet or ``csv.reader`` reads every figure back. Its words are
    in the active language, as its names and the page it is downloaded from are: a Spanish
    reader's file has no English heading over Spanish rows."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow([_("Service Request Report")])
    w.writerow([_("Scope"), report.scope_label])
    w.writerow([_("From"), report.date_from.isoformat()])
    w.writerow([_("To"), report.date_to.isoformat()])
    # The last day counted: "To" for a period that is over, today for one still running, empty
    # for one that has not begun (its total is 0: nothing could be opened yet).
    w.writerow([_("Counted through"), report.counted_to.isoformat() if report.counted_to else ""])
    w.writerow([_("Total new requests"), report.total])
    if report.nothing_opened:
        # An empty period says why, in the words of the page and the PDF.
        w.writerow([_("Note"), report.nothing_opened])
    w.writerow([])
    requests, share_column, total = _("Requests"), _("Share (%)"), _("Total")
    if report.cities:
        w.writerow([_("Requests per city")])
        w.writerow([_("City"), requests, share_column])
        for share in report.cities:
            w.writerow([share.label, share.count, f"{share.percent:.1f}"])
        w.writerow([total, report.total, f"{report.share_total:.1f}"])
        w.writerow([])
    w.writerow([_("Share by department")])
    w.writerow([_("Department"), requests, share_column])
    for share in report.departments:
        w.writerow([share.label, share.count, f"{share.percent:.1f}"])
    w.writerow([total, report.total, f"{report.share_total:.1f}"])
    w.writerow([])
    w.writerow([_("Top problem descriptions")])
    w.writerow([_("Rank"), _("Problem description"), requests])
    for rank, row in enumerate(report.top_types, start=1):
        w.writerow([rank, row.label, row.count])
    w.writerow([])
    w.writerow([_("Requests per district")])
    w.writerow([_("District"), _("Problem description"), requests])
    for district in report.districts:
        w.writerow([district.label, "", district.count])
        for row in district.top_types:
            w.writerow([district.label, row.label, row.count])
    return out.getvalue()
