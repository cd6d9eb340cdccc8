"""Evaluate the expected-closing-date model on the real Kansas City cases (issue 15).

    .venv/bin/python bench/expected.py                     # the figures, written to bench/expected.json
    .venv/bin/python bench/expected.py --compare           # also the other model families (slow)
    .venv/bin/python bench/expected.py --data DIR --out F  # another copy of the data / output

The 80,203 cases of ../shared/data/311/kcmo (16 CSVs in the city's export schema), split by
time: the model is trained on the cases opened before the last 12 months, as they stood then
(a case closed later counts as still open: censored), and tested on the cases opened in the
last 12 months, as they stood at the end of the data. Baselines: the type's median days to
close (its cases closed before the split) and the type's target. The export has no target
per type, only the city's flag EXCEEDED EST TIMEFRAME on each case: the target used is the
whole number of days that best separates the type's flagged cases from the others in the
training years (docs/expected.md). Reads no database; needs lifelines (requirements).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import sys
import time
import zoneinfo
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from civicdesk.expected import survival  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "data" / "311" / "kcmo"
CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


def _local(date: str, clock: str = "") -> dt.datetime | None:
    date = date.strip()
    if not date:
        return None
    if clock.strip():
        naive = dt.datetime.strptime(f"{date} {clock.strip()}", "%m/%d/%Y %I:%M %p")
    else:
        # Close dates carry no time of day: "closed that day" is read as by its end, which
        # is also what a date shown to a resident means ("closed by December 11").
        naive = dt.datetime.strptime(date, "%m/%d/%Y").replace(hour=23, minute=59, second=59)
    return naive.replace(tzinfo=CHICAGO)


def load(data: Path) -> tuple[survival.History, np.ndarray]:
    """The cases as a History (department = the city's WORK GROUP, the unit a case is routed
    to) and, per case, the city's flag "exceeded the estimated time frame"."""
    rows: list[dict[str, str]] = []
    for path in sorted(data.glob("*_neighborhood.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            rows.extend(csv.DictReader(handle))
    opened: list[float] = []
    closed: list[float] = []
    months: list[int] = []
    weekdays: list[int] = []
    types: list[str] = []
    depts: list[str] = []
    districts: list[str] = []
    channels: list[str] = []
    flags: list[bool] = []
    seen: set[str] = set()
    for row in rows:
        if row["CASE ID"] in seen:
            continue
        seen.add(row["CASE ID"])
        start = _local(row["CREATION DATE"], row["CREATION TIME"])
        if start is None:
            continue
        end = _local(row["CLOSED DATE"])
        opened.append(start.timestamp())
        closed.append(end.timestamp() if end is not None else float("nan"))
        months.append(start.month)
        weekdays.append(start.weekday())
        types.append(row["REQUEST TYPE"].strip())
        depts.append(row["WORK GROUP"].strip() or row["DEPARTMENT"].strip())
        raw_district = row["COUNCIL DISTRICT"].strip()
        districts.append(str(int(float(raw_district))) if raw_district else "")
        channels.append(row["SOURCE"].strip())
        flags.append(row["EXCEEDED EST TIMEFRAME"].strip() == "Y")
    opened_a = np.asarray(opened)
    closed_a = np.asarray(closed)
    history = survival.History(
        service_type=types,
        department=depts,
        district=districts,
        channel=channels,
        opened=opened_a,
        closed=closed_a,
        month=np.asarray(months),
        weekday=np.asarray(weekdays),
        target_days=np.full(len(opened), np.nan),
    )
    history.backlog = survival.backlog_at_opening(depts, opened_a, closed_a)
    return history, np.asarray(flags)


def implied_targets(history: survival.History, flags: np.ndarray, split: float) -> dict[str, float]:
    """Per type, the whole number of days d for which "closed after d days" agrees best with
    the city's flag on the type's cases closed before ``split`` (ties: the smallest d)."""
    days = (history.closed - history.opened) / survival.DAY
    closed = ~np.isnan(history.closed) & (history.closed < split)
    per: dict[str, list[int]] = {}
    for i in np.flatnonzero(closed):
        per.setdefault(history.service_type[i], []).append(i)
    targets: dict[str, float] = {}
    for service_type, idx_list in per.items():
        idx = np.asarray(idx_list)
        d = np.floor(np.maximum(days[idx], 0.0))
        f = flags[idx]
        if len(idx) < 10 or not f.any():
            continue
        candidates = np.arange(0, min(int(d.max()) + 1, 366))
        agreement = [int(((d > c) == f).sum()) for c in candidates]
        targets[service_type] = float(candidates[int(np.argmax(agreement))] + 1)
    return targets


def recent_cohort_medians(
    history: survival.History,
    test: np.ndarray,
    medians: dict[str, float],
    overall: float,
    *,
    window_days: float,
    shrink: float,
    censoring_aware: bool,
) -> np.ndarray:
    """A probe, not a model: for each case of ``test``, the median days to close of its type's
    cases opened in the ``window_days`` before the day it came in, as they stood at the start
    of that day (known then), shrunk in log days towards the type's median by ``shrink``
    cases. ``censoring_aware``: the Kaplan-Meier median of those cases (lifelines); else the
    median of the ones already closed, which leaves out the slow ones still open and so dates
    too early."""
    by_type: dict[str, list[int]] = {}
    for i in np.flatnonzero(test):
        by_type.setdefault(history.service_type[i], []).append(int(i))
    all_of_type: dict[str, list[int]] = {t: [] for t in by_type}
    for i, service_type in enumerate(history.service_type):
        if service_type in all_of_type:
            all_of_type[service_type].append(i)
    result = np.full(len(history), np.nan)
    for service_type, idx_list in by_type.items():
        same = np.asarray(all_of_type[service_type])
        same = same[np.argsort(history.opened[same], kind="stable")]
        opened, closed = history.opened[same], history.closed[same]
        prior = math.log(max(medians.get(service_type, overall), survival.MIN_DAYS))
        kept: dict[float, float] = {}
        for i in idx_list:
            moment = history.opened[i]
            day = dt.datetime.fromtimestamp(moment, CHICAGO).replace(hour=0, minute=0, second=0).timestamp()
            if day not in kept:
                lo, hi = np.searchsorted(opened, [day - window_days * survival.DAY, day])
                seen = ~np.isnan(closed[lo:hi]) & (closed[lo:hi] <= day)
                days = np.maximum(
                    (np.where(seen, closed[lo:hi], day) - opened[lo:hi]) / survival.DAY, survival.MIN_DAYS
                )
                own: float | None = None
                n = int(hi - lo) if censoring_aware else int(seen.sum())
                if censoring_aware and n and seen.any():
                    own = survival.km_log_median(days, seen.astype(np.int8))
                elif not censoring_aware and n:
                    own = math.log(float(np.median(days[seen])))
                kept[day] = prior if own is None else (n * own + shrink * prior) / (n + shrink)
            result[i] = math.exp(kept[day])
    return result[test]


def run(
    data: Path, *, kinds: list[str], penalizer: float, min_level_cases: int, train_years: int, shape: bool
) -> dict[str, Any]:
    started = time.perf_counter()
    history, flags = load(data)
    loaded = time.perf_counter() - started
    end = float(np.nanmax(np.concatenate([history.opened, history.closed])))
    end_day = dt.datetime.fromtimestamp(end, CHICAGO)
    split_day = end_day.replace(year=end_day.year - 1, hour=0, minute=0, second=0)
    split = split_day.timestamp()
    since = split_day.replace(year=split_day.year - train_years).timestamp() if train_years else None
    targets = implied_targets(history, flags, split)
    history.target_days = np.asarray([targets.get(t, np.nan) for t in history.service_type])
    in_window = (history.opened < split) & (history.opened >= (since or -np.inf))
    train_cases = int(in_window.sum())
    report: dict[str, Any] = {
        "data": "Kansas City, MO 311 cases (../shared/data/311/kcmo)",
        "cases": len(history),
        "train_cases": train_cases,
        "train_open_at_split": int((in_window & ~(history.closed <= split)).sum()),
        "train_years": train_years or "all",
        "shape_features": list(survival.SHAPE_FEATURES) if shape else [],
        "test_from": split_day.date().isoformat(),
        "test_to": end_day.date().isoformat(),
        "types_with_implied_target": len(targets),
        "load_seconds": round(loaded, 2),
        "models": {},
    }
    for kind in kinds:
        t0 = time.perf_counter()
        params = survival.fit(
            history,
            as_of=split,
            kind=kind,
            penalizer=penalizer,
            min_level_cases=min_level_cases,
            since=since,
            shape_features=survival.SHAPE_FEATURES if shape else (),
        )
        fitted = time.perf_counter() - t0
        baseline_history = history.subset(history.opened >= since) if since is not None else history
        figures = survival.evaluate(params, baseline_history, start=split, end=end + 1)
        figures["fit_seconds"] = round(fitted, 1)
        figures["parameters"] = len(params["coefficients"]) + 2
        figures["predict_ms"] = _predict_ms(params, history)
        report["models"][kind] = figures
        print(f"{kind}: {json.dumps(_summary(figures))}", flush=True)
    report["probes"] = _probes(
        history.subset(history.opened >= since) if since is not None else history, split, end + 1
    )
    print(f"probes: {json.dumps(report['probes'])}", flush=True)
    return report


def _probes(history: survival.History, split: float, end: float) -> dict[str, Any]:
    """What beats the type median on the median error, and what it costs: the type's pace
    over the last 30 days, censoring-aware and not (docs/expected.md)."""
    test = (history.opened >= split) & (history.opened < end)
    days, event = survival.durations(history.subset(test), end)
    medians, overall = survival.type_medians(history, split)
    probes: dict[str, Any] = {}
    for name, aware in (("recent_30_days_kaplan_meier", True), ("recent_30_days_closed_only", False)):
        median = recent_cohort_medians(history, test, medians, overall, window_days=30, shrink=5, censoring_aware=aware)
        figures = survival.point_figures(days, event, median, median)
        probes[name] = {key: figures[key] for key in ("mae_median_days", "coverage50", "mean_abs_error_days")}
    return probes


def _predict_ms(params: dict[str, Any], history: survival.History) -> float:
    """Mean time of one prediction from the parameters (distribution, median, 80% date,
    probability of missing a due date), over 2,000 cases."""
    cases = [
        survival.Case(
            history.service_type[i],
            history.department[i],
            history.district[i],
            history.channel[i],
            int(history.month[i]),
            int(history.weekday[i]),
            int(history.backlog[i]),
        )
        for i in range(min(2000, len(history)))
    ]
    t0 = time.perf_counter()
    for case in cases:
        dist, _factors = survival.distribution(params, case)
        dist.quantile(0.5)
        dist.quantile(0.8)
        dist.p_late(5.0)
    return round((time.perf_counter() - t0) * 1000 / len(cases), 4)


def _summary(figures: dict[str, Any]) -> dict[str, Any]:
    model = figures.get("model", {})
    base = figures["baseline_type_median"]
    groups = figures.get("by_type_history", {})
    per_group = {
        f"{key}_{group}": round(values[figure]["mae_median_days"], 2)
        for group, values in groups.items()
        for key, figure in (("mae", "model"), ("baseline_mae", "baseline_type_median"))
    }
    return {
        "coverage80": round(model.get("coverage80", float("nan")), 3),
        "coverage50": round(model.get("coverage50", float("nan")), 3),
        "mae": round(model.get("mae_median_days", float("nan")), 2),
        "c_index": round(model.get("c_index", float("nan")), 3),
        "baseline_mae": round(base["mae_median_days"], 2),
        "baseline_coverage80": round(base["coverage80"], 3),
        # The issue asks for a median error at least 15% under the type median's.
        "mae_vs_baseline": round(model.get("mae_median_days", float("nan")) / base["mae_median_days"] - 1.0, 3),
        **per_group,
        "fit_seconds": figures.get("fit_seconds"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "expected.json")
    parser.add_argument(
        "--results", type=Path, default=None, help="Also put the headline figures in this file (bench/results.json)."
    )
    parser.add_argument("--compare", action="store_true", help="Also fit the Weibull and log-logistic models.")
    parser.add_argument("--penalizer", type=float, default=0.01)
    parser.add_argument("--min-level-cases", type=int, default=20)
    parser.add_argument(
        "--train-years", type=int, default=0, help="Years before the test year to learn from (0: all, the default)."
    )
    parser.add_argument("--no-shape", action="store_true", help="One spread for all cases (no ancillary columns).")
    parser.add_argument("--kind", choices=survival.KINDS, default="loglogistic")
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"bench/expected.py: no data at {args.data}", file=sys.stderr)
        return 2
    kinds = list(survival.KINDS) if args.compare else [args.kind]
    report = run(
        args.data,
        kinds=kinds,
        penalizer=args.penalizer,
        min_level_cases=args.min_level_cases,
        train_years=args.train_years,
        shape=not args.no_shape,
    )
    args.out.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"written to {args.out}")
    if args.results is not None:
        # The headline figures beside the other benchmarks' (the full report stays in --out).
        results = json.loads(args.results.read_text()) if args.results.exists() else {}
        results["expected"] = {
            "report": str(args.out.relative_to(REPO)),
            "cases": report["cases"],
            "test_from": report["test_from"],
            "test_to": report["test_to"],
            **{kind: _summary(figures) for kind, figures in report["models"].items()},
            "probes": {
                name: {key: round(value, 3) for key, value in figures.items()}
                for name, figures in report["probes"].items()
            },
        }
        args.results.write_text(json.dumps(results, indent=2) + "\n")
        print(f'headline figures written to {args.results} under "expected"')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
