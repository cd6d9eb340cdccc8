"""A trend chart per measure: its values period by period against the target.

Drawn with the reports' chart code path (server-side SVG, ``data:`` URI) so the dashboard,
the report pages and any PDF draw alike. The template puts the data table beside every
chart; the picture is never the only way to read a figure.
"""

from __future__ import annotations

from decimal import Decimal

from matplotlib.figure import Figure

from civicdesk.performance.formatting import SECONDS_PER
from civicdesk.performance.regional import Comparison
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
    # With one or two periods matplotlib would stretch a bar across the whole plot; keep
    # room for at least four so a single quarter reads as a bar, not a filled box.
    slack = max(0, 4 - len(rows)) / 2
    ax.set_xlim(-0.5 - slack, len(rows) - 0.5 + slack)
    ax.set_ylabel(AXIS_LABEL.get(unit, unit), fontsize=8)
    ax.tick_params(axis="y", labelsize=7)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return data_uri(_svg(fig))


def comparison_chart(comp: Comparison) -> str | None:
    """The cities with a figure as horizontal bars, the group's median as a dashed line
    (``data:`` URI); None when no city has enough cases. Cities left out (too few cases,
    no population, not reported) are named in the table beside it, not drawn as zero."""
    rows = comp.counted
    if not rows:
        return None
    unit = "count" if comp.measure.per_resident else comp.measure.unit
    values = [_plain(r.compared, unit) or 0.0 for r in rows]
    labels = [r.city.name for r in rows]
    fig = Figure(figsize=(6.0, max(1.6, 0.4 * len(rows) + 0.9)))
    ax = fig.subplots()
    positions = list(range(len(rows)))
    bars = ax.barh(positions, values, color=BRAND, height=0.6)
    ax.set_yticks(positions, labels, fontsize=8)
    ax.invert_yaxis()  # the table's order, top to bottom
    decimals = comp.measure.decimals
    ax.bar_label(bars, labels=[f"{v:,.{decimals}f}" for v in values], fontsize=7, padding=2)
    median = _plain(comp.median, unit)
    if median is not None:
        ax.axvline(median, color=MUTED, linestyle="--", label=f"Median {median:,.{decimals}f}")
        ax.legend(fontsize=7, frameon=False, loc="lower right", bbox_to_anchor=(1.0, 1.0))
    ax.set_xlabel(comp.compared_unit_text, fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    top = max(values, default=0.0)
    ax.set_xlim(0, top * 1.2 if top else 1)
    return data_uri(_svg(fig))
