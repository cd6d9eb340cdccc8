"""Time to close as a parametric survival model (accelerated failure time), with no Django.

Training (``fit``) uses lifelines' AFT fitters; everything else here (predictions, the
backlog sweep, evaluation) is numpy and the standard library, so a web process that only
predicts never imports lifelines, pandas or scipy, and a prediction is a few dictionary
look-ups and one ``exp``.

The model: log(T) = location(x) + noise / shape, where T is the days from opening to closing,
location is linear in the case's features and the noise is normal (log-normal AFT), extreme
value (Weibull AFT) or logistic (log-logistic AFT). Cases still open are right-censored at
the moment of training: they say "took at least this long", and are never dropped, because
dropping them would teach the model that slow cases do not exist.

Features: service type, department, district, channel, month and weekday of opening (each a
set of indicator columns; levels seen fewer than ``min_level_cases`` times in training share
the intercept), and the department's open backlog when the case came in, as
log2((backlog + 1) / (usual + 1)) where "usual" is the department's median backlog in
training: one unit is "twice the usual backlog".
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np

DAY = 86400.0
# A case closed within the hour counts as an hour: log(0) has no place in a log-time model.
MIN_DAYS = 1.0 / 24.0
CATEGORICAL = ("service_type", "department", "district", "channel", "month", "weekday")
# Indicator columns. The service type (hundreds of levels in a real city) enters instead as one
# number, its own censoring-aware median (below): a fit with a column per type took the two
# cores of our machines tens of minutes; this one, seconds (docs/decisions.md).
DUMMIES = ("department", "district", "channel", "month", "weekday")
# Weight, in cases, of the department's median when a type's own median is shrunk towards it.
TYPE_SHRINK_CASES = 10
# The spread of the time to close also varies (a missed trash pickup is one or two days, a
# property violation anything from a week to a year): these columns enter the shape too.
SHAPE_FEATURES = ("type_median", "type_spread")
KINDS = ("lognormal", "weibull", "loglogistic")
_NORMAL = NormalDist()
PARAMS_VERSION = 1
# Bounds on what a prediction computes, far outside any fitted city's values (Kansas City's
# log shapes are about 0.5 to 1.5): a history with no spread fits a shape in the tens of
# thousands (log about 10), and no ``math.exp`` may overflow nor a date pass what a datetime
# holds. No date is put further than a century away.
MAX_LOG = 50.0
MAX_DAYS = 36525.0


class FitDidNotConverge(Exception):
    """lifelines could not fit the model (its ``ConvergenceError``): try a stronger penalizer."""


def _exp(x: float) -> float:
    return math.exp(min(max(x, -MAX_LOG), MAX_LOG))


@dataclass
class History:
    """A city's cases as columns. ``opened``/``closed`` are seconds since the epoch (UTC);
    ``closed`` is NaN for a case still open; month (1-12) and weekday (0 = Monday) are of the
    opening in the city's own time zone; ``target_days`` is the days from opening to the
    case's due date (its type's target in calendar or business days), NaN where it has none."""

    service_type: list[str]
    department: list[str]
    district: list[str]
    channel: list[str]
    opened: np.ndarray
    closed: np.ndarray
    month: np.ndarray
    weekday: np.ndarray
    target_days: np.ndarray
    backlog: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __len__(self) -> int:
        return len(self.opened)

    def subset(self, mask: np.ndarray) -> History:
        idx = np.flatnonzero(mask)
        return History(
            service_type=[self.service_type[i] for i in idx],
            department=[self.department[i] for i in idx],
            district=[self.district[i] for i in idx],
            channel=[self.channel[i] for i in idx],
            opened=self.opened[idx],
            closed=self.closed[idx],
            month=self.month[idx],
            weekday=self.weekday[idx],
            target_days=self.target_days[idx],
            backlog=self.backlog[idx],
        )

    def categorical(self, name: str) -> list[str]:
        if name in ("month", "weekday"):
            return [str(int(v)) for v in getattr(self, name)]
        values: list[str] = getattr(self, name)
        return values


def backlog_at_opening(department: Sequence[str], opened: np.ndarray, closed: np.ndarray) -> np.ndarray:
    """For each case, how many cases of its department were open the moment it came in.

    One sweep per department over its sorted openings and closings (two binary searches per
    case), not a query per case: backlog = cases opened before it − those of them closed by
    then. A case "closed before it was opened" (bad source data) counts as closed at opening.
    """
    opened = np.asarray(opened, dtype=float)
    closed = np.where(np.isnan(closed), np.inf, np.maximum(closed, opened))
    result = np.zeros(len(opened), dtype=np.int64)
    groups: dict[str, list[int]] = {}
    for i, dept in enumerate(department):
        groups.setdefault(dept, []).append(i)
    for idx_list in groups.values():
        idx = np.asarray(idx_list)
        opens = np.sort(opened[idx])
        closes = np.sort(closed[idx])
        at = opened[idx]
        opened_before = np.searchsorted(opens, at, side="left")
        closed_by = np.searchsorted(closes, at, side="right")
        # A case closed the moment it opened, at the very moment t, was never counted as
        # opened before t: its closing must not be subtracted either.
        instant = np.sort(opened[idx][closed[idx] == opened[idx]])
        closed_by -= np.searchsorted(instant, at, side="right") - np.searchsorted(instant, at, side="left")
        result[idx] = opened_before - closed_by
    return np.maximum(result, 0)


def durations(history: History, as_of: float) -> tuple[np.ndarray, np.ndarray]:
    """Days to close as known at ``as_of`` and whether the closing was seen (1) or the case
    is censored (0): open then, or closed only later."""
    closed_then = ~np.isnan(history.closed) & (history.closed <= as_of)
    end = np.where(closed_then, history.closed, as_of)
    days = np.maximum((end - history.opened) / DAY, MIN_DAYS)
    return days, closed_then.astype(np.int8)


# --- parameters --------------------------------------------------------------------------


def _backlog_feature(backlog: np.ndarray | float, usual: np.ndarray | float) -> np.ndarray:
    return np.log2((np.asarray(backlog, dtype=float) + 1.0) / (np.asarray(usual, dtype=float) + 1.0))


def usual_backlogs(history: History) -> dict[str, float]:
    usual: dict[str, list[int]] = {}
    for dept, value in zip(history.department, history.backlog, strict=True):
        usual.setdefault(dept, []).append(int(value))
    return {dept: float(np.median(values)) for dept, values in usual.items()}


def km_log_median(days: np.ndarray, event: np.ndarray) -> float:
    """log of the Kaplan-Meier median days to close (lifelines); where fewer than half ever
    closed, the longest time seen, a lower bound."""
    from lifelines import KaplanMeierFitter

    median = KaplanMeierFitter().fit(days, event).median_survival_time_
    if not np.isfinite(median):
        median = float(days.max())
    return math.log(max(float(median), MIN_DAYS))


def _km_log_spread(days: np.ndarray, event: np.ndarray) -> float:
    """log of the Kaplan-Meier 75th over 25th percentile days (lifelines)."""
    from lifelines import KaplanMeierFitter

    kmf = KaplanMeierFitter().fit(days, event)
    with warnings.catch_warnings():
        # "Approximating using survival_function_": the step function is what we want.
        warnings.simplefilter("ignore")
        upper, lower = kmf.percentile(0.25), kmf.percentile(0.75)
    longest = float(days.max())
    upper = float(upper) if np.isfinite(upper) else longest
    lower = float(lower) if np.isfinite(lower) else longest
    return math.log(max(upper, MIN_DAYS) / max(lower, MIN_DAYS))


def type_locations(
    history: History, days: np.ndarray, event: np.ndarray, min_cases: int
) -> tuple[dict[str, float], dict[str, float], float, dict[str, float], float]:
    """Censoring-aware log median days of each department and of each type with at least
    ``min_cases`` cases, the type's shrunk towards its department's by TYPE_SHRINK_CASES."""
    overall = km_log_median(days, event)
    by_dept: dict[str, list[int]] = {}
    by_type: dict[str, list[int]] = {}
    for i, (t, d) in enumerate(zip(history.service_type, history.department, strict=True)):
        by_dept.setdefault(d, []).append(i)
        by_type.setdefault(t, []).append(i)
    dept_loc: dict[str, float] = {}
    for dept, idx in by_dept.items():
        n = len(idx)
        own = km_log_median(days[idx], event[idx])
        dept_loc[dept] = (n * own + TYPE_SHRINK_CASES * overall) / (n + TYPE_SHRINK_CASES)
    type_loc: dict[str, float] = {}
    type_spread: dict[str, float] = {}
    overall_spread = _km_log_spread(days, event)
    for service_type, idx in by_type.items():
        if len(idx) < min_cases:
            continue
        depts = Counter(history.department[i] for i in idx)
        prior = dept_loc[depts.most_common(1)[0][0]]
        n = len(idx)
        own = km_log_median(days[idx], event[idx])
        type_loc[service_type] = (n * own + TYPE_SHRINK_CASES * prior) / (n + TYPE_SHRINK_CASES)
        spread = _km_log_spread(days[idx], event[idx])
        type_spread[service_type] = (n * spread + TYPE_SHRINK_CASES * overall_spread) / (n + TYPE_SHRINK_CASES)
    return type_loc, dept_loc, overall, type_spread, overall_spread


def _type_location(params: dict[str, Any], service_type: str, department: str) -> float:
    value = params["type_location"].get(service_type)
    if value is None:
        value = params["department_location"].get(department, params["overall_location"])
    return float(value)


def _type_spread(params: dict[str, Any], service_type: str) -> float:
    return float(params.get("type_spread", {}).get(service_type, params.get("overall_spread", 0.0)))


def _columns(
    history: History, levels: dict[str, list[str]], usual: dict[str, float], params: dict[str, Any]
) -> tuple[list[str], np.ndarray]:
    names: list[str] = []
    blocks: list[np.ndarray] = []
    n = len(history)
    names.append("type_median")
    blocks.append(
        np.asarray(
            [_type_location(params, t, d) for t, d in zip(history.service_type, history.department, strict=True)],
            dtype=float,
        )
    )
    names.append("type_spread")
    blocks.append(np.asarray([_type_spread(params, t) for t in history.service_type], dtype=float))
    for feature in DUMMIES:
        values = np.asarray(history.categorical(feature), dtype=object)
        for level in levels[feature]:
            names.append(f"{feature}={level}")
            blocks.append((values == level).astype(np.float64))
    default_usual = float(np.median(list(usual.values()))) if usual else 0.0
    dept_usual = np.asarray([usual.get(d, default_usual) for d in history.department], dtype=float)
    names.append("backlog")
    blocks.append(_backlog_feature(history.backlog, dept_usual) if n else np.zeros(0))
    matrix = np.column_stack(blocks) if blocks else np.zeros((n, 0))
    return names, matrix


def fit(
    history: History,
    *,
    as_of: float,
    kind: str = "loglogistic",
    penalizer: float = 0.01,
    min_level_cases: int = 20,
    since: float | None = None,
    shape_features: Sequence[str] = SHAPE_FEATURES,
) -> dict[str, Any]:
    """Learn the model from ``history`` as it stood at ``as_of`` (cases opened before it).

    Returns JSON-ready parameters: the coefficients of the location and the shape, the levels
    kept, each department's usual backlog, the number of training cases of each type (for the
    fallback rule) and, per feature, the training-mean contribution (what "usual" means when a
    prediction names the factors that moved it)."""
    import pandas as pd
    from lifelines.exceptions import ConvergenceError

    from civicdesk.expected.fitters import fitter as make_fitter

    window = history.opened < as_of
    if since is not None:
        window &= history.opened >= since
    train = history.subset(window)
    if len(train) == 0:
        raise ValueError("no cases opened before the training date")
    days, event = durations(train, as_of)
    levels: dict[str, list[str]] = {}
    for feature in DUMMIES:
        counts = Counter(train.categorical(feature))
        levels[feature] = sorted(level for level, count in counts.items() if count >= min_level_cases and level)
    usual = usual_backlogs(train)
    type_loc, dept_loc, overall, spread, overall_spread = type_locations(train, days, event, min_level_cases)
    encoding = {
        "type_location": type_loc,
        "department_location": dept_loc,
        "overall_location": overall,
        "type_spread": spread,
        "overall_spread": overall_spread,
    }
    names, matrix = _columns(train, levels, usual, encoding)
    # A column that never varies (a single department, say) carries nothing and stalls the fit.
    keep = [j for j in range(matrix.shape[1]) if np.ptp(matrix[:, j]) > 0]
    names = [names[j] for j in keep]
    matrix = matrix[:, keep]
    frame = pd.DataFrame(matrix, columns=names)
    frame["_days"] = days
    frame["_event"] = event
    fitter = make_fitter(kind, penalizer)
    shape_cols = [name for name in shape_features if name in names]
    try:
        if shape_cols:
            fitter.fit(frame, duration_col="_days", event_col="_event", ancillary=frame[shape_cols])
        else:
            fitter.fit(frame, duration_col="_days", event_col="_event")
    except ConvergenceError as exc:
        raise FitDidNotConverge(f"lifelines did not converge with penalizer {penalizer:g}") from exc
    location_name, shape_name = {
        "lognormal": ("mu_", "sigma_"),
        "weibull": ("lambda_", "rho_"),
        "loglogistic": ("alpha_", "beta_"),
    }[kind]
    params = fitter.params_
    location = {str(col): float(params[(location_name, col)]) for col in params.loc[location_name].index}
    shape = {str(col): float(params[(shape_name, col)]) for col in params.loc[shape_name].index}
    shape_log = shape.pop("Intercept", 0.0)
    coefs = np.asarray([location.get(name, 0.0) for name in names])
    contributions = matrix * coefs
    means: dict[str, float] = {}
    for feature in (*DUMMIES, "type_median", "backlog"):
        cols = [j for j, name in enumerate(names) if name == feature or name.startswith(f"{feature}=")]
        means[feature] = float(contributions[:, cols].sum(axis=1).mean()) if cols else 0.0
    return {
        "version": PARAMS_VERSION,
        "kind": kind,
        "penalizer": penalizer,
        "min_level_cases": min_level_cases,
        "intercept": location.pop("Intercept", 0.0),
        "coefficients": location,
        # lognormal: sigma; weibull: rho; loglogistic: beta. Stored as its log, as fitted.
        "log_shape": shape_log,
        "shape_coefficients": shape,
        "usual_backlog": usual,
        "type_cases": dict(Counter(train.service_type)),
        **encoding,
        "mean_contribution": means,
        "as_of": as_of,
    }


# --- predictions from the parameters --------------------------------------------------------


@dataclass(frozen=True)
class Distribution:
    """The predicted distribution of the days to close of one case (from its opening)."""

    kind: str
    location: float
    shape: float

    def survival(self, days: float) -> float:
        """Probability the case is still open ``days`` after opening."""
        if days <= 0:
            return 1.0
        u = (math.log(days) - self.location) * (1.0 if self.kind == "lognormal" else self.shape)
        if self.kind == "lognormal":
            return 1.0 - _NORMAL.cdf(u / self.shape)
        if self.kind == "weibull":
            return math.exp(-math.exp(min(u, 700.0)))
        return 1.0 / (1.0 + math.exp(min(u, 700.0)))

    def quantile(self, q: float, *, elapsed_days: float = 0.0) -> float:
        """Days from opening by which a share ``q`` of such cases are closed; for a case
        still open after ``elapsed_days``, of those cases that were still open then."""
        if elapsed_days > 0:
            q = 1.0 - self.survival(elapsed_days) * (1.0 - q)
        q = min(max(q, 1e-9), 1.0 - 1e-9)
        if self.kind == "lognormal":
            z = self.location + self.shape * _NORMAL.inv_cdf(q)
        elif self.kind == "weibull":
            z = self.location + math.log(-math.log(1.0 - q)) / self.shape
        else:
            z = self.location + math.log(q / (1.0 - q)) / self.shape
        return max(min(_exp(z), MAX_DAYS), elapsed_days)

    def p_late(self, due_days: float, *, elapsed_days: float = 0.0) -> float:
        """Probability the case is still open ``due_days`` after opening, given it was open
        after ``elapsed_days``."""
        still = self.survival(elapsed_days) if elapsed_days > 0 else 1.0
        if still <= 0:
            return 1.0
        if due_days <= elapsed_days:
            return 1.0
        return min(1.0, self.survival(due_days) / still)


@dataclass(frozen=True)
class Case:
    """The features of one case, as prediction needs them."""

    service_type: str
    department: str
    district: str
    channel: str
    month: int
    weekday: int
    backlog: int


@dataclass(frozen=True)
class Factor:
    """One feature that moved a prediction: ``effect`` multiplies the usual time to close
    (1.4 = 40% longer). ``ratio`` is the backlog against the usual one, for "backlog"."""

    feature: str
    value: str
    effect: float
    ratio: float | None = None


def _contribution(params: dict[str, Any], feature: str, value: str) -> float:
    coef = params["coefficients"].get(f"{feature}={value}")
    return float(coef) if coef is not None else 0.0


def backlog_ratio(params: dict[str, Any], department: str, backlog: int) -> tuple[float, float]:
    usual_map: dict[str, float] = params["usual_backlog"]
    default = float(np.median(list(usual_map.values()))) if usual_map else 0.0
    usual = usual_map.get(department, default)
    return (backlog + 1.0) / (usual + 1.0), usual


def distribution(params: dict[str, Any], case: Case) -> tuple[Distribution, list[Factor]]:
    """The case's distribution, and the features that moved it from the usual, largest first."""
    values = {
        "service_type": case.service_type,
        "department": case.department,
        "district": case.district,
        "channel": case.channel,
        "month": str(case.month),
        "weekday": str(case.weekday),
    }
    location = float(params["intercept"])
    factors: list[Factor] = []
    means = params["mean_contribution"]
    # The type is what the resident reported, not a reason: the factors say what made this
    # case slower or faster than usual for the city, so the type is never one of them.
    location += float(params["coefficients"].get("type_median", 0.0)) * _type_location(
        params, case.service_type, case.department
    ) + float(params["coefficients"].get("type_spread", 0.0)) * _type_spread(params, case.service_type)
    for feature, value in values.items():
        if feature == "service_type":
            continue
        c = _contribution(params, feature, value)
        location += c
        factors.append(Factor(feature, value, _exp(c - means.get(feature, 0.0))))
    ratio, _usual = backlog_ratio(params, case.department, case.backlog)
    b = float(params["coefficients"].get("backlog", 0.0)) * math.log2(ratio)
    location += b
    factors.append(Factor("backlog", case.department, _exp(b - means.get("backlog", 0.0)), ratio=round(ratio, 2)))
    factors.sort(key=lambda f: abs(math.log(f.effect)), reverse=True)
    log_shape = float(params["log_shape"])
    for name, coef in params.get("shape_coefficients", {}).items():
        log_shape += coef * _shape_value(params, name, case.service_type, case.department)
    return Distribution(params["kind"], location, _exp(log_shape)), factors


