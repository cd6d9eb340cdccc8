"""The SVG charts (civicdesk.core.svgchart): well-formed documents whose bars are as long as
their values, with every label and value written (escaped) and round axis ticks."""

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
    with translation.override("es"):
        root = parse(
            svgchart.horizontal_bars(
                ["Calles", "Agua"], [37.9, 1500.0], axis_label="Solicitudes", decimals=1, suffix="%"
            )
        )
        assert svgchart.tick_label(2.5, [0.0, 2.5, 5.0]) == "2,5"
    words = texts(root)
    assert "37,9%" in words and "1\xa0500,0%" in words
    assert "37.9%" not in words
    assert any("\xa0" in w for w in words if w[0].isdigit())  # the ticks are grouped the same way
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
