"""Training a city's time-to-close model, and replacing the one in use only by a model that is
not worse on the held-out months."""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db import transaction

from civicdesk.catalog.models import ServiceType
from civicdesk.core import clock, stored_words
from civicdesk.expected import reasons, survival
from civicdesk.expected.history import history_for_city
from civicdesk.expected.models import ExpectedModel, ModelStatus
from civicdesk.tenants.models import City

log = logging.getLogger(__name__)

# Fewer cases than this in the training window, or before the held-out months: no model, and
# every prediction of the city falls back to the type's target (docs/expected.md).
MIN_CITY_CASES = 300
# A type with fewer training cases than this falls back to its target too (and has no level
# of its own in the model).
MIN_TYPE_CASES = 20
# The months held out to judge a new model against the one in use.
HOLDOUT_DAYS = 91
# Years of history a model learns from: a department's pace five years ago says little about
# today's (on the Kansas City data, three years beat all thirteen: docs/expected.md).
TRAIN_YEARS = 3
KIND = "loglogistic"
# The penalizer of the fit, and the stronger ones tried in turn when lifelines does not
# converge with it: a history with little or no spread (a type whose cases all took the same
# time) has no unpenalized fit, since the spread it would learn is zero. Whatever fit is made
# is still judged against the model in use; when none can be, the training is stored as failed
# with the reason (docs/expected.md).
PENALIZERS = (0.01, 0.1, 1.0)
PENALIZER = PENALIZERS[0]
# "Not worse": the median error may grow by this share, the 80% date's coverage may stray
# this much further from 0.80, before the model in use is kept instead (noise of a retrain).
MAE_TOLERANCE = 0.02
COVERAGE_TOLERANCE = 0.02


@dataclass(frozen=True)
class TrainResult:
    city: City
    model: ExpectedModel | None
    replaced: bool
    reason: str


def _aware(ts: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC)


def not_worse(candidate: dict[str, Any], current: dict[str, Any]) -> bool:
    """Whether the candidate's held-out figures are not worse than the current model's on the
    same cases: median error and distance of the 80% coverage from 0.80, within tolerance."""

    def figure(fig: dict[str, Any], key: str) -> float:
        value = fig.get(key)
        return float(value) if value is not None and not math.isnan(float(value)) else math.inf

    mae_c, mae_o = figure(candidate, "mae_median_days"), figure(current, "mae_median_days")
    cov_c = abs(figure(candidate, "coverage80") - 0.8)
    cov_o = abs(figure(current, "coverage80") - 0.8)
    return mae_c <= mae_o * (1 + MAE_TOLERANCE) + 1e-9 and cov_c <= cov_o + COVERAGE_TOLERANCE + 1e-9


def _same_time(days: np.ndarray) -> float | None:
    """The one duration of ``days`` (of closed cases) if they all took the same time, to the
    minute; else None."""
    if len(days) and float(np.ptp(days)) < 1.0 / 1440:
        return float(np.median(days))
    return None


def _no_fit_reason(city: City, history: survival.History, end: float, penalizers: list[float], *, kept: bool) -> str:
    """Why no model could be made, for the city's administrator."""
    days, event = survival.durations(history, end)
    closed = event == 1
    same = _same_time(days[closed])
    if same is not None:
        reason = stored_words.stored(reasons.SAME_TIME, duration=reasons.duration_words(same))
    else:
        tried = ", ".join(f"{p:g}" for p in penalizers)
        reason = stored_words.stored(reasons.NOT_FITTED, tried=tried)
        types = np.asarray(history.service_type, dtype=object)
        flat: list[tuple[str, int, float]] = []
        for code in sorted(set(history.service_type)):
            mask = closed & (types == code)
            one = _same_time(days[mask]) if mask.sum() >= MIN_TYPE_CASES else None
            if one is not None:
                flat.append((code, int(mask.sum()), one))
        if flat:
            names = dict(
                ServiceType.objects.filter(city=city, code__in=[c for c, _n, _d in flat]).values_list("code", "name")
            )
            listed = "; ".join(
                stored_words.stored(
                    reasons.FLAT_TYPE, type=names.get(code, code), n=n, duration=reasons.duration_words(d)
                )
                for code, n, d in flat[:3]
            )
            reason = f"{reason} {stored_words.stored(reasons.FLAT_TYPES, types=listed)}"
    # Stored in English, shown in the reader's language (expected/reasons.py).
    return f"{reason} {reasons.MODEL_KEPT if kept else reasons.TARGETS_MEANWHILE}"


