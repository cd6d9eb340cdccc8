"""The status rule on every edge (civicdesk/performance/status.py; docs/performance-dashboard.md)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from civicdesk.performance.status import Status, status_of


def higher(value, target="75", **kw):
    return status_of(None if value is None else D(value), target=D(target), higher_is_better=True, **kw)


def lower(value, target="300", **kw):
    return status_of(None if value is None else D(value), target=D(target), higher_is_better=False, **kw)


def test_no_value_is_no_data_never_zero_in_either_direction():
    assert higher(None) == Status.NO_DATA
    assert lower(None) == Status.NO_DATA
    assert Status.NO_DATA.label == "No data"
    # Zero is a real value: for a lower-is-better measure it meets the target.
    assert lower("0") == Status.MET


def test_a_value_without_a_target_is_shown_but_not_judged():
    assert status_of(D("5"), target=None, higher_is_better=True) == Status.NO_TARGET


@pytest.mark.parametrize(
    ("value", "strict", "expected"),
    [
        ("81", False, Status.MET),
        ("75", False, Status.MET),  # equal to an inclusive target: in the city's favour
        ("75", True, Status.NOT_MET),  # equal to a strict target: not met
        ("75.0001", True, Status.MET),
        ("74.99", False, Status.NOT_MET),
    ],
)
def test_higher_is_better_boundary(value, strict, expected):
    assert higher(value, strict=strict) == expected


@pytest.mark.parametrize(
    ("value", "strict", "expected"),
    [
        ("299", False, Status.MET),
        ("300", False, Status.MET),  # "≤ 5 min": exactly 5:00 is met
        ("300", True, Status.NOT_MET),  # "< 5:00": exactly 5:00 is not
        ("299.9", True, Status.MET),
        ("300.1", False, Status.NOT_MET),
    ],
)
def test_lower_is_better_boundary(value, strict, expected):
    assert lower(value, strict=strict) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("74.99", Status.UNDER),
        ("70", Status.UNDER),  # the band's far edge is inside the band
        ("69.99", Status.NOT_MET),
        ("75", Status.MET),
    ],
)
def test_higher_is_better_absolute_band(value, expected):
    assert higher(value, tolerance=D("5")) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("300.5", Status.UNDER),
        ("330", Status.UNDER),  # far edge: 10% of 300 = 30 s
        ("330.01", Status.NOT_MET),
        ("300", Status.MET),
    ],
)
def test_lower_is_better_percent_band(value, expected):
    assert lower(value, tolerance=D("10"), tolerance_is_percent=True) == expected


def test_the_band_lies_on_the_unfavourable_side_only():
    # Above a lower-is-better target is unfavourable; below is met however far.
    assert lower("100", tolerance=D("30")) == Status.MET
    # Below a higher-is-better target is unfavourable; above is met however far.
    assert higher("100", tolerance=D("5")) == Status.MET


def test_strict_target_with_a_band_puts_the_boundary_in_the_band():
    assert higher("75", strict=True, tolerance=D("5")) == Status.UNDER
    assert lower("380", target="380", strict=True, tolerance=D("20")) == Status.UNDER


def test_zero_tolerance_means_no_band():
    assert higher("74.9999", tolerance=D("0")) == Status.NOT_MET
    assert lower("300.0001", tolerance=D("0"), tolerance_is_percent=True) == Status.NOT_MET


def test_negative_tolerance_is_refused():
    with pytest.raises(ValueError):
        higher("70", tolerance=D("-1"))


def test_seed_003_first_quarter_statuses():
    assert higher("81", target="75") == Status.MET  # code enforcement inspected ≥ 75%
    assert lower(D("8.53") * 60, target="300") == Status.NOT_MET  # calls answered ≤ 5 min
    assert lower("15", target="5", strict=True) == Status.NOT_MET  # animal calls held over < 5%
    assert lower(D("7.78") * 60, target="380", strict=True) == Status.NOT_MET  # fire < 6:20
    assert lower("517", target="300") == Status.NOT_MET  # police 8:37 ≤ 5:00
    assert higher("342", target="241.25") == Status.MET  # jobs, quarter of 965


def test_labels_are_the_citys_words():
    assert [s.label for s in (Status.MET, Status.UNDER, Status.NOT_MET)] == ["Goal Met", "Under Goal", "Goal Not Met"]
