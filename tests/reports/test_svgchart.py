"""The SVG charts (civicdesk.core.svgchart): well-formed documents whose bars are as long as
their values, with every label and value written (escaped) and round axis ticks; labels
under columns that never run into each other, at a desk's width or a phone's.
(tests/browser/test_narrow_screens.py measures the same in a real browser's fonts.)"""

from __future__ import annotations

import itertools
import math
import xml.etree.ElementTree as ET

import pytest
from defusedxml.ElementTree import fromstring
from django.template.defaultfilters import floatformat
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from civicdesk.core import svgchart

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return fromstring(svg)


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{NS}text")]


def bar_widths(root: ET.Element, fill: str) -> list[float]:
    return [float(r.get("width", 0)) for r in root.iter(f"{NS}rect") if r.get("fill") == fill]


def test_bars_are_proportional_to_their_values_and_every_figure_is_written() -> None:
    svg = svgchart.horizontal_bars(
        ["Streets", "Water", "No department assigned"],
        [50.0, 25.0, 12.5],
        axis_label="Share of new requests (%)",
        decimals=1,
        suffix="%",
        highlight_last=True,
    )
    root = parse(svg)
    brand, muted = bar_widths(root, svgchart.BRAND), bar_widths(root, svgchart.MUTED)
    assert len(brand) == 2 and len(muted) == 1  # the unassigned row is drawn apart
    assert brand[0] == pytest.approx(2 * brand[1], rel=0.01)
    assert brand[1] == pytest.approx(2 * muted[0], rel=0.01)
    words = texts(root)
    for expected in (
        "Streets",
        "Water",
        "No department assigned",
        "50.0%",
        "25.0%",
        "12.5%",
        "Share of new requests (%)",
    ):
        assert expected in words


def test_labels_with_markup_are_escaped_and_long_labels_wrapped_not_cut() -> None:
    label = "Parks & <Recreation> — a very long department name that needs two lines"
    root = parse(svgchart.horizontal_bars([label], [3], axis_label="New requests"))
    spans = ["".join(t.itertext()) for t in root.iter(f"{NS}tspan")]
    assert len(spans) >= 2
    assert " ".join(spans) == label


def test_no_rows_and_all_zero_rows_still_give_a_valid_chart() -> None:
    for labels, values in (([], []), (["A", "B"], [0, 0])):
        root = parse(svgchart.horizontal_bars(labels, values, axis_label="Open cases"))
        assert root.tag == f"{NS}svg"
    root = parse(svgchart.paired_columns([], [], [], names=("Opened", "Closed"), title="Per week"))
    assert "Per week" in texts(root)


def test_paired_columns_draw_both_series_and_thin_out_crowded_labels() -> None:
    labels = [f"W{i}" for i in range(52)]
    root = parse(
        svgchart.paired_columns(
            labels, list(range(52)), [51 - i for i in range(52)], names=("Opened", "Closed"), title="t"
        )
    )
    assert len(bar_widths(root, svgchart.BRAND)) == 52 + 1  # + the legend's swatch
    assert len(bar_widths(root, svgchart.MUTED)) == 52 + 1
    written = [t for t in texts(root) if t.startswith("W")]
    assert 10 <= len(written) <= 16 and written[0] == "W0"


def test_columns_with_target_skip_missing_values_and_join_the_targets() -> None:
    root = parse(
        svgchart.columns_with_target(
            ["Q1", "Q2", "Q3"],
            [80.0, None, -5.0],
            [90.0, 90.0, None],
            axis_label="%",
            title="Potholes",
            names=("Actual", "Target"),
        )
    )
    assert len(bar_widths(root, svgchart.BRAND)) == 2 + 1  # two columns and the legend
    assert len(list(root.iter(f"{NS}circle"))) == 2
    assert {"Q1", "Q2", "Q3", "Actual", "Target"} <= set(texts(root))


def test_numbers_are_written_in_the_active_language_as_the_tables_write_them() -> None:
    # Spanish as it is read in Missouri (and Mexico): a decimal point and a comma between
    # thousands, as on the English pages, not Spain's "37,9" and "1 500".
    with translation.override("es"):
        root = parse(
            svgchart.horizontal_bars(
                ["Calles", "Agua"], [37.9, 1500.0], axis_label="Solicitudes", decimals=1, suffix="%"
            )
        )
        assert svgchart.tick_label(2.5, [0.0, 2.5, 5.0]) == "2.5"
        assert svgchart.number(1500.5, 1) == "1,500.5"
    words = texts(root)
    assert "37.9%" in words and "1,500.0%" in words
    assert "37,9%" not in words and not any("\xa0" in w for w in words)
    assert any("," in w for w in words if w[0].isdigit() and len(w) > 5)  # the ticks are grouped the same way
    with translation.override("en"):
        assert svgchart.number(1500.5, 1) == "1,500.5"
        assert svgchart.tick_label(2.5, [0.0, 2.5, 5.0]) == "2.5"


