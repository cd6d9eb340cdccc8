"""Small charts written directly as SVG text: horizontal bars, paired columns, and columns
against a target line.

The reports, the operational pages and the performance dashboard draw their charts here.
Writing the SVG by hand takes well under a millisecond per chart, where a plotting library
took 0.2–0.5 s on a busy 2-core server (more than the figures themselves), and needs no
cache that could serve a stale picture. The charts are simple on purpose: every one of them
stands beside the data table it draws, so the picture never has to carry the exact figures.

Text is measured by an estimate (an average glyph width of the sans-serif fonts browsers and
WeasyPrint fall back to); labels longer than a line are wrapped, never cut.

Numbers are written in the active language's format (``37,9`` in Spanish), as the tables
beside the charts write them (``floatformat``, ``intcomma``); the words (legends, axis
labels) come translated from the caller.
"""

from __future__ import annotations

import itertools
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape, quoteattr

from django.utils import formats

BRAND = "#1a4480"
MUTED = "#767676"  # 4.5:1 on white: text drawn in it stays readable
GRID = "#dfe1e2"
INK = "#1b1b1b"
FONT = "DejaVu Sans, Verdana, Arial, sans-serif"

LABEL_SIZE = 12
SMALL_SIZE = 11
CHAR_WIDTH = 0.6  # of the font size: DejaVu Sans averages a little under this
UPPER_WIDTH = 0.72  # of the font size: its capitals, wider
LINE_HEIGHT = 1.25  # of the font size
WRAP_AT = 34  # characters per line of a bar's label
MIN_SPAN = 1e-9  # a value axis spans at least this much


def _text_width(text: str, size: float) -> float:
    """About how wide ``text`` is drawn. Capitals are wider than the average: many
    departments are named in capitals ("CD-NEIGHBORHOOD SERVICES"), and an estimate by the
    average alone cut their first letter off at the chart's edge."""
    width = 0.0
    for char in text:
        if char.isupper():
            width += UPPER_WIDTH
        elif char.isdigit():
            width += 0.64
        elif char.isspace():
            width += 0.32
        else:
            width += CHAR_WIDTH * 0.95
    return width * size


def _num(value: float) -> str:
    """A coordinate, short: SVG needs no more than a tenth of a pixel."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values from at most ``low`` to at least ``high`` (1, 2, 2.5 or 5 × 10ⁿ
    apart), always including zero when the range spans it."""
    low, high = min(low, 0.0), max(high, 0.0)
    if high - low < MIN_SPAN:
        # Nothing to tell apart (all zero, or differences no figure of ours has): whole units.
        return [float(i) for i in range(math.floor(low), max(math.ceil(high), math.floor(low) + 1) + 1)]
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * 0.999)
    first, last = math.floor(low / step), math.ceil(high / step)
    # A bound that is a tick, give or take float noise, is that tick, not one further out.
    if math.isclose((first + 1) * step, low, rel_tol=1e-9):
        first += 1
    if math.isclose((last - 1) * step, high, rel_tol=1e-9):
        last -= 1
    while first * step > low:  # a bound far smaller than the step divides to zero
        first -= 1
    while last * step < high:
        last += 1
    digits = max(0, 2 - math.floor(math.log10(step)))  # rounds away float noise (0.30000000000000004)
    return [round(i * step, digits) for i in range(first, last + 1)]


