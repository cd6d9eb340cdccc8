"""Small charts written directly as SVG text: horizontal bars, paired columns, and columns
against a target line.

The reports, the operational pages and the performance dashboard draw their charts here.
Writing the SVG by hand takes well under a millisecond per chart, where a plotting library
took 0.2–0.5 s on a busy 2-core server (more than the figures themselves), and needs no
cache that could serve a stale picture. The charts are simple on purpose: every one of them
stands beside the data table it draws, so the picture never has to carry the exact figures.

Text is measured by an estimate (an average glyph width of the sans-serif fonts browsers and
WeasyPrint fall back to); labels longer than a line are wrapped, never cut, and labels under
columns are laid out so that none overlaps the next (on more lines, at 45°, or every other
one when crowded).

Each chart is drawn for the width it will be shown at (``width``): a page shows it at that
size, never stretched or shrunk, so its text stays 11–12 px. A phone gets its own, narrower
drawing (``horizontal_bars(labels_above=True)`` puts each label over its bar).

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
LABEL_GAP = 6.0  # px kept clear between two level labels under columns
ROTATED_SPACING = 18.0  # px between labels written at 45°: their lines are then ~13 px apart
MOST_AXIS_LINES = 3  # a level label under a column takes at most this many lines


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


def _wrap_to(text: str, width: float, size: float) -> list[str]:
    """``text`` in lines no wider than ``width`` (by the estimate), broken at plain spaces only
    (a hair space, as in "FY 2026", holds); a word wider than ``width`` has a line to itself."""
    lines: list[str] = []
    for word in (w for w in text.split(" ") if w):
        if lines and _text_width(f"{lines[-1]} {word}", size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [text]


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
    ``1,500.5`` in English and in Spanish (config/formats/es). Rounded half up as ``floatformat`` rounds
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


def _legend_width(entries: Sequence[tuple[str, str, bool]]) -> float:
    """How wide ``_legend`` draws ``entries``, from its first sample to its last word."""
    return sum(_text_width(label, SMALL_SIZE) + 36 for label, _, _ in entries) - 14


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
    highlight_first: bool = False,
    reference: Reference | None = None,
    width: float = 640,
    labels_above: bool = False,
    value_texts: Sequence[str] | None = None,
) -> str:
    """One bar per label, top to bottom in the given order, each with its value at its end
    (``decimals`` places, then ``suffix``: "%", say; or ``value_texts``, one per bar, as the
    table beside writes them).

    ``highlight_last`` (``highlight_first``) draws the last (first) bar in grey (the "No
    department assigned" row, which is not a department); ``reference`` adds a dashed vertical line with a legend.
    ``labels_above`` writes each label over its bar, across the whole width, instead of in a
    column to the left: on a phone's 300 px a column of labels would leave the bars no room.
    """
    value_texts = list(value_texts) if value_texts is not None else [number(v, decimals) + suffix for v in values]
    value_width = max((_text_width(t, SMALL_SIZE) for t in value_texts), default=0.0)
    extent = [*values, reference.value if reference else 0.0]
    ticks = nice_ticks(min(extent, default=0.0), max(extent, default=0.0))
    low, high = ticks[0], ticks[-1]
    tick_texts = [tick_label(tick, ticks) for tick in ticks]
    line_step = LABEL_SIZE * LINE_HEIGHT
    bar_gap = 2.0  # between a label written above and its bar
    if labels_above:
        wrapped = [_wrap_to(label, width - 4, LABEL_SIZE) for label in labels]
        # The first tick's number is written centred under the axis's start.
        left = max(4.0, _text_width(tick_texts[0], SMALL_SIZE) / 2 + 3)
        row_heights = [len(lines) * line_step + bar_gap + 14 + 10 for lines in wrapped]
        top = 30.0 if reference else 4.0
    else:
        wrapped = [textwrap.wrap(label, WRAP_AT) or [label] for label in labels]
        label_width = max((_text_width(line, LABEL_SIZE) for lines in wrapped for line in lines), default=0.0)
        left = 10 + min(label_width, WRAP_AT * LABEL_SIZE * UPPER_WIDTH) + 10
        row_heights = [max(24.0, len(lines) * line_step + 8) for lines in wrapped]
        top = 30.0 if reference else 10.0
    right = width - max(value_width + 14, _text_width(tick_texts[-1], SMALL_SIZE) / 2 + 4)
    plot_height = sum(row_heights) or 24.0
    bottom = top + plot_height
    axis_lines = _wrap_to(axis_label, width - 8, LABEL_SIZE)
    height = bottom + 44 + (len(axis_lines) - 1) * line_step

    def x_of(value: float) -> float:
        return left + (value - low) / (high - low) * (right - left)

    svg = _Svg(title or axis_label)
    for tick, text in zip(ticks, tick_texts, strict=True):
        x = x_of(tick)
        if not labels_above:
            svg.line(x, top, x, bottom, GRID)
        svg.text(x, bottom + 16, text, size=SMALL_SIZE, anchor="middle")
    axis_width = max(_text_width(line, LABEL_SIZE) for line in axis_lines)
    axis_x = min(max((left + right) / 2, axis_width / 2 + 4), width - axis_width / 2 - 4)
    svg.text(axis_x, bottom + 36, axis_lines, anchor="middle")
    y = top
    zero = x_of(0.0)
    for i, (lines, value, text, row_height) in enumerate(zip(wrapped, values, value_texts, row_heights, strict=True)):
        end = x_of(value)
        muted = (highlight_last and i == len(values) - 1) or (highlight_first and i == 0)
        colour = MUTED if muted else BRAND
        if labels_above:
            bar_height = 14.0
            bar_top = y + len(lines) * line_step + bar_gap
            svg.text(2, y + LABEL_SIZE * 0.95, lines)
            # The grid beside the bar only: drawn down the whole chart, it would strike the labels.
            for tick in ticks:
                svg.line(x_of(tick), bar_top - 3, x_of(tick), bar_top + bar_height + 3, GRID)
        else:
            bar_height = min(16.0, row_height - 8)
            bar_top = y + (row_height - bar_height) / 2
            first_line_y = y + row_height / 2 - (len(lines) - 1) * line_step / 2 + LABEL_SIZE * 0.35
            svg.text(left - 8, first_line_y, lines, anchor="end")
        svg.rect(min(zero, end), bar_top, abs(end - zero), bar_height, colour)
        if labels_above:
            svg.line(zero, bar_top - 3, zero, bar_top + bar_height + 3, INK)
            if reference is not None:
                x = x_of(reference.value)
                svg.line(x, bar_top - 3, x, bar_top + bar_height + 3, MUTED, dashed=True)
        svg.text(max(zero, end) + 4, bar_top + bar_height / 2 + SMALL_SIZE * 0.35, text, size=SMALL_SIZE)
        y += row_height
    if not labels_above:
        svg.line(zero, top, zero, bottom, INK)
        if reference is not None:
            x = x_of(reference.value)
            svg.line(x, top - 4, x, bottom, MUTED, dashed=True)
    if reference is not None:
        _legend(svg, width - 10, 12, [(reference.label, MUTED, True)])
    return svg.render(width, height)


@dataclass(frozen=True)
class _AxisLabels:
    """How the labels under a row of columns are written: level, each on as many lines as it
    needs, or at 45° (``rotated``), then only every ``every``-th when they are crowded."""

    lines: list[list[str]]
    rotated: bool
    every: int
    height: float  # the room they take under the axis

    @staticmethod
    def plan(labels: Sequence[str], slot: float, *, most: int = 16) -> _AxisLabels:
        """Level if every label fits its column's width on at most three lines; else at 45°,
        at least ``ROTATED_SPACING`` apart and never more than ``most`` of them."""
        room = slot - LABEL_GAP
        wrapped = [_wrap_to(label, room, SMALL_SIZE) for label in labels]
        deepest = max((len(lines) for lines in wrapped), default=1)
        if deepest <= MOST_AXIS_LINES and all(
            _text_width(line, SMALL_SIZE) <= room for lines in wrapped for line in lines
        ):
            return _AxisLabels(wrapped, False, 1, 16 + (deepest - 1) * SMALL_SIZE * LINE_HEIGHT + 8)
        every = max(1, math.ceil(len(labels) / most), math.ceil(ROTATED_SPACING / slot))
        longest = max((_text_width(label, SMALL_SIZE) for label in labels), default=0.0)
        return _AxisLabels([[label] for label in labels], True, every, longest * 0.72 + 14)

    def reach_left(self, labels: Sequence[str]) -> float:
        """How far left of its column's centre the first label reaches (at 45°, its start
        runs down and to the left)."""
        if not labels:
            return 0.0
        if not self.rotated:
            return max(_text_width(line, SMALL_SIZE) / 2 for line in self.lines[0])
        return _text_width(labels[0], SMALL_SIZE) * 0.71 - 4

    def draw(self, svg: _Svg, labels: Sequence[str], centres: Sequence[float], bottom: float) -> None:
        for i, (label, lines, x) in enumerate(zip(labels, self.lines, centres, strict=True)):
            if not self.rotated:
                svg.text(x, bottom + 16, lines, size=SMALL_SIZE, anchor="middle")
            elif i % self.every == 0:
                svg.text(x + 4, bottom + 12, label, size=SMALL_SIZE, anchor="end", rotate=-45)


def _columns_layout(
    labels: Sequence[str], width: float, slots: int, *, first: float = 0.0
) -> tuple[float, float, _AxisLabels]:
    """The plot's left edge, each column's slot width and how the labels are written, for
    ``slots`` columns in ``width``; ``first``: in which slot the first label stands. The left
    edge leaves room for the value axis's numbers and for the first label."""
    left = 56.0
    for _ in range(2):
        slot = (width - left - 16) / slots
        axis = _AxisLabels.plan(labels, slot)
        overshoot = axis.reach_left(labels) + 4 - (left + (first + 0.5) * slot)
        if overshoot <= 0:
            break
        left += overshoot
    return left, slot, axis