@pytest.mark.parametrize("value", [37.96, 2.25, 0.15, -0.04, 12.345, 99.95, 1e-7, 123456.789])
@pytest.mark.parametrize("decimals", [0, 1, 2])
def test_numbers_are_rounded_as_the_tables_floatformat_rounds_them(value: float, decimals: int) -> None:
    for language in ("en", "es"):
        with translation.override(language):
            table = floatformat(value, f"{decimals}g")
            assert svgchart.number(value, decimals) == table, (language, value, decimals)


def test_a_reference_line_is_drawn_at_its_value_with_a_legend() -> None:
    root = parse(
        svgchart.horizontal_bars(
            ["A", "B"], [2.0, 4.0], axis_label="per 1,000", reference=svgchart.Reference(3.0, "Median 3.0")
        )
    )
    dashed = [line for line in root.iter(f"{NS}line") if line.get("stroke-dasharray")]
    assert len(dashed) == 2  # the line and its legend sample
    assert "Median 3.0" in texts(root)


@settings(max_examples=200, deadline=None)
@given(st.floats(-1e9, 1e9, allow_nan=False), st.floats(-1e9, 1e9, allow_nan=False))
def test_ticks_are_round_evenly_spaced_and_cover_the_range(a: float, b: float) -> None:
    low, high = min(a, b), max(a, b)
    ticks = svgchart.nice_ticks(low, high)
    assert ticks[0] <= min(low, 0) and ticks[-1] >= max(high, 0)
    assert 0.0 in ticks
    steps = [y - x for x, y in itertools.pairwise(ticks)]
    assert all(step > 0 and math.isclose(step, steps[0], rel_tol=1e-6) for step in steps)
    assert len(ticks) <= 12
    assert svgchart.tick_label(ticks[-1], ticks)


# Labels as the pages write them: the dashboard's periods (a hair space after FY), the
# operational report's weeks and months, and long department names.
QUARTERS = [f"FY\u200a{2025 + i // 4} Q{i % 4 + 1}" for i in range(12)]
MONTHS = [f"FY\u200a2027 {month} 2026" for month in ("Jul", "Aug", "Sep", "Oct", "Nov", "Dec")] + [
    f"FY\u200a2027 {month} 2027" for month in ("Jan", "Feb", "Mar", "Apr", "May", "Jun")
]
SPANISH_QUARTERS = [f"AF{2025 + i // 4} T{i % 4 + 1}" for i in range(12)]
WEEKS = [f"{1 + i // 4:02d}/{1 + 7 * (i % 4):02d}" for i in range(52)]
YEAR_MONTHS = [f"{2025 + i // 12}-{1 + i % 12:02d}" for i in range(24)]


def axis_labels(root: ET.Element, labels: list[str]) -> list[tuple[ET.Element, list[str]]]:
    """The texts under the columns that write one of ``labels`` (on one line or several)."""
    wanted = {label.replace(" ", "") for label in labels}
    found = []
    for text in root.iter(f"{NS}text"):
        lines = [span.text or "" for span in text.iter(f"{NS}tspan")] or [text.text or ""]
        if "".join(lines).replace(" ", "") in wanted:
            found.append((text, lines))
    return found


def assert_apart(root: ET.Element, labels: list[str]) -> None:
    """By the chart's own estimate of text widths: level labels do not touch, labels at 45°
    are far enough apart for their lines not to cross, and none runs off the chart."""
    width = float(root.get("width", 0))
    written = axis_labels(root, labels)
    assert written, "no label written under the columns"
    rotated = [text for text, _ in written if "rotate(-45" in text.get("transform", "")]
    if rotated:
        assert len(rotated) == len(written)
        xs = [float(text.get("x", 0)) for text in rotated]
        assert all(b - a >= svgchart.ROTATED_SPACING - 0.1 for a, b in itertools.pairwise(xs)), xs
        first = "".join(rotated[0].itertext())
        assert xs[0] - svgchart._text_width(first, svgchart.SMALL_SIZE) * 0.71 >= 0
        return
    assert len(written) == len(labels)  # level labels: every one is written
    extents = []
    for text, lines in written:
        x, half = float(text.get("x", 0)), max(svgchart._text_width(line, svgchart.SMALL_SIZE) for line in lines) / 2
        extents.append((x - half, x + half))
    assert extents[0][0] >= 0 and extents[-1][1] <= width
    assert all(right <= left for (_, right), (left, _) in itertools.pairwise(extents)), extents