def _shape_value(params: dict[str, Any], name: str, service_type: str, department: str) -> float:
    if name == "type_median":
        return _type_location(params, service_type, department)
    if name == "type_spread":
        return _type_spread(params, service_type)
    return 0.0


# --- evaluation ----------------------------------------------------------------------------


def predicted(params: dict[str, Any], history: History) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Location, shape and the median days of every case in ``history`` (vectorised)."""
    coef = params["coefficients"]
    location = np.full(len(history), float(params["intercept"]))
    location += float(coef.get("type_median", 0.0)) * np.asarray(
        [_type_location(params, t, d) for t, d in zip(history.service_type, history.department, strict=True)]
    )
    location += float(coef.get("type_spread", 0.0)) * np.asarray(
        [_type_spread(params, t) for t in history.service_type]
    )
    for feature in DUMMIES:
        values = history.categorical(feature)
        location += np.asarray([coef.get(f"{feature}={v}", 0.0) for v in values])
    usual_map: dict[str, float] = params["usual_backlog"]
    default = float(np.median(list(usual_map.values()))) if usual_map else 0.0
    usual = np.asarray([usual_map.get(d, default) for d in history.department])
    location += float(coef.get("backlog", 0.0)) * _backlog_feature(history.backlog, usual)
    log_shape = np.full(len(history), float(params["log_shape"]))
    for name, c in params.get("shape_coefficients", {}).items():
        log_shape += c * np.asarray(
            [_shape_value(params, name, t, d) for t, d in zip(history.service_type, history.department, strict=True)]
        )
    return location, np.exp(np.clip(log_shape, -MAX_LOG, MAX_LOG)), np.exp(np.clip(location, -MAX_LOG, MAX_LOG))


def _quantiles(kind: str, location: np.ndarray, shape: np.ndarray, q: float) -> np.ndarray:
    if kind == "lognormal":
        return np.exp(location + shape * _NORMAL.inv_cdf(q))
    if kind == "weibull":
        return np.exp(location + math.log(-math.log(1.0 - q)) / shape)
    return np.exp(location + math.log(q / (1.0 - q)) / shape)


def _survival(kind: str, location: np.ndarray, shape: np.ndarray, days: np.ndarray) -> np.ndarray:
    z = np.log(np.maximum(days, 1e-9))
    if kind == "lognormal":
        from math import erf

        u = (z - location) / shape
        return np.asarray([0.5 * (1.0 - erf(x / math.sqrt(2.0))) for x in u])
    u = np.clip((z - location) * shape, -700, 700)
    if kind == "weibull":
        return np.exp(-np.exp(u))
    return 1.0 / (1.0 + np.exp(u))


def concordance(days: np.ndarray, event: np.ndarray, predicted_days: np.ndarray) -> float:
    """Harrell's C-index: of the pairs whose order is known (the shorter one closed), the share
    the prediction orders the same way (ties in prediction count half). O(n log n) by sorting
    on the observed days and a Fenwick tree over the ranks of the prediction."""
    order = np.argsort(days, kind="mergesort")
    d, e, p = days[order], event[order], predicted_days[order]
    ranks = np.searchsorted(np.unique(p), p)
    size = int(ranks.max()) + 2 if len(ranks) else 1
    tree = np.zeros(size + 1, dtype=np.int64)

    def add(i: int) -> None:
        i += 1
        while i <= size:
            tree[i] += 1
            i += i & -i

    def count_le(i: int) -> int:
        i += 1
        s = 0
        while i > 0:
            s += int(tree[i])
            i -= i & -i
        return s

    concordant = 0.0
    comparable = 0
    n = len(d)
    # Walk from the longest: for a closed case i, every case with a strictly longer observed
    # time is comparable; it is concordant when its prediction is longer too.
    i = n - 1
    inserted = 0
    while i >= 0:
        j = i
        while j >= 0 and d[j] == d[i]:
            j -= 1
        for k in range(j + 1, i + 1):
            if e[k]:
                le = count_le(int(ranks[k]))
                lt = count_le(int(ranks[k]) - 1) if ranks[k] > 0 else 0
                concordant += (inserted - le) + 0.5 * (le - lt)
                comparable += inserted
        for k in range(j + 1, i + 1):
            add(int(ranks[k]))
            inserted += 1
        i = j
    return concordant / comparable if comparable else float("nan")


def type_medians(history: History, as_of: float) -> tuple[dict[str, float], float]:
    """Median days to close of each type's cases closed before ``as_of`` (the first baseline)."""
    days, event = durations(history.subset(history.opened < as_of), as_of)
    types = [t for t, o in zip(history.service_type, history.opened, strict=True) if o < as_of]
    per: dict[str, list[float]] = {}
    for t, dd, ev in zip(types, days, event, strict=True):
        if ev:
            per.setdefault(t, []).append(float(dd))
    closed = days[event == 1]
    overall = float(np.median(closed)) if len(closed) else 1.0
    return {t: float(np.median(v)) for t, v in per.items()}, overall


