"""Charts of the Service Request Report and the operational report, drawn on the server as
SVG (civicdesk.core.svgchart).

One code path serves the web page and the PDF: each chart is an SVG document handed to the
template as a ``data:`` URI, so two charts on one page never clash over element ids, and
WeasyPrint draws the same picture the browser shows. Every chart has its data table beside
it in the template; the picture is never the only way to read a figure.

A page shows each chart at the size it was drawn (never stretched to fill a wide column, nor
squeezed into a phone's), so its text stays as large as the page's small print. A phone gets
a drawing of its own, ``PHONE_WIDTH`` wide (``Chart.phone``, chosen by reports/_chart.html).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civicdesk.core import svgchart
from civicdesk.reports.service_request_report import ServiceRequestReport, Share

# A phone's drawing fits a 360-px screen's narrowest chart box (302 px, inside a card) unscaled.
PHONE_WIDTH = 300
SCREEN_WIDTH = 640


def data_uri(svg: str) -> str:
    """The SVG as a ``data:`` URI for an ``<img src>``."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


@dataclass(frozen=True)
class Chart:
    """One chart as ``data:`` URIs: ``wide`` drawn for the page's column (and the PDF), and
    ``phone`` for a narrow screen; None where no phone will see it (the PDF)."""

    wide: str
    phone: str | None = None


def department_chart(
    report: ServiceRequestReport,
    *,
    width: float = SCREEN_WIDTH,
    labels_above: bool = False,
    most: int | None = None,
) -> str:
    """Share of new requests by department, as horizontal bars (SVG text).

    Bars rather than a pie: a city has twenty-odd departments, and slices of 0.2% cannot be
    told apart or labelled. The bars are in the table's order: "No department assigned"
    (first, drawn in grey), then the departments by name. ``width``: a narrower drawing keeps
    its labels legible in half a printed page; ``labels_above``, each label over its bar (a
    phone's layout); ``most``, only that many departments, those with the most requests (the
    table beside lists them all), with "No department assigned".
    """
    rows = charted_departments(report, most=most)
    return svgchart.horizontal_bars(
        [row.label for row in rows],
        [float(row.percent) for row in rows],
        axis_label=_("Share of new requests (%)"),
        decimals=1,
        suffix="%",
        highlight_first=True,
        width=width,
        labels_above=labels_above,
    )


def charted_departments(report: ServiceRequestReport, *, most: int | None = None) -> list[Share]:
    """The department chart's bars, in the table's order: "No department assigned", then
    the departments (``most``: only that many, those with the most requests)."""
    unassigned, *named = report.departments
    if most is not None and len(named) > most:
        kept = {id(row) for row in sorted(named, key=lambda row: (-row.count, row.label))[:most]}
        named = [row for row in named if id(row) in kept]
    return [unassigned, *named]


def _figures(pairs: list[tuple[str, str]]) -> str:
    """Each bar's label and figure as the table writes them, for a chart's alt text:
    "Public Works: 30.1%; Parks and Recreation: 4.2%"."""
    return "; ".join(f"{label}: {figure}" for label, figure in pairs)


def department_alt(report: ServiceRequestReport, *, most: int | None = None) -> str:
    """The department chart's text alternative: what it shows, with every bar's figure, so
    that a screen reader (the PDF's, too) reads the chart and not only its title."""
    rows = charted_departments(report, most=most)
    figures = _figures([(row.label, f"{floatformat(row.percent, 1)}%") for row in rows])
    if len(rows) == len(report.departments):
        return _(
            "Bar chart of the share of new requests by department: %(figures)s. The same figures are in the table."
        ) % {"figures": figures}
    shown = len(rows) - 1
    return ngettext(
        "Bar chart of the share of new requests for the department with the most requests and "
        "“No department assigned”: %(figures)s. Every department's figures are in the table.",
        "Bar chart of the share of new requests for the %(shown)d departments with the most requests and "
        "“No department assigned”: %(figures)s. Every department's figures are in the table.",
        shown,
    ) % {"shown": shown, "figures": figures}


def district_alt(report: ServiceRequestReport) -> str:
    """The district chart's text alternative, with every district's number of new requests."""
    figures = _figures([(row.label, intcomma(row.count)) for row in report.districts])
    return _("Bar chart of new requests per district: %(figures)s. The same figures are in the table.") % {
        "figures": figures
    }


def district_chart(report: ServiceRequestReport, *, width: float = SCREEN_WIDTH, labels_above: bool = False) -> str:
    """New requests per council district, as bars (SVG text)."""
    rows = report.districts
    return svgchart.horizontal_bars(
        [row.label for row in rows],
        [row.count for row in rows],
        axis_label=_("New requests"),
        width=width,
        labels_above=labels_above,
    )


def drawn_height(svg: str) -> float:
    """The height an SVG of ``svgchart`` is drawn at, in px (its root's ``height``)."""
    found = re.search(r'<svg[^>]* height="([\d.]+)"', svg)
    assert found is not None, "svgchart always writes the root's height"
    return float(found.group(1))


def departments_that_fit(report: ServiceRequestReport, *, width: float, height: float) -> int:
    """How many departments (those with the most requests first) a department chart drawn
    ``width`` wide shows within ``height`` px, with "No department assigned" under them:
    every department when they all fit, and never fewer than one."""
    most = len(report.departments) - 1
    while most > 1 and drawn_height(department_chart(report, width=width, most=most)) > height:
        most -= 1
    return max(most, 1)


def report_charts(report: ServiceRequestReport) -> dict[str, Chart]:
    """The Service Request Report's two charts, for a screen and a phone (the PDF draws its
    own: ``reports.exports.print_charts``)."""
    return {
        "department_chart": Chart(
            data_uri(department_chart(report)),
            data_uri(department_chart(report, width=PHONE_WIDTH, labels_above=True)),
        ),
        "district_chart": Chart(
            data_uri(district_chart(report)),
            data_uri(district_chart(report, width=PHONE_WIDTH, labels_above=True)),
        ),
    }


def bars(
    labels: list[str],
    values: list[float],
    *,
    xlabel: str,
    decimals: int = 0,
    suffix: str = "",
    value_texts: list[str] | None = None,
) -> Chart:
    """Horizontal bars for any table of the operational report (``value_texts``: each bar's
    figure as its table writes it, e.g. "under a day")."""
    return Chart(
        data_uri(
            svgchart.horizontal_bars(
                labels, values, axis_label=xlabel, decimals=decimals, suffix=suffix, value_texts=value_texts
            )
        ),
        data_uri(
            svgchart.horizontal_bars(
                labels,
                values,
                axis_label=xlabel,
                decimals=decimals,
                suffix=suffix,
                width=PHONE_WIDTH,
                labels_above=True,
                value_texts=value_texts,
            )
        ),
    )


def trend_chart(labels: list[str], opened: list[int], closed: list[int], *, title: str) -> Chart:
    """Openings and closings per period as paired columns."""

    def draw(width: float) -> str:
        return svgchart.paired_columns(
            labels,
            opened,
            closed,
            names=(_("Opened"), _("Closed")),
            title=title,
            axis_label=_("Requests"),
            width=width,
        )

    return Chart(data_uri(draw(SCREEN_WIDTH)), data_uri(draw(PHONE_WIDTH)))