@pytest.mark.parametrize("width", [300, 520])
@pytest.mark.parametrize(
    "labels",
    [QUARTERS[:n] for n in (1, 4, 5, 6, 8, 12)] + [MONTHS, MONTHS[:4], SPANISH_QUARTERS[:6]],
    ids=lambda labels: f"{len(labels)}-{labels[0]}",
)
def test_the_periods_under_a_trend_never_overlap(labels: list[str], width: int) -> None:
    """ "FY2026 Q1FY2026 Q2…": six quarters' names once ran into each other, 56 px apart."""
    n = len(labels)
    svg = svgchart.columns_with_target(
        labels, [50.0] * n, [60.0] * n, axis_label="%", title="t", names=("Actual", "Target"), width=width
    )
    root = parse(svg)
    assert float(root.get("width", 0)) == width
    assert_apart(root, labels)


def test_periods_that_fit_their_column_are_written_level_on_two_lines_if_need_be() -> None:
    level = parse(
        svgchart.columns_with_target(
            QUARTERS[:6], [1.0] * 6, [None] * 6, axis_label="%", title="t", names=("Actual", "Target"), width=520
        )
    )
    assert [lines for _, lines in axis_labels(level, QUARTERS[:6])] == [[q] for q in QUARTERS[:6]]
    two_lines = parse(
        svgchart.columns_with_target(
            QUARTERS[:4], [1.0] * 4, [None] * 4, axis_label="%", title="t", names=("Actual", "Target"), width=300
        )
    )
    assert next(lines for _, lines in axis_labels(two_lines, QUARTERS[:4])) == ["FY\u200a2025", "Q1"]


@pytest.mark.parametrize("width", [300, 640])
@pytest.mark.parametrize("labels", [WEEKS[:3], WEEKS[:13], WEEKS, YEAR_MONTHS[:2], YEAR_MONTHS], ids=len)
def test_the_weeks_and_months_under_paired_columns_never_overlap(labels: list[str], width: int) -> None:
    n = len(labels)
    root = parse(
        svgchart.paired_columns(
            labels, list(range(n)), list(range(n)), names=("Opened", "Closed"), title="Per week", width=width
        )
    )
    assert float(root.get("width", 0)) == width
    assert_apart(root, labels)


def test_on_a_phone_the_legend_goes_under_the_title_when_they_do_not_fit_side_by_side() -> None:
    def rows(width: int) -> tuple[float, float]:
        root = parse(
            svgchart.paired_columns(
                WEEKS[:13], [1] * 13, [1] * 13, names=("Abiertas", "Cerradas"), title="Por semana", width=width
            )
        )
        y = {"".join(t.itertext()): float(t.get("y", 0)) for t in root.iter(f"{NS}text")}
        return y["Por semana"], y["Cerradas"]

    title, legend = rows(640)
    assert abs(title - legend) < 6
    title, legend = rows(300)
    assert legend > title + 12


def test_on_a_phone_each_label_is_written_over_its_bar_across_the_whole_width() -> None:
    labels = [
        "CD-NEIGHBORHOOD SERVICES",
        "Lighting Issue at City Facilities and Parking Lots",
        "No department assigned",
    ]
    root = parse(
        svgchart.horizontal_bars(
            labels,
            [37.5, 20.0, 0.2],
            axis_label="Share of new requests (%)",
            decimals=1,
            suffix="%",
            highlight_last=True,
            reference=svgchart.Reference(10.0, "Median 10.0"),
            width=300,
            labels_above=True,
        )
    )
    assert root.get("width") == "300"
    bars = [r for r in root.iter(f"{NS}rect") if float(r.get("height", 0)) == 14]  # the legend's sample is 12
    written = axis_labels(root, labels)
    assert len(written) == len(bars) == 3
    for (text, lines), bar in zip(written, bars, strict=True):
        last_baseline = float(text.get("y", 0)) + (len(lines) - 1) * svgchart.LABEL_SIZE * svgchart.LINE_HEIGHT
        assert text.get("x") == "2" and last_baseline < float(bar.get("y", 0))
        assert all(svgchart._text_width(line, svgchart.LABEL_SIZE) <= 296 for line in lines)
    assert len(written[1][1]) == 2  # the long name on two lines, not cut
    assert {"37.5%", "20.0%", "0.2%", "Median 10.0"} <= set(texts(root))