def evaluate(
    params: dict[str, Any] | None,
    history: History,
    *,
    start: float,
    end: float,
    train_as_of: float | None = None,
) -> dict[str, Any]:
    """Figures on the cases opened in [start, end), as known at ``end``, for the model (when
    ``params``) and the two baselines: the type's median days to close (cases closed before
    ``train_as_of``, default ``start``) and the type's target.

    - coverage80: of the cases whose fate at the 80% date is known (closed, or still open past
      it), the share closed by it. Cases censored before their 80% date are left out.
    - coverage50: the same for the median date, which an honest median meets about half the
      time. The median error counts closed cases only, so a date too early scores better on
      it the more cases are still open; this figure shows it.
    - mae_median_days: median absolute error of the median date, days, closed cases only.
    - c_index: Harrell's concordance of the predicted median with the days to close.
    - calibration: cases in deciles of the predicted probability of missing the due date
      (where there is one), predicted mean against the share that did miss it.
    - by_type_history: the model's and the type median's figures on the cases whose type had
      at least ``min_level_cases`` training cases (the ones the product dates from the model)
      and on the others (thin or new types, which fall back to the target in the product).
    """
    test = history.subset((history.opened >= start) & (history.opened < end))
    days, event = durations(test, end)
    closed = event == 1
    medians, overall = type_medians(history, train_as_of if train_as_of is not None else start)
    base_median = np.asarray([medians.get(t, overall) for t in test.service_type])
    result: dict[str, Any] = {
        "cases": len(test),
        "closed": int(closed.sum()),
        "censored": int((~closed).sum()),
        "baseline_type_median": point_figures(days, event, base_median, base_median),
    }
    target = test.target_days
    has_target = ~np.isnan(target)
    if has_target.any():
        sub = has_target
        figures = point_figures(days[sub], event[sub], target[sub], target[sub])
        figures["cases"] = int(sub.sum())
        result["baseline_type_target"] = figures
    if params is None:
        return result
    location, shape, median = predicted(params, test)
    p80 = _quantiles(params["kind"], location, shape, 0.8)
    model = point_figures(days, event, median, p80)
    model["c_index"] = concordance(days, event, median)
    result["model"] = model
    result["baseline_type_median"]["c_index"] = concordance(days, event, base_median)
    # The product dates a case from the model only when its type has enough history in the
    # model's data (the selectors' MIN_TYPE_CASES); the others fall back to the type's target.
    # Both groups, model against the type median on the same cases: a new type (Kansas City's
    # COVID-19 "Disease Control" in the test year) has nothing to learn from in either.
    type_cases: dict[str, int] = params.get("type_cases", {})
    min_cases = int(params.get("min_level_cases", 20))
    with_history = np.asarray([type_cases.get(t, 0) >= min_cases for t in test.service_type], dtype=bool)
    result["by_type_history"] = {
        group: {
            "cases": int(mask.sum()),
            "closed": int((mask & closed).sum()),
            "model": point_figures(days[mask], event[mask], median[mask], p80[mask]),
            "baseline_type_median": point_figures(days[mask], event[mask], base_median[mask], base_median[mask]),
        }
        for group, mask in (("with_history", with_history), ("thin_or_new", ~with_history))
    }
    if has_target.any():
        known = has_target & (closed | (days >= target))
        late = days > target
        p_late = _survival(params["kind"], location[known], shape[known], target[known])
        result["calibration"] = calibration_table(p_late, late[known])
        result["brier_late"] = float(np.mean((p_late - late[known]) ** 2))
    return result


