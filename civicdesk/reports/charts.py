"""Charts of the Service Request Report and the operational report, drawn on the server as
SVG (civicdesk.core.svgchart).

One code path serves the web page and the PDF: each chart is an SVG document handed to the
template as a ``data:`` URI, so two charts on one page never clash over element ids, and
WeasyPrint draws the same picture the browser shows. Every chart has its data table beside
it in the template; the picture is never the only way to read a figure.
"""

from __future__ import annotations

import base64

from django.utils.translation import gettext as _

from civicdesk.core import svgchart
from civicdesk.reports.service_request_report import ServiceRequestReport


def data_uri(svg: str) -> str:
    """The SVG as a ``data:`` URI for an ``<img src>``."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def department_chart(report: ServiceRequestReport, *, width: float = 640) -> str:
    """Share of new requests by department, as horizontal bars (SVG text).

    Bars rather than a pie: a city has twenty-odd departments, and slices of 0.2% cannot be
    told apart or labelled. "No department assigned" (last) is drawn in grey. ``width``: a
    narrower drawing keeps its labels legible in half a printed page.
    """
    rows = report.departments
    return svgchart.horizontal_bars(
        [row.label for row in rows],
        [float(row.percent) for row in rows],
        axis_label=_("Share of new requests (%)"),
        decimals=1,
        suffix="%",
        highlight_last=True,
        width=width,
    )


def district_chart(report: ServiceRequestReport, *, width: float = 640) -> str:
    """New requests per council district, as bars (SVG text)."""
    rows = report.districts
    return svgchart.horizontal_bars(
        [row.label for row in rows], [row.count for row in rows], axis_label=_("New requests"), width=width
    )


def bars(labels: list[str], values: list[float], *, xlabel: str, decimals: int = 0, suffix: str = "") -> str:
    """Horizontal bars for any table of the operational report (SVG text)."""
    return svgchart.horizontal_bars(labels, values, axis_label=xlabel, decimals=decimals, suffix=suffix)


def trend_chart(labels: list[str], opened: list[int], closed: list[int], *, title: str) -> str:
    """Openings and closings per period as paired columns (SVG text)."""
    return svgchart.paired_columns(
        labels, opened, closed, names=(_("Opened"), _("Closed")), title=title, axis_label=_("Requests")
    )
