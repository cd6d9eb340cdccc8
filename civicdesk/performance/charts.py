"""A trend chart per measure: its values period by period against the target.

Drawn with the reports' chart code path (server-side SVG, ``data:`` URI) so the dashboard,
the report pages and any PDF draw alike. The template puts the data table beside every
chart; the picture is never the only way to read a figure.
"""

from __future__ import annotations

from decimal import Decimal

from matplotlib.figure import Figure

from civicdesk.performance.formatting import SECONDS_PER
from civicdesk.performance.selectors import MeasureView
from civicdesk.reports.charts import BRAND, MUTED, _svg, data_uri

AXIS_LABEL = {
    "percent": "%",
    "count": "count",
    "money": "$",
    "seconds": "seconds",
    "minutes": "minutes",
    "days": "days",
}


def _plain(value: Decimal | None, unit: str) -> float | None:
    if value is None:
        return None
    if unit in SECONDS_PER:
        return float(value / SECONDS_PER[unit])
    return float(value)


def trend_chart(view: MeasureView) -> str | None:
    """The chart as a ``data:`` URI, or None when there is nothing to draw."""
    rows = view.rows[-12:]
    if not rows:
        return None
    unit = view.measure.unit
    labels = [row.period.short_label.replace("FY", "FY\u200a") for row in rows]
    values = [_plain(row.compared, unit) for row in rows]
    targets = [_plain(row.target, unit) for row in rows]
    fig = Figure(figsize=(5.0, 2.4))
    ax = fig.subplots()
    positions = list(range(len(rows)))
    drawn = [(x, v) for x, v in zip(positions, values, strict=True) if v is not None]
    ax.bar([x for x, _ in drawn], [v for _, v in drawn], color=BRAND, width=0.6, label="Actual")
    target_points = [(x, t) for x, t in zip(positions, targets, strict=True) if t is not None]
    if target_points:
        ax.plot(
            [x for x, _ in target_points],
            [t for _, t in target_points],
            color=MUTED,
            linestyle="--",
            marker="o",
            label="Target",
        )
    ax.set_xticks(positions, labels, fontsize=7)
    ax.set_ylabel(AXIS_LABEL.get(unit, unit), fontsize=8)
    ax.tick_params(axis="y", labelsize=7)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return data_uri(_svg(fig))
