"""Expected closing dates of cases: what the tracking page, the acknowledgement email, Open311's
``expected_datetime``, the console's case page and the Likely late queue read.

    expected_for(case)                      -> Expectation (a stored case, open or closed)
    expected_for_new(city=..., service_type=..., department=..., district=..., channel=..., opened_at=...)
                                            -> Expectation (at intake, before the case is saved)
    likely_late(city)                       -> [(case, Expectation)], most likely late first
    expected_for_cases(cases)               -> {case id: Expectation} (a list of cases, few queries)
    expected_factors(case)                  -> (Factor, ...) what moves an open case's date now

An ``Expectation`` is either from the city's model (``is_fallback`` False: a median date, an
80% date, the probability of missing the due date and the factors that moved it) or the
type's target (``is_fallback`` True, ``fallback_reason`` saying why: never a confident date
from nothing). Dates are aware datetimes; a template words them, in the resident's language.

The city's model is read from the database once per process and kept; a process notices a
newly trained model within MODEL_RECHECK_SECONDS.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db.models import Count, Q

from civicdesk.accounts.models import User
from civicdesk.cases.models import OPEN_STATUSES, ServiceRequest
from civicdesk.cases.selectors import case_list_for_staff
from civicdesk.catalog.models import ServiceType
from civicdesk.core import clock
from civicdesk.expected import survival
from civicdesk.expected.history import department_key, district_key
from civicdesk.expected.models import ExpectedModel, ExpectedSettings, ModelStatus
from civicdesk.expected.services import MIN_TYPE_CASES
from civicdesk.tenants.models import City, Department, District

logger = logging.getLogger(__name__)

MODEL_RECHECK_SECONDS = 300
DEFAULT_LIKELY_LATE_THRESHOLD = 0.5
# Factors whose effect is smaller than this (10% longer or shorter) are not worth a sentence.
FACTOR_MIN_EFFECT = 0.10
MAX_FACTORS = 3


class FallbackReason:
    NO_MODEL = "no_model"  # the city has too little history, or no model was trained yet
    THIN_TYPE = "thin_type"  # the type has fewer than MIN_TYPE_CASES cases in the model's data


@dataclass(frozen=True)
class Factor:
    """One thing that moved the expected date, for a template to word: ``feature`` is one of
    backlog, department, district, channel, month, weekday; ``label`` is the display name of
    the value (department name, district name, channel, month number 1-12, weekday 0-6 =
    Monday-Sunday); ``effect`` multiplies the usual time to close (1.4 = 40% longer, 0.7 =
    30% shorter); ``backlog_ratio`` is the department's backlog over its usual one (2.0 =
    "twice the usual"), for backlog only."""

    feature: str
    label: str
    effect: float
    backlog_ratio: float | None = None


@dataclass(frozen=True)
class Expectation:
    is_fallback: bool
    fallback_reason: str | None
    due_at: dt.datetime | None
    median_at: dt.datetime | None
    p80_at: dt.datetime | None
    p_late: float | None
    factors: tuple[Factor, ...] = field(default_factory=tuple)
    model_id: int | None = None

    @property
    def has_date(self) -> bool:
        return self.median_at is not None


# --- the model, loaded once per process -------------------------------------------------------

_cache: dict[int, tuple[float, int | None, dict[str, Any] | None]] = {}
_cache_lock = threading.Lock()
# Set while ``expected_for_new_kept`` answers: a query it would make raises _NotKept instead.
_kept_only: contextvars.ContextVar[bool] = contextvars.ContextVar("expected_kept_only", default=False)


class _NotKept(Exception):
    """The answer needs the database (``expected_for_new_kept``)."""


def current_model(city_id: int) -> tuple[int | None, dict[str, Any] | None]:
    """The id and parameters of the city's model in use (None, None when it has none)."""
    now = time.monotonic()
    cached = _cache.get(city_id)
    if cached is not None and now - cached[0] < MODEL_RECHECK_SECONDS:
        return cached[1], cached[2]
    if _kept_only.get():
        raise _NotKept
    pk = ExpectedModel.objects.filter(city_id=city_id, status=ModelStatus.CURRENT).values_list("pk", flat=True).first()
    if cached is not None and cached[1] == pk:
        params = cached[2]
    else:
        params = _readable(pk, ExpectedModel.objects.get(pk=pk).params) if pk is not None else None
    with _cache_lock:
        _cache[city_id] = (now, pk, params)
    return pk, params