def point_figures(days: np.ndarray, event: np.ndarray, median: np.ndarray, p80: np.ndarray) -> dict[str, Any]:
    closed = event == 1
    known = closed | (days >= p80)
    covered = closed & (days <= p80)
    known50 = closed | (days >= median)
    covered50 = closed & (days <= median)
    mae = float(np.median(np.abs(median[closed] - days[closed]))) if closed.any() else float("nan")
    mean_ae = float(np.mean(np.abs(median[closed] - days[closed]))) if closed.any() else float("nan")
    return {
        "coverage80": float(covered[known].mean()) if known.any() else float("nan"),
        "coverage80_cases": int(known.sum()),
        # An honest median date is passed by half the cases: far under 0.5, it dates too early.
        "coverage50": float(covered50[known50].mean()) if known50.any() else float("nan"),
        "mae_median_days": mae,
        "mean_abs_error_days": mean_ae,
    }


def calibration_table(p: np.ndarray, outcome: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    """Deciles of the predicted probability: count, mean prediction, observed share."""
    if len(p) == 0:
        return []
    order = np.argsort(p, kind="mergesort")
    rows = []
    for chunk in np.array_split(order, bins):
        if len(chunk) == 0:
            continue
        rows.append(
            {
                "cases": len(chunk),
                "predicted": round(float(p[chunk].mean()), 4),
                "observed": round(float(outcome[chunk].mean()), 4),
            }
        )
    return rows


def type_counts(values: Iterable[str]) -> dict[str, int]:
    return dict(Counter(values))
