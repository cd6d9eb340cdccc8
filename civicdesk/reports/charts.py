"""Charts of the Service Request Report, drawn on the server as SVG with matplotlib.

One code path serves the web page and the PDF: each chart is an SVG document handed to the
template as a ``data:`` URI, so two charts on one page never clash over element ids, and
WeasyPrint draws the same picture the browser shows. Every chart has its data table beside
it in the template; the picture is never the only way to read a figure.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import textwrap
from collections.abc import Callable
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display on servers; must be chosen before any figure exists

from django.core.cache import cache
from matplotlib.figure import Figure

from civicdesk.reports.service_request_report import ServiceRequestReport

BRAND = "#1a4480"
MUTED = "#8c8c8c"
FONT = "DejaVu Sans"


def _svg(fig: Figure) -> str:
    buffer = io.StringIO()
    # A fixed salt makes the SVG identical for identical data (cacheable, diffable).
    with matplotlib.rc_context({"svg.hashsalt": "civicdesk", "svg.fonttype": "path", "font.family": FONT}):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return buffer.getvalue()


def data_uri(svg: str) -> str:
    """The SVG as a ``data:`` URI for an ``<img src>``."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _wrap(label: str, width: int = 34) -> str:
    return "\n".join(textwrap.wrap(label, width)) or label


def _horizontal_bars(
    labels: list[str], values: list[float], *, xlabel: str, value_format: str, highlight_last: bool = False
) -> str:
    height = max(1.6, 0.34 * len(labels) + 0.8)
    fig = Figure(figsize=(7.0, height))
    ax = fig.subplots()
    colours = [BRAND] * len(labels)
    if highlight_last and colours:
        colours[-1] = MUTED
    positions = list(range(len(labels)))
    bars = ax.barh(positions, values, color=colours)
    ax.set_yticks(positions, [_wrap(label) for label in labels], fontsize=8)
    ax.invert_yaxis()  # first row of the table on top
    ax.set_xlabel(xlabel, fontsize=9)
    ax.tick_params(axis="x", labelsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.bar_label(bars, labels=[value_format.format(v) for v in values], fontsize=7, padding=2)
    top = max(values, default=0)
    ax.set_xlim(0, top * 1.15 if top else 1)
    return _svg(fig)


def department_chart(report: ServiceRequestReport) -> str:
    """Share of new requests by department, as horizontal bars (SVG text).

    Bars rather than a pie: a city has twenty-odd departments, and slices of 0.2% cannot be
    told apart or labelled.
    """
    rows = report.departments
    return _horizontal_bars(
        [row.label for row in rows],
        [float(row.percent) for row in rows],
        xlabel="Share of new requests (%)",
        value_format="{:.1f}%",
        highlight_last=True,
    )


def district_chart(report: ServiceRequestReport) -> str:
    """New requests per council district, as bars (SVG text)."""
    rows = report.districts
    return _horizontal_bars(
        [row.label for row in rows],
        [row.count for row in rows],
        xlabel="New requests",
        value_format="{:,.0f}",
    )


# --- operational reports --------------------------------------------------------------------


def bars(labels: list[str], values: list[float], *, xlabel: str, value_format: str = "{:,.0f}") -> str:
    """Horizontal bars for any table of the operational report (SVG text)."""
    return _horizontal_bars(labels, values, xlabel=xlabel, value_format=value_format)


def trend_chart(labels: list[str], opened: list[int], closed: list[int], *, title: str) -> str:
    """Openings and closings per period as paired columns (SVG text)."""
    width = min(11.0, max(5.0, 0.32 * len(labels) + 2))
    fig = Figure(figsize=(width, 3.2))
    ax = fig.subplots()
    positions = list(range(len(labels)))
    ax.bar([p - 0.2 for p in positions], opened, width=0.4, color=BRAND, label="Opened")
    ax.bar([p + 0.2 for p in positions], closed, width=0.4, color=MUTED, label="Closed")
    step = max(1, len(labels) // 16)  # a label every few columns when there are many
    ax.set_xticks(positions[::step], labels[::step], fontsize=7, rotation=45, ha="right")
    ax.set_title(title, fontsize=9)
    ax.tick_params(axis="y", labelsize=8)
    ax.legend(fontsize=8, frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _svg(fig)


# --- caching ------------------------------------------------------------------------------------

CHART_CACHE_SECONDS = 24 * 3600


def cached_data_uri(kind: str, draw: Callable[[], str], *data: Any) -> str:
    """``data_uri(draw())``, kept in the cache under a hash of the chart's kind and data.

    matplotlib takes 0.2–0.5 s per chart on a busy 2-core server, more than the figures
    themselves; the same data always gives the same SVG (fixed hash salt), so a chart is
    drawn once per distinct content and never goes stale.
    """
    key = "chart:" + hashlib.sha256(json.dumps([kind, data], default=str).encode()).hexdigest()
    svg = cache.get(key)
    if svg is None:
        svg = draw()
        cache.set(key, svg, CHART_CACHE_SECONDS)
    return data_uri(svg)