def number(value: float, decimals: int = 0) -> str:
    """``value`` with ``decimals`` places and grouped digits, in the active language's format:
    ``1,500.5`` in English, ``1 500,5`` in Spanish. Rounded half up as ``floatformat`` rounds
    (``number_format`` alone would cut the digits off: 37.96 to 37.9)."""
    rounded = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP) + 0
    return formats.number_format(rounded, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def tick_label(value: float, ticks: Sequence[float]) -> str:
    """``1,500`` or ``2.5`` (in English): as many decimals as the tick step needs."""
    step = abs(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
    decimals = next((d for d in range(4) if abs(round(step, d) - step) < 1e-9), 4)
    return number(value, decimals)


@dataclass(frozen=True)
class Reference:
    """A dashed line across the bars at ``value`` (a median, a target), named in a legend."""

    value: float
    label: str


class _Svg:
    """The parts of one SVG document, joined at the end."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.parts: list[str] = []

    def rect(self, x: float, y: float, w: float, h: float, fill: str) -> None:
        self.parts.append(
            f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(max(w, 0))}" height="{_num(max(h, 0))}" fill="{fill}"/>'
        )

    def line(self, x1: float, y1: float, x2: float, y2: float, stroke: str, *, dashed: bool = False) -> None:
        dash = ' stroke-dasharray="5 4"' if dashed else ""
        self.parts.append(
            f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" stroke="{stroke}"'
            f' stroke-width="{1.5 if dashed else 1}"{dash}/>'
        )

    def text(
        self,
        x: float,
        y: float,
        text: str | Sequence[str],
        *,
        size: float = LABEL_SIZE,
        anchor: str = "start",
        fill: str = INK,
        rotate: float | None = None,
    ) -> None:
        lines = [text] if isinstance(text, str) else list(text)
        transform = f' transform="rotate({_num(rotate)} {_num(x)} {_num(y)})"' if rotate is not None else ""
        head = f'<text x="{_num(x)}" y="{_num(y)}" font-size="{_num(size)}" text-anchor="{anchor}" fill="{fill}"{transform}>'
        if len(lines) == 1:
            self.parts.append(f"{head}{escape(lines[0])}</text>")
            return
        spans = "".join(
            f'<tspan x="{_num(x)}" dy="{_num(0 if i == 0 else size * LINE_HEIGHT)}">{escape(line)}</tspan>'
            for i, line in enumerate(lines)
        )
        self.parts.append(f"{head}{spans}</text>")

    def render(self, width: float, height: float) -> str:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{_num(width)}" height="{_num(height)}"'
            f' viewBox="0 0 {_num(width)} {_num(height)}" font-family={quoteattr(FONT)} role="img">'
            f"<title>{escape(self.title)}</title>" + "".join(self.parts) + "</svg>"
        )


def _legend(svg: _Svg, right: float, y: float, entries: Sequence[tuple[str, str, bool]]) -> None:
    """Entries (label, colour, is a dashed line) right-aligned ending at ``right``."""
    x = right
    for label, colour, dashed in reversed(entries):
        x -= _text_width(label, SMALL_SIZE)
        svg.text(x, y + 4, label, size=SMALL_SIZE)
        x -= 22
        if dashed:
            svg.line(x, y, x + 16, y, colour, dashed=True)
        else:
            svg.rect(x + 2, y - 6, 12, 12, colour)
        x -= 14


def horizontal_bars(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    axis_label: str,
    decimals: int = 0,
    suffix: str = "",
    title: str = "",
    highlight_last: bool = False,
    reference: Reference | None = None,
    width: float = 640,
) -> str:
    """One bar per label, top to bottom in the given order, each with its value at its end
    (``decimals`` places, then ``suffix``: "%", say).

    ``highlight_last`` draws the last bar in grey (the "No department assigned" row, which is
    not a department); ``reference`` adds a dashed vertical line with a legend.
    """
    wrapped = [textwrap.wrap(label, WRAP_AT) or [label] for label in labels]
    label_width = max((_text_width(line, LABEL_SIZE) for lines in wrapped for line in lines), default=0.0)
    value_texts = [number(v, decimals) + suffix for v in values]
    value_width = max((_text_width(t, SMALL_SIZE) for t in value_texts), default=0.0)
    left = 10 + min(label_width, WRAP_AT * LABEL_SIZE * UPPER_WIDTH) + 10
    right = width - value_width - 14
    top = 30.0 if reference else 10.0
    row_heights = [max(24.0, len(lines) * LABEL_SIZE * LINE_HEIGHT + 8) for lines in wrapped]
    plot_height = sum(row_heights) or 24.0
    bottom = top + plot_height
    height = bottom + 44

    extent = [*values, reference.value if reference else 0.0]
    ticks = nice_ticks(min(extent, default=0.0), max(extent, default=0.0))
    low, high = ticks[0], ticks[-1]

    def x_of(value: float) -> float:
        return left + (value - low) / (high - low) * (right - left)

    svg = _Svg(title or axis_label)
    for tick in ticks:
        x = x_of(tick)
        svg.line(x, top, x, bottom, GRID)
        svg.text(x, bottom + 16, tick_label(tick, ticks), size=SMALL_SIZE, anchor="middle")
    svg.text((left + right) / 2, bottom + 36, axis_label, anchor="middle")
    y = top
    zero = x_of(0.0)
    for i, (lines, value, text, row_height) in enumerate(zip(wrapped, values, value_texts, row_heights, strict=True)):
        bar_height = min(16.0, row_height - 8)
        bar_top = y + (row_height - bar_height) / 2
        end = x_of(value)
        colour = MUTED if highlight_last and i == len(values) - 1 else BRAND
        svg.rect(min(zero, end), bar_top, abs(end - zero), bar_height, colour)
        first_line_y = y + row_height / 2 - (len(lines) - 1) * LABEL_SIZE * LINE_HEIGHT / 2 + LABEL_SIZE * 0.35
        svg.text(left - 8, first_line_y, lines, anchor="end")
        svg.text(max(zero, end) + 4, bar_top + bar_height / 2 + SMALL_SIZE * 0.35, text, size=SMALL_SIZE)
        y += row_height
    svg.line(zero, top, zero, bottom, INK)
    if reference is not None:
        x = x_of(reference.value)
        svg.line(x, top - 4, x, bottom, MUTED, dashed=True)
        _legend(svg, width - 10, 12, [(reference.label, MUTED, True)])
    return svg.render(width, height)


def _x_labels(count: int) -> int:
    """Every how many columns a label is written: at most sixteen labels on an axis."""
    return max(1, math.ceil(count / 16))


def paired_columns(
    labels: Sequence[str],
    first: Sequence[float],
    second: Sequence[float],
    *,
    names: tuple[str, str],
    title: str,
    axis_label: str = "",
) -> str:
    """Two columns per label (opened and closed, say): the first in colour, the second grey."""
    count = len(labels)
    slot = 26.0
    left, top = 56.0, 34.0
    plot_width = max(slot * max(count, 4), 300.0)
    width = left + plot_width + 16
    plot_height = 180.0
    bottom = top + plot_height
    label_room = max((_text_width(label, SMALL_SIZE) for label in labels), default=0.0) * 0.72 + 14
    height = bottom + label_room + 8
    ticks = nice_ticks(0.0, max([*first, *second], default=0.0))
    high = ticks[-1]

    def y_of(value: float) -> float:
        return bottom - value / high * plot_height

    svg = _Svg(title)
    svg.text(left, 16, title, size=LABEL_SIZE)
    _legend(svg, width - 10, 14, [(names[0], BRAND, False), (names[1], MUTED, False)])
    for tick in ticks:
        y = y_of(tick)
        svg.line(left, y, left + plot_width, y, GRID)
        svg.text(left - 6, y + SMALL_SIZE * 0.35, tick_label(tick, ticks), size=SMALL_SIZE, anchor="end")
    if axis_label:
        svg.text(14, (top + bottom) / 2, axis_label, size=SMALL_SIZE, anchor="middle", rotate=-90)
    column = (plot_width / max(count, 1) - 6) / 2
    every = _x_labels(count)
    for i, (label, a, b) in enumerate(zip(labels, first, second, strict=True)):
        centre = left + (i + 0.5) * plot_width / max(count, 1)
        svg.rect(centre - column, y_of(a), column, bottom - y_of(a), BRAND)
        svg.rect(centre, y_of(b), column, bottom - y_of(b), MUTED)
        if i % every == 0:
            svg.text(centre + 4, bottom + 12, label, size=SMALL_SIZE, anchor="end", rotate=-45)
    svg.line(left, bottom, left + plot_width, bottom, INK)
    return svg.render(width, height)


def columns_with_target(
    labels: Sequence[str],
    values: Sequence[float | None],
    targets: Sequence[float | None],
    *,
    axis_label: str,
    title: str,
    names: tuple[str, str],
) -> str:
    """A column per period (none where there is no value) and the target as a dashed line
    with a dot per period; ``names`` are the legend's words for the two. Room is kept for at
    least four periods, so one quarter reads as a column, not a filled box."""
    count = len(labels)
    slots = max(count, 4)
    left, top = 56.0, 30.0
    plot_width = max(56.0 * slots, 260.0)
    width = left + plot_width + 16
    plot_height = 150.0
    bottom = top + plot_height
    height = bottom + 30
    present = [v for v in [*values, *targets] if v is not None]
    ticks = nice_ticks(min(present, default=0.0), max(present, default=0.0))
    low, high = ticks[0], ticks[-1]

    def y_of(value: float) -> float:
        return bottom - (value - low) / (high - low) * plot_height

    offset = (slots - count) / 2

    def centre(i: int) -> float:
        return left + (i + offset + 0.5) * plot_width / slots

    svg = _Svg(title)
    entries = [(names[0], BRAND, False)]
    if any(t is not None for t in targets):
        entries.append((names[1], MUTED, True))
    _legend(svg, width - 10, 12, entries)
    for tick in ticks:
        y = y_of(tick)
        svg.line(left, y, left + plot_width, y, GRID)
        svg.text(left - 6, y + SMALL_SIZE * 0.35, tick_label(tick, ticks), size=SMALL_SIZE, anchor="end")
    svg.text(14, (top + bottom) / 2, axis_label, size=SMALL_SIZE, anchor="middle", rotate=-90)
    half = plot_width / slots * 0.3
    zero = y_of(0.0)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        if value is not None:
            svg.rect(centre(i) - half, min(zero, y_of(value)), 2 * half, abs(zero - y_of(value)), BRAND)
        svg.text(centre(i), bottom + 16, label, size=SMALL_SIZE, anchor="middle")
    points = [(centre(i), y_of(t)) for i, t in enumerate(targets) if t is not None]
    for (x1, y1), (x2, y2) in itertools.pairwise(points):
        svg.line(x1, y1, x2, y2, MUTED, dashed=True)
    for x, y in points:
        svg.parts.append(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="3.5" fill="{MUTED}"/>')
    svg.line(left, zero, left + plot_width, zero, INK)
    return svg.render(width, height)
