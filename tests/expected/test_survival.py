"""The model's arithmetic without a database: the backlog sweep, the concordance index, the
distribution's quantiles and probabilities, and that open cases are censored, not dropped."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from civicdesk.expected import survival


def test_backlog_sweep_equals_counting_case_by_case() -> None:
    rng = np.random.default_rng(7)
    n = 400
    depts = [str(d) for d in rng.integers(0, 4, n)]
    opened = np.sort(rng.uniform(0, 100 * survival.DAY, n))
    closed = opened + rng.exponential(5 * survival.DAY, n)
    closed[rng.random(n) < 0.2] = np.nan  # still open
    closed[3] = opened[3] - 3600  # closed before it was opened (bad source data)
    fast = survival.backlog_at_opening(depts, opened, closed)
    for i in range(n):
        slow = sum(
            1
            for j in range(n)
            if depts[j] == depts[i]
            and opened[j] < opened[i]
            and (np.isnan(closed[j]) or max(closed[j], opened[j]) > opened[i])
        )
        assert fast[i] == slow


def test_concordance_equals_the_pairwise_definition() -> None:
    rng = np.random.default_rng(3)
    days = np.round(rng.exponential(5, 120), 0) + 1  # ties on purpose
    event = (rng.random(120) < 0.7).astype(np.int8)
    pred = np.round(days + rng.normal(0, 3, 120), 0)
    concordant = comparable = 0.0
    for i, j in itertools.permutations(range(120), 2):
        if event[i] and days[i] < days[j]:
            comparable += 1
            concordant += 1.0 if pred[i] < pred[j] else 0.5 if pred[i] == pred[j] else 0.0
    assert survival.concordance(days, event, pred) == pytest.approx(concordant / comparable)


@pytest.mark.parametrize("kind", survival.KINDS)
def test_quantiles_and_survival_agree(kind: str) -> None:
    dist = survival.Distribution(kind, math.log(4.0), 1.3)
    for q in (0.1, 0.5, 0.8):
        days = dist.quantile(q)
        assert 1 - dist.survival(days) == pytest.approx(q, abs=1e-6)
    # A case still open after 10 days: its median is later, and given it is still open, the
    # chance it is still open at day 10 is 1.
    assert dist.quantile(0.5, elapsed_days=10) > 10 > dist.quantile(0.5)
    assert dist.p_late(10, elapsed_days=10) == 1.0
    assert dist.p_late(30, elapsed_days=10) == pytest.approx(dist.survival(30) / dist.survival(10))


def _synthetic(n: int, seed: int) -> survival.History:
    rng = np.random.default_rng(seed)
    types = ["quick" if i % 2 else "slow" for i in range(n)]
    medians = np.where(np.asarray(types) == "quick", 2.0, 20.0)
    opened = np.sort(rng.uniform(0, 400 * survival.DAY, n))
    days = medians * np.exp(rng.normal(0, 0.6, n))
    history = survival.History(
        service_type=types,
        department=["1"] * n,
        district=["1"] * n,
        channel=["web"] * n,
        opened=opened,
        closed=opened + days * survival.DAY,
        month=np.ones(n, dtype=np.int64),
        weekday=np.zeros(n, dtype=np.int64),
        target_days=np.full(n, 5.0),
    )
    history.backlog = survival.backlog_at_opening(history.department, history.opened, history.closed)
    return history


def test_open_cases_are_censored_not_dropped() -> None:
    """Trained as of a day when many slow cases are still open, the model's median for the
    slow type stays near the truth (20 days): dropping the open ones would pull it down."""
    history = _synthetic(800, seed=1)
    as_of = float(history.opened.max())
    params = survival.fit(history, as_of=as_of, min_level_cases=10)
    _days, event = survival.durations(history, as_of)
    assert (event == 0).sum() > 20  # there are censored cases, and they were used
    case = survival.Case("slow", "1", "1", "web", 1, 0, 3)
    dist, _ = survival.distribution(params, case)
    assert 14 < dist.quantile(0.5) < 28
    quick, _ = survival.distribution(params, survival.Case("quick", "1", "1", "web", 1, 0, 3))
    assert 1.3 < quick.quantile(0.5) < 3.0
    assert dist.quantile(0.8) > dist.quantile(0.5)


def test_evaluation_reports_the_figures_and_beats_the_target_on_synthetic_data() -> None:
    history = _synthetic(800, seed=2)
    split = float(np.quantile(history.opened, 0.75))
    params = survival.fit(history, as_of=split, min_level_cases=10)
    figures = survival.evaluate(params, history, start=split, end=float(history.opened.max()) + 1)
    model = figures["model"]
    assert 0.7 < model["coverage80"] < 0.9
    assert model["c_index"] > 0.75
    assert model["mae_median_days"] < figures["baseline_type_target"]["mae_median_days"]
    assert len(figures["calibration"]) == 10


def test_evaluation_splits_the_figures_by_the_history_of_the_type() -> None:
    """A type first seen in the test months is scored apart from the types the model learned:
    the product would give it the fallback, not a model date."""
    history = _synthetic(800, seed=4)
    split = float(np.quantile(history.opened, 0.75))
    late = np.flatnonzero(history.opened >= split)[::3]
    for i in late:
        history.service_type[i] = "new"
    params = survival.fit(history, as_of=split, min_level_cases=10)
    figures = survival.evaluate(params, history, start=split, end=float(history.opened.max()) + 1)
    groups = figures["by_type_history"]
    assert groups["thin_or_new"]["cases"] == len(late)
    assert groups["with_history"]["cases"] + len(late) == figures["cases"]
    for group in groups.values():
        assert group["closed"] > 0
        assert group["model"]["mae_median_days"] >= 0
        assert group["baseline_type_median"]["mae_median_days"] >= 0
    # The learned types: the model's median is near the truth (quick 2 days, slow 20).
    assert groups["with_history"]["model"]["mae_median_days"] < 6


def test_coverage50_is_the_share_closed_by_the_median_date() -> None:
    """Closed cases count, and so does a case still open past its median date (it missed
    it); a case still open before its median date is left out, its fate unknown."""
    days = np.asarray([1.0, 2.0, 3.0, 4.0, 6.0, 1.0])
    event = np.asarray([1, 1, 1, 1, 0, 0], dtype=np.int8)
    median = np.full(6, 2.5)
    figures = survival.point_figures(days, event, median, median)
    assert figures["coverage50"] == pytest.approx(2 / 5)
    assert figures["mae_median_days"] == pytest.approx(1.0)  # |2.5 - d| for d = 1..4: 1.5, .5, .5, 1.5


def test_the_fitted_median_is_passed_by_about_half_the_cases_and_a_shrunk_one_is_not() -> None:
    history = _synthetic(800, seed=5)
    split = float(np.quantile(history.opened, 0.75))
    params = survival.fit(history, as_of=split, min_level_cases=10)
    figures = survival.evaluate(params, history, start=split, end=float(history.opened.max()) + 1)
    assert 0.4 < figures["model"]["coverage50"] < 0.6
    test = history.subset(history.opened >= split)
    days, event = survival.durations(test, float(history.opened.max()) + 1)
    _location, _shape, median = survival.predicted(params, test)
    assert survival.point_figures(days, event, median * 0.5, median)["coverage50"] < 0.3


def test_the_benchs_recent_pace_probe_with_and_without_the_cases_still_open() -> None:
    """Of a type's 10 cases opened ten days before a new one, 4 closed within a day and 6
    are still open: their closed-only median is one day; the Kaplan-Meier median, which
    counts the 6, is not reached, so it is at least the ten days they have been open."""
    import datetime as dt

    from bench.expected import CHICAGO, recent_cohort_medians

    day = dt.datetime(2020, 3, 20, tzinfo=CHICAGO).timestamp()
    noon_before = day - 10 * survival.DAY + 12 * 3600
    opened = np.asarray([noon_before] * 10 + [day + 12 * 3600])
    closed = np.asarray([noon_before + survival.DAY] * 4 + [np.nan] * 7)
    n = len(opened)
    history = survival.History(
        service_type=["a"] * n,
        department=["1"] * n,
        district=[""] * n,
        channel=["web"] * n,
        opened=opened,
        closed=closed,
        month=np.full(n, 3),
        weekday=np.zeros(n, dtype=np.int64),
        target_days=np.full(n, np.nan),
    )
    test = np.zeros(n, dtype=bool)
    test[-1] = True

    def probe(aware: bool, shrink: float = 0.0) -> float:
        medians = {"a": 3.0}
        got = recent_cohort_medians(history, test, medians, 3.0, window_days=30, shrink=shrink, censoring_aware=aware)
        return float(got[0])

    assert probe(False) == pytest.approx(1.0)
    assert probe(True) == pytest.approx(9.5)  # open from noon to the start of the new case's day
    # Shrunk towards the type's median (3 days) by as many cases as it has seen: halfway in log days.
    assert probe(False, shrink=4) == pytest.approx(math.sqrt(3.0))