def _readable(pk: int, params: Any) -> dict[str, Any] | None:
    """A stored model's parameters if this code can read them, else None: its city's dates
    fall back to the types' targets, as with no model, and the log says why. A row written by
    hand or by another version must not turn every case page, the tracking page and Open311's
    answer into a server error."""
    if isinstance(params, dict) and params.get("version") == survival.PARAMS_VERSION:
        return params
    version = params.get("version") if isinstance(params, dict) else None
    logger.error(
        "expected-by model %s cannot be read (parameters of version %r, this code reads %r): "
        "its city's dates fall back to the types' targets until a model is trained",
        pk,
        version,
        survival.PARAMS_VERSION,
    )
    return None


def forget_models() -> None:
    """Drop the loaded models (tests; a process that must see a new model at once)."""
    with _cache_lock:
        _cache.clear()


# --- one case ---------------------------------------------------------------------------------


def _fallback(reason: str, *, due_at: dt.datetime | None, model_id: int | None = None) -> Expectation:
    # The type's target is the only date the city has committed to: shown as such, with no
    # spread and no probability, because there is nothing to estimate them from.
    return Expectation(True, reason, due_at, due_at, due_at, None, (), model_id)


def _labels(factors: list[survival.Factor], city_id: int) -> tuple[Factor, ...]:
    chosen = [f for f in factors if abs(f.effect - 1.0) >= FACTOR_MIN_EFFECT][:MAX_FACTORS]
    dept_ids = [int(f.value) for f in chosen if f.feature in ("department", "backlog") and f.value]
    district_ids = [int(f.value) for f in chosen if f.feature == "district" and f.value]
    departments = dict(Department.objects.filter(pk__in=dept_ids).values_list("pk", "name")) if dept_ids else {}
    districts = dict(District.objects.filter(pk__in=district_ids).values_list("pk", "name")) if district_ids else {}
    from civicdesk.cases.models import Channel

    result = []
    for f in chosen:
        if f.feature in ("department", "backlog"):
            label = departments.get(int(f.value), "") if f.value else ""
        elif f.feature == "district":
            label = districts.get(int(f.value), "") if f.value else ""
        elif f.feature == "channel":
            label = str(Channel(f.value).label) if f.value in Channel.values else f.value
        else:
            label = f.value
        result.append(Factor(f.feature, label, round(f.effect, 2), f.ratio))
    return tuple(result)


def _predict(
    *,
    city: City,
    service_type: ServiceType,
    department_id: int | None,
    district_id: int | None,
    channel: str,
    opened_at: dt.datetime,
    due_at: dt.datetime | None,
    backlog: int | Callable[[], int],
    now: dt.datetime,
    with_factors: bool = True,
) -> Expectation:
    model_id, params = current_model(city.pk)
    if params is None:
        return _fallback(FallbackReason.NO_MODEL, due_at=due_at)
    if params["type_cases"].get(service_type.code, 0) < MIN_TYPE_CASES:
        return _fallback(FallbackReason.THIN_TYPE, due_at=due_at, model_id=model_id)
    if callable(backlog):
        backlog = backlog()
    local = opened_at.astimezone(city.tz)
    features = survival.Case(
        service_type=service_type.code,
        department=department_key(department_id),
        district=district_key(district_id),
        channel=channel,
        month=local.month,
        weekday=local.weekday(),
        backlog=backlog,
    )
    dist, factors = survival.distribution(params, features)
    elapsed = max(0.0, (now - opened_at).total_seconds() / survival.DAY)
    median = dist.quantile(0.5, elapsed_days=elapsed)
    p80 = dist.quantile(0.8, elapsed_days=elapsed)
    p_late = None
    if due_at is not None:
        p_late = round(dist.p_late((due_at - opened_at).total_seconds() / survival.DAY, elapsed_days=elapsed), 4)
    return Expectation(
        is_fallback=False,
        fallback_reason=None,
        due_at=due_at,
        median_at=opened_at + dt.timedelta(days=median),
        p80_at=opened_at + dt.timedelta(days=p80),
        p_late=p_late,
        factors=_labels(factors, city.pk) if with_factors else (),
        model_id=model_id,
    )


