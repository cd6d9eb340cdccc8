"""A trend chart per measure: its values period by period against the target.

Drawn with the reports' chart code path (server-side SVG, ``data:`` URI) so the dashboard,
the report pages and any PDF draw alike. The template puts the data table beside every
chart; the picture is never the only way to read a figure.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext, gettext_noop

from civicdesk.core import svgchart
from civicdesk.performance.formatting import SECONDS_PER
from civicdesk.performance.regional import Comparison
from civicdesk.performance.selectors import MeasureView
from civicdesk.reports.charts import PHONE_WIDTH, Chart, data_uri

# Half a measure's card on a 1280-px screen (535 px), where the table takes the other half.
TREND_WIDTH = 520

AXIS_LABEL = {
    "percent": "%",
    "count": gettext_noop("count"),
    "money": "$",
    "seconds": gettext_noop("seconds"),
    "minutes": gettext_noop("minutes"),
    "days": gettext_noop("days"),
}


def _plain(value: Decimal | None, unit: str) -> float | None:
    if value is None:
        return None
    if unit in SECONDS_PER:
        return float(value / SECONDS_PER[unit])
    return float(value)


def trend_chart(view: MeasureView) -> Chart | None:
    """The chart for a screen and a phone, or None when there is nothing to draw (no period,
    or no figure in the periods it would show). The screen's is drawn for half a measure's
    card on a desk (the table takes the other half)."""
    rows = view.rows[-12:]
    if not rows:
        return None
    unit = view.measure.unit
    labels = [row.period.short_label.replace("FY", "FY\u200a") for row in rows]
    values = [_plain(row.compared, unit) for row in rows]
    if all(value is None for value in values):
        return None  # a chart of targets alone: the page says no figure was published instead
    targets = [_plain(row.target, unit) for row in rows]

    def draw(width: float) -> str:
        return svgchart.columns_with_target(
            labels,
            values,
            targets,
            axis_label=gettext(AXIS_LABEL.get(unit, unit)),
            title=gettext("%(name)s: trend against target") % {"name": view.measure.name},
            # The same words as the table's headings beside the chart.
            names=(gettext("Actual"), gettext("Target")),
            width=width,
        )

    return Chart(data_uri(draw(TREND_WIDTH)), data_uri(draw(PHONE_WIDTH)))


def comparison_chart(comp: Comparison) -> Chart | None:
    """The cities with a figure as horizontal bars, the group's median as a dashed line
    (for a screen and a phone); None when no city has enough cases. Cities left out (too few cases,
    no population, not reported) are named in the table beside it, not drawn as zero."""
    rows = comp.counted
    if not rows:
        return None
    unit = "count" if comp.measure.per_resident else comp.measure.unit
    values = [_plain(r.compared, unit) or 0.0 for r in rows]
    labels = [r.city.name for r in rows]
    decimals = comp.measure.decimals
    median = _plain(comp.median, unit)

    def draw(width: float, *, labels_above: bool = False) -> str:
        return svgchart.horizontal_bars(
            labels,
            values,
            axis_label=comp.compared_unit_text,
            decimals=decimals,
            title=gettext("%(name)s by city") % {"name": comp.measure.name},
            reference=None
            if median is None
            else svgchart.Reference(median, gettext("Median %(value)s") % {"value": svgchart.number(median, decimals)}),
            width=width,
            labels_above=labels_above,
        )

    return Chart(data_uri(draw(600)), data_uri(draw(PHONE_WIDTH, labels_above=True)))
