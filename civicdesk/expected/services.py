"""Training a city's time-to-close model, and replacing the one in use only by a model that is
not worse on the held-out months."""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from civicdesk.core import clock
from civicdesk.expected import survival
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
PENALIZER = 0.01
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
    held_out_params = survival.fit(
        history, as_of=holdout_start, kind=kind, penalizer=penalizer, min_level_cases=MIN_TYPE_CASES
    )
    evaluation = survival.evaluate(held_out_params, history, start=holdout_start, end=end)
    params = survival.fit(history, as_of=end, kind=kind, penalizer=penalizer, min_level_cases=MIN_TYPE_CASES)
    _days, event = survival.durations(history, end)
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
        model = ExpectedModel.objects.create(
            city=city,
            status=ModelStatus.CURRENT if replace else ModelStatus.REJECTED,
            kind=kind,
            trained_at=clock.now(),
            window_start=_aware(float(history.opened.min())),
            window_end=now,
            holdout_start=_aware(holdout_start),
            cases=len(history),
            closed_cases=int(event.sum()),
            open_cases=int(len(event) - event.sum()),
            evaluation=_json_safe(evaluation),
            comparison=_json_safe(comparison),
            params=_json_safe(params),
        )
    reason = "in use" if replace else "kept the model in use: the new one is worse on the held-out months"
    log.info("expected model for %s: %s (%s cases)", city.slug, reason, len(history))
    return TrainResult(city, model, replace, reason)


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