def expected_model_train(
    *,
    city: City,
    now: dt.datetime | None = None,
    holdout_days: int = HOLDOUT_DAYS,
    train_years: int = TRAIN_YEARS,
    kind: str = KIND,
    penalizer: float = PENALIZER,
) -> TrainResult:
    """Train the city's model on its cases as they stand ``now``, evaluate it on the held-out
    days, and put it in use unless the model in use does better on those same days.

    Two fits: one on the cases before the held-out days (scored on them, the figures stored),
    one on all the window (the parameters stored). The model in use is scored with its own
    parameters on the same held-out cases; it may have seen some of them, which favours
    keeping it: a new model must be clearly not worse."""
    now = now or clock.now()
    end = now.timestamp()
    holdout_start = end - holdout_days * survival.DAY
    since = now - dt.timedelta(days=365 * train_years + holdout_days)
    history = history_for_city(city, since=since)
    if len(history) < MIN_CITY_CASES:
        return TrainResult(
            city, None, False, f"too little history: {len(history)} cases, fewer than {MIN_CITY_CASES} to learn from"
        )
    # A young city (the demo has three months) holds out the last quarter of its history
    # rather than none of it being left to learn from.
    span_days = (end - float(history.opened.min())) / survival.DAY
    holdout_days = max(7, min(holdout_days, int(span_days // 4)))
    holdout_start = end - holdout_days * survival.DAY
    opened_before_holdout = int((history.opened < holdout_start).sum())
    if opened_before_holdout < MIN_CITY_CASES:
        return TrainResult(
            city,
            None,
            False,
            f"too little history: {opened_before_holdout} cases before the {holdout_days} held-out days, "
            f"fewer than {MIN_CITY_CASES} to learn from",
        )
    _days, event = survival.durations(history, end)
    stored = {
        "city": city,
        "kind": kind,
        "window_start": _aware(float(history.opened.min())),
        "window_end": now,
        "holdout_start": _aware(holdout_start),
        "cases": len(history),
        "closed_cases": int(event.sum()),
        "open_cases": int(len(event) - event.sum()),
    }
    ladder = [penalizer, *(p for p in PENALIZERS if p > penalizer)]
    attempts: list[dict[str, Any]] = []
    for used in ladder:
        try:
            held_out_params = survival.fit(
                history, as_of=holdout_start, kind=kind, penalizer=used, min_level_cases=MIN_TYPE_CASES
            )
            params = survival.fit(history, as_of=end, kind=kind, penalizer=used, min_level_cases=MIN_TYPE_CASES)
        except survival.FitDidNotConverge:
            log.warning("expected model for %s: no convergence with penalizer %g", city.slug, used)
            attempts.append({"penalizer": used, "converged": False})
            continue
        attempts.append({"penalizer": used, "converged": True})
        break
    else:
        return _store_failure(city, history, end, ladder, attempts, stored)
    evaluation = survival.evaluate(held_out_params, history, start=holdout_start, end=end)
    evaluation["penalizer"] = used
    evaluation["fit_attempts"] = attempts
    with transaction.atomic():
        current = ExpectedModel.objects.select_for_update().filter(city=city, status=ModelStatus.CURRENT).first()
        comparison: dict[str, Any] = {}
        replace = True
        if current is not None:
            comparison = survival.evaluate(current.params, history, start=holdout_start, end=end).get("model", {})
            comparison["model_id"] = current.pk
            replace = not_worse(evaluation.get("model", {}), comparison)
        if replace and current is not None:
            current.status = ModelStatus.RETIRED
            current.save(update_fields=["status"])
        # Stored in English, shown in the reader's language (expected/reasons.py).
        reason = reasons.IN_USE if replace else reasons.KEPT
        if used != penalizer:
            tried = ", ".join(f"{p:g}" for p in ladder[: ladder.index(used)])
            reason = stored_words.stored((reason, reasons.STRONGER), used=f"{used:g}", tried=tried)
        model = ExpectedModel.objects.create(
            **stored,
            status=ModelStatus.CURRENT if replace else ModelStatus.REJECTED,
            trained_at=clock.now(),
            evaluation=_json_safe(evaluation),
            comparison=_json_safe(comparison),
            params=_json_safe(params),
            reason=reason,
        )
    log.info("expected model for %s: %s (%s cases)", city.slug, reason, len(history))
    return TrainResult(city, model, replace, reason)


def _store_failure(
    city: City,
    history: survival.History,
    end: float,
    ladder: list[float],
    attempts: list[dict[str, Any]],
    stored: dict[str, Any],
) -> TrainResult:
    """No penalizer made a fit: the training is stored as failed, with the reason in words,
    where the trainings are listed; the model in use, if any, stays."""
    kept = ExpectedModel.objects.filter(city=city, status=ModelStatus.CURRENT).exists()
    reason = _no_fit_reason(city, history, end, ladder, kept=kept)
    model = ExpectedModel.objects.create(
        **stored,
        status=ModelStatus.FAILED,
        trained_at=clock.now(),
        evaluation={"fit_attempts": attempts},
        comparison={},
        params={},
        reason=reason,
    )
    log.warning("expected model for %s: not trained: %s", city.slug, reason)
    return TrainResult(city, model, False, reason)


def _json_safe(value: Any) -> Any:
    """NaN and infinity are not JSON (PostgreSQL's jsonb refuses them): stored as null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return _json_safe(value.item())
    return value