def paired_columns(
    labels: Sequence[str],
    first: Sequence[float],
    second: Sequence[float],
    *,
    names: tuple[str, str],
    title: str,
    axis_label: str = "",
    width: float = 640,
) -> str:
    """Two columns per label (opened and closed, say): the first in colour, the second grey,
    across ``width``. The legend goes under the title when the two do not fit side by side."""
    count = len(labels)
    entries = [(names[0], BRAND, False), (names[1], MUTED, False)]
    side_by_side = 56 + _text_width(title, LABEL_SIZE) + 16 <= width - 10 - _legend_width(entries)
    legend_y, top = (14.0, 34.0) if side_by_side else (34.0, 52.0)
    slots = max(count, 4)  # one month or two stand in the middle, as columns, not slabs
    offset = (slots - count) / 2
    left, slot, axis = _columns_layout(labels, width, slots, first=offset)
    plot_width = slot * slots
    plot_height = 180.0
    bottom = top + plot_height
    height = bottom + axis.height
    ticks = nice_ticks(0.0, max([*first, *second], default=0.0))
    high = ticks[-1]

    def y_of(value: float) -> float:
        return bottom - value / high * plot_height

    svg = _Svg(title)
    svg.text(left, 16, title, size=LABEL_SIZE)
    _legend(svg, width - 10, legend_y, entries)
    for tick in ticks:
        y = y_of(tick)
        svg.line(left, y, left + plot_width, y, GRID)
        svg.text(left - 6, y + SMALL_SIZE * 0.35, tick_label(tick, ticks), size=SMALL_SIZE, anchor="end")
    if axis_label:
        svg.text(14, (top + bottom) / 2, axis_label, size=SMALL_SIZE, anchor="middle", rotate=-90)
    gap = min(6.0, slot * 0.3)
    column = min((slot - gap) / 2, 28.0)
    centres = [left + (i + offset + 0.5) * slot for i in range(count)]
    for centre, a, b in zip(centres, first, second, strict=True):
        svg.rect(centre - column, y_of(a), column, bottom - y_of(a), BRAND)
        svg.rect(centre, y_of(b), column, bottom - y_of(b), MUTED)
    axis.draw(svg, labels, centres, bottom)
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
    width: float = 520,
) -> str:
    """A column per period (none where there is no value) and the target as a dashed line
    with a dot per period, across ``width``; ``names`` are the legend's words for the two.
    Room is kept for at least four periods, so one quarter reads as a column, not a filled
    box. The periods' names are written level when they fit their column (on two lines if
    need be: "FY 2026" over "Q1"), else at 45°."""
    count = len(labels)
    slots = max(count, 4)
    offset = (slots - count) / 2
    left, slot, axis = _columns_layout(labels, width, slots, first=offset)
    top = 30.0
    plot_width = slot * slots
    plot_height = 150.0
    bottom = top + plot_height
    height = bottom + axis.height
    present = [v for v in [*values, *targets] if v is not None]
    ticks = nice_ticks(min(present, default=0.0), max(present, default=0.0))
    low, high = ticks[0], ticks[-1]

    def y_of(value: float) -> float:
        return bottom - (value - low) / (high - low) * plot_height

    centres = [left + (i + offset + 0.5) * slot for i in range(count)]
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
    half = min(slot * 0.3, 24.0)
    zero = y_of(0.0)
    for centre, value in zip(centres, values, strict=True):
        if value is not None:
            svg.rect(centre - half, min(zero, y_of(value)), 2 * half, abs(zero - y_of(value)), BRAND)
    axis.draw(svg, labels, centres, bottom)
    points = [(centres[i], y_of(t)) for i, t in enumerate(targets) if t is not None]
    for (x1, y1), (x2, y2) in itertools.pairwise(points):
        svg.line(x1, y1, x2, y2, MUTED, dashed=True)
    for x, y in points:
        svg.parts.append(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="3.5" fill="{MUTED}"/>')
    svg.line(left, zero, left + plot_width, zero, INK)
    return svg.render(width, height)