def _open_backlog(*, city: City, department_id: int | None, at: dt.datetime | None = None) -> int:
    """Cases of the department (of the city's triage queue, for None) open at ``at`` (now when
    None: the open cases, on the index of department and status)."""
    if department_id is None:
        cases = ServiceRequest.objects.filter(city=city, department__isnull=True)
    else:
        cases = ServiceRequest.objects.filter(department_id=department_id)
    if at is None:
        return cases.filter(status__in=OPEN_STATUSES).count()
    return cases.filter(Q(closed_at__isnull=True) | Q(closed_at__gt=at), opened_at__lt=at).count()


def _open_backlogs_now(city: City, department_ids: set[int | None]) -> dict[int | None, int]:
    """``_open_backlog`` now of each department (None: ``city``'s triage queue), in one or two
    queries on the index of open cases."""
    ids = {d for d in department_ids if d is not None}
    rows = (
        ServiceRequest.objects.filter(department_id__in=ids, status__in=OPEN_STATUSES)
        .values("department_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    found: dict[int | None, int] = {row["department_id"]: row["n"] for row in rows}
    if None in department_ids:
        found[None] = _open_backlog(city=city, department_id=None)
    return found


class _RecentBacklogs:
    """Each department's open backlog as intake last counted it, for a few seconds
    (``settings.EXPECTED_BACKLOG_SECONDS``; 0 counts every time).

    Counting a busy department's open cases costs milliseconds of PostgreSQL's time on every
    report; after a storm, a city's reports come by the dozen a second, all into the same few
    queues. A backlog seconds old moves an expected date by nothing a resident could tell
    (it is one feature of the model among several, and a queue grows by a handful meanwhile)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counted: dict[tuple[int, int | None], tuple[float, int]] = {}

    def get(self, *, city: City, department_id: int | None) -> int:
        from django.conf import settings

        window = float(getattr(settings, "EXPECTED_BACKLOG_SECONDS", 0) or 0)
        if window <= 0:
            if _kept_only.get():
                raise _NotKept
            return _open_backlog(city=city, department_id=department_id)
        key, now = (city.pk, department_id), time.monotonic()
        with self.lock:
            kept = self.counted.get(key)
        if kept is not None and now - kept[0] < window:
            return kept[1]
        if _kept_only.get():
            raise _NotKept
        backlog = _open_backlog(city=city, department_id=department_id)
        with self.lock:
            self.counted[key] = (now, backlog)
        return backlog

    def clear(self) -> None:
        with self.lock:
            self.counted.clear()


_recent_backlogs = _RecentBacklogs()


def forget_backlogs() -> None:
    """Forget the backlogs intake counted (tests)."""
    _recent_backlogs.clear()


def expected_for(case: ServiceRequest, *, now: dt.datetime | None = None) -> Expectation:
    """The expected closing of a stored case. For an open case, given that it is still open
    now (a case open for weeks is not expected to close "within 2 days of opening"), at the
    department's pace now: its open backlog today, which is also what a page can count on the
    index of open cases (the backlog at the opening would count the department's history, on
    every view). For a closed one, as it was expected when it came in."""
    now = now or clock.now()
    _model_id, params = current_model(case.city_id)
    if params is None or params["type_cases"].get(case.service_type.code, 0) < MIN_TYPE_CASES:
        # _predict falls back to the type's target without looking at the backlog: not counted
        # (a count of the department's open cases, on every view of an open case's page).
        backlog = 0
    elif case.is_open:
        # The queue it is in, itself left out: the queue it joined, as intake counted it.
        backlog = max(0, _open_backlog(city=case.city, department_id=case.department_id) - 1)
    else:
        backlog = _open_backlog(city=case.city, department_id=case.department_id, at=case.opened_at)
    return _predict(
        city=case.city,
        service_type=case.service_type,
        department_id=case.department_id,
        district_id=case.district_id,
        channel=case.channel,
        opened_at=case.opened_at,
        due_at=case.due_at,
        backlog=backlog,
        now=now if case.is_open else case.opened_at,
    )


def expected_for_new(
    *,
    city: City,
    service_type: ServiceType,
    department_id: int | None,
    district_id: int | None,
    channel: str,
    opened_at: dt.datetime,
    due_at: dt.datetime | None,
    with_factors: bool = False,
) -> Expectation:
    """The expected closing of a case being created now (intake: one count query and the
    model's parameters, docs/expected.md). The factors, which need the names of departments
    and districts, only when asked: the acknowledgement and Open311 need the dates alone.
    The backlog is the one counted within EXPECTED_BACKLOG_SECONDS, if any (``_RecentBacklogs``)."""
    return _for_new(
        city=city,
        service_type=service_type,
        department_id=department_id,
        district_id=district_id,
        channel=channel,
        opened_at=opened_at,
        due_at=due_at,
        with_factors=with_factors,
    )


def _for_new(*, city: City, department_id: int | None, opened_at: dt.datetime, **arguments: Any) -> Expectation:
    return _predict(
        city=city,
        department_id=department_id,
        opened_at=opened_at,
        # Counted only when the model will weigh it (not for a fallback).
        backlog=lambda: _recent_backlogs.get(city=city, department_id=department_id),
        now=opened_at,
        **arguments,
    )


def expected_for_new_kept(**arguments: Any) -> Expectation | None:
    """``expected_for_new`` answered from what this process keeps (the city's model, read
    within MODEL_RECHECK_SECONDS, and the department's backlog, counted within
    EXPECTED_BACKLOG_SECONDS), without a query; None when it would need one. Intake asks
    this first: most reports are answered so, and need no savepoint around a query."""
    token = _kept_only.set(True)
    try:
        return _for_new(**arguments)
    except _NotKept:
        return None
    finally:
        _kept_only.reset(token)


# --- the Likely late queue ----------------------------------------------------------------------


def likely_late_threshold(city: City) -> float:
    value = ExpectedSettings.objects.filter(city=city).values_list("likely_late_threshold", flat=True).first()
    return float(value) if value is not None else DEFAULT_LIKELY_LATE_THRESHOLD


def likely_late(
    city: City, threshold: float | None = None, *, now: dt.datetime | None = None
) -> list[tuple[ServiceRequest, Expectation]]:
    """The city's open cases not yet past their due date whose probability of missing it is
    over ``threshold`` (the city's setting when None), most likely late first.

    Each case's backlog at its opening comes from one sweep over the cases that were open at
    any time since the oldest open case came in (a query for them all, not one per case).
    Cases of types with too little history, and every case of a city with no model, are never
    listed: their fallback date has no probability to rank by."""
    now = now or clock.now()
    threshold = likely_late_threshold(city) if threshold is None else threshold
    _model_id, params = current_model(city.pk)
    if params is None:
        return []
    open_cases = list(
        ServiceRequest.objects.filter(city=city, status__in=OPEN_STATUSES, due_at__isnull=False, due_at__gt=now)
        .select_related("city", "service_type", "department", "district")
        .defer("city__boundary", "district__boundary")
    )
    if not open_cases:
        return []
    backlog_of = _backlogs_at_opening(city, since=min(c.opened_at for c in open_cases))
    listed: list[tuple[ServiceRequest, Expectation]] = []
    for case in open_cases:
        expectation = _predict(
            city=city,
            service_type=case.service_type,
            department_id=case.department_id,
            district_id=case.district_id,
            channel=case.channel,
            opened_at=case.opened_at,
            due_at=case.due_at,
            backlog=backlog_of.get(case.pk, 0),
            now=now,
            with_factors=False,
        )
        if expectation.p_late is not None and expectation.p_late > threshold:
            listed.append((case, expectation))
    listed.sort(key=lambda item: (-(item[1].p_late or 0.0), item[0].due_at or now))
    return listed


def _backlogs_at_opening(city: City, *, since: dt.datetime) -> dict[int, int]:
    """The department backlog at its opening of every case of ``city`` open at any time since
    ``since``: one query for those cases and one sweep (``survival.backlog_at_opening``),
    not a count per case."""
    overlapping = ServiceRequest.objects.filter(Q(closed_at__isnull=True) | Q(closed_at__gt=since), city=city)
    rows = list(overlapping.values_list("pk", "department_id", "opened_at", "closed_at"))
    backlog = survival.backlog_at_opening(
        [department_key(d) for _pk, d, _o, _c in rows],
        np.asarray([o.timestamp() for _pk, _d, o, _c in rows], dtype=float),
        np.asarray([c.timestamp() if c is not None else np.nan for _pk, _d, _o, c in rows], dtype=float),
    )
    return {pk: int(b) for (pk, _d, _o, _c), b in zip(rows, backlog, strict=True)}


# --- many cases at once (Open311's lists) --------------------------------------------------------


def expected_for_cases(
    cases: list[ServiceRequest], *, now: dt.datetime | None = None, open_only: bool = True
) -> dict[int, Expectation]:
    """``expected_for`` of each case of a list, by case id, in a few queries whatever its
    length: the backlogs of each city's cases come from one sweep (``likely_late``'s), not a
    count per case. Closed cases are left out unless ``open_only`` is False. Without the
    factors (a list does not show them)."""
    now = now or clock.now()
    wanted = [c for c in cases if c.is_open or not open_only]
    by_city: dict[int, list[ServiceRequest]] = {}
    for case in wanted:
        by_city.setdefault(case.city_id, []).append(case)
    result: dict[int, Expectation] = {}
    for city_cases in by_city.values():
        city = city_cases[0].city
        _model_id, params = current_model(city.pk)
        # No model: every case falls back to its target, and no backlog is needed for that.
        # Open cases at the department's pace now, as ``expected_for`` (one count per
        # department on the index of open cases); closed ones as they came in (one sweep).
        closed = [c for c in city_cases if not c.is_open]
        backlog_of = _backlogs_at_opening(city, since=min(c.opened_at for c in closed)) if params and closed else {}
        if params:
            open_now = _open_backlogs_now(city, {c.department_id for c in city_cases if c.is_open})
            for case in city_cases:
                if case.is_open:
                    backlog_of[case.pk] = max(0, open_now.get(case.department_id, 0) - 1)  # itself left out
        for case in city_cases:
            result[case.pk] = _predict(
                city=city,
                service_type=case.service_type,
                department_id=case.department_id,
                district_id=case.district_id,
                channel=case.channel,
                opened_at=case.opened_at,
                due_at=case.due_at,
                backlog=backlog_of.get(case.pk, 0),
                now=now if case.is_open else case.opened_at,
                with_factors=False,
            )
    return result


# --- what moves a case's date (the console's case page) --------------------------------------------


def expected_factors(case: ServiceRequest, *, now: dt.datetime | None = None) -> tuple[Factor, ...]:
    """The few things that make this case slower or faster than the city's usual, largest
    first (at most MAX_FACTORS, each moving the usual time by FACTOR_MIN_EFFECT or more):
    the model's covariates of the case (department, district, channel, month and weekday of
    opening, each as the model weighs it against the city's average) and its department's
    backlog.

    The backlog is the department's **now** for an open case (what a supervisor reads the
    page for, and can act on: "backlog in Streets is twice the usual"), measured against the
    department's usual backlog in the model's training data and weighed with the model's own
    backlog coefficient; for a closed case, the backlog when it came in. For a case opened
    today the two are the same. Empty when the case's date is a fallback (no model, a type
    with too little history): nothing moved a date that was not estimated."""
    now = now or clock.now()
    _model_id, params = current_model(case.city_id)
    if params is None or params["type_cases"].get(case.service_type.code, 0) < MIN_TYPE_CASES:
        return ()
    if case.is_open:
        # The open cases of the department now, this one left out: "the queue it is waiting in".
        backlog = max(0, _open_backlog(city=case.city, department_id=case.department_id) - 1)
    else:
        backlog = _open_backlog(city=case.city, department_id=case.department_id, at=case.opened_at)
    local = case.opened_at.astimezone(case.city.tz)
    features = survival.Case(
        service_type=case.service_type.code,
        department=department_key(case.department_id),
        district=district_key(case.district_id),
        channel=case.channel,
        month=local.month,
        weekday=local.weekday(),
        backlog=backlog,
    )
    _dist, factors = survival.distribution(params, features)
    return _labels(factors, case.city_id)


def likely_late_for_staff(*, user: User, now: dt.datetime | None = None) -> list[tuple[ServiceRequest, Expectation]]:
    """The console's Likely late queue: ``likely_late`` of the staff member's city over the
    city's threshold, narrowed to the cases they may read (as every queue: an investigator's
    confidential cases only, everyone else's none of those). Empty for staff of no city."""
    if user is None or not user.is_authenticated or user.city_id is None or user.city is None:
        return []
    listed = likely_late(user.city, now=now)
    if not listed:
        return []
    readable = set(
        case_list_for_staff(user=user).filter(pk__in=[case.pk for case, _ in listed]).values_list("pk", flat=True)
    )
    return [(case, expectation) for case, expectation in listed if case.pk in readable]
