"""The nightly stored values of the two measures read from the cases' logs and of median days
to close: ``manage.py performance_compute`` (``services.performance_compute``) on N synthetic
cases, each value's figure and count of cases worked out by the database
(``services.measure_stored_figure``: the definitions' ``figure``, the median's
``stored_figure``), against the same nightly working each out from every case and its log in
Python (``compute``, as every nightly did before), and against the nightly before the median
was stored from the database (the median by ``compute``, the others by the database).

``bench_nightly(catalogue, now, repeat)`` is the step ``--only nightly`` runs (bench/run.py; on
100,000 cases unless ``--n``). The cases get the log of bench/regional.py (``write_case_logs``);
each of the five cities gets six computed measures over every type of the catalogue:
% inspected within 5 days (``code_enforcement_inspected``), % of calls held over to the
next business day (``animal_calls_held_over``) and median days to close
(``potholes_median_days_to_close``, its cases marked against each type's target: calendar
or business days, or none), each quarterly and monthly. The nightly run
stores every period from the start of the previous fiscal year to today (the cron's default).

- **by the database**: the nightly as it runs now, the median of ``repeat`` runs after a warm-up;
- **the median by compute**: the same nightly with the median's stored value worked out by its
  ``compute`` (every case closed in the period read into Python, as before it had
  ``stored_figure``), the others by the database; the median of ``min(repeat, 3)`` runs;
- **from every case**: the same nightly with ``measure_stored_figure`` worked out by the
  definitions' ``compute`` (the code before: every case of each period and its log read into
  Python), the median of ``min(repeat, 3)`` runs.

All three must store the same values (figure and count of cases, every measure and period): the
step fails otherwise. The machine's load average (1, 5, 15 minutes) when the step begins and
ends, and the commit measured, are kept beside the figures.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from decimal import Decimal
from typing import Any

from bench.common import sql
from bench.regional import _commit, _load_average, write_case_logs

MEASURES = [
    # computation, unit, direction
    ("code_enforcement_inspected", "percent", "higher"),
    ("animal_calls_held_over", "percent", "lower"),
    ("potholes_median_days_to_close", "days", "lower"),
]


def define_measures(catalogue: dict[str, Any]) -> list[Any]:
    """Each city's six computed measures (three definitions, quarterly and monthly)."""
    from civicdesk.performance.models import Measure

    measures = []
    for entry in catalogue.values():
        for computation, unit, direction in MEASURES:
            for frequency in ("quarterly", "monthly"):
                measure = Measure(
                    city=entry["city"],
                    name=f"{computation} ({frequency})",
                    definition="As the city defines it.",
                    unit=unit,
                    direction=direction,
                    frequency=frequency,
                    source="computed",
                    computation=computation,
                    service_codes=sorted(entry["types"]),
                    decimals=1,
                )
                measure.full_clean()
                measure.save()
                measures.append(measure)
    return measures


def _stored() -> dict[tuple[int, int, int], tuple[Decimal | None, int | None]]:
    from civicdesk.performance.models import MeasureValue

    return {
        (v.measure_id, v.fiscal_year, v.period): (v.value, v.case_count)
        for v in MeasureValue.objects.filter(source="computed")
    }


def bench_nightly(catalogue: dict[str, Any], now: dt.datetime, repeat: int) -> dict[str, Any]:
    """The nightly's times both ways (see the module)."""
    from civicdesk.performance import periods, services
    from civicdesk.performance.measures import DEFINITIONS
    from civicdesk.performance.models import MeasureValue

    logs = write_case_logs(catalogue, now)
    measures = define_measures(catalogue)
    cities = [entry["city"] for entry in catalogue.values()]
    # The code measured is the one this process loaded: read when it starts, not after the runs.
    code, load_at_start = _commit(), _load_average()
    by_figure = services.measure_stored_figure

    def from_every_case(*, measure: Any, period: Any, now: dt.datetime) -> tuple[Decimal | None, int]:
        result = DEFINITIONS[measure.computation].compute(measure=measure, period=period, now=now)
        return result.value, result.decided

    def median_by_compute(*, measure: Any, period: Any, now: dt.datetime) -> tuple[Decimal | None, int]:
        if measure.computation == "potholes_median_days_to_close":
            return from_every_case(measure=measure, period=period, now=now)
        return by_figure(measure=measure, period=period, now=now)

    def nightly(way: Any, runs: int) -> tuple[float, int, dict[Any, Any]]:
        """The median of ``runs`` nightly runs after a warm-up (ms), the values stored, and what they
        stored. Every value is blanked first, so the warm-up stores each afresh (a value's audit
        trail is append-only: values are not deleted); the timed runs are the nights after it,
        finding the values stored, as every nightly but the first does."""
        services.measure_stored_figure = way
        try:
            times, stored = [], 0
            MeasureValue.objects.update(value=None, case_count=None)
            for run in range(runs + 1):
                started = time.perf_counter()
                stored = services.performance_compute(cities=cities, now=now)
                if run:
                    times.append((time.perf_counter() - started) * 1000)
            return round(statistics.median(times), 1), stored, _stored()
        finally:
            services.measure_stored_figure = by_figure

    database_ms, stored, in_the_database = nightly(by_figure, repeat)
    median_ms, stored_median, median_computed = nightly(median_by_compute, min(repeat, 3))
    every_case_ms, stored_before, from_every = nightly(from_every_case, min(repeat, 3))
    assert stored == stored_median == stored_before == len(in_the_database), (stored, stored_median, stored_before)
    assert in_the_database == from_every, "the database and every case stored different values"
    assert in_the_database == median_computed, "the median by the database and by compute stored different values"
    calendar = periods.calendar_for(cities[0])
    first = calendar.first_day(calendar.fiscal_year_of(now.astimezone(calendar.tz).date()) - 1)
    cases = sql(
        "SELECT count(*) FROM cases_servicerequest WHERE opened_at >= %s",
        [dt.datetime.combine(first, dt.time(), tzinfo=calendar.tz)],
    )[0][0]
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "code": code,
        "repeat": repeat,
        "load_average_at_start": load_at_start,
        "load_average_at_end": _load_average(),
        "measures": [m.name for m in measures[: len(MEASURES) * 2]],
        "cities": len(cities),
        "values_stored": stored,
        "since": first.isoformat(),
        "cases_since": cases,
        "case_log": logs,
        "database_ms": database_ms,
        "every_case_ms": every_case_ms,
        "median_by_compute_ms": median_ms,
        "ratio_to_median_by_compute": round(database_ms / median_ms, 4) if median_ms else None,
        "every_case_runs": min(repeat, 3),
        "ratio": round(database_ms / every_case_ms, 4) if every_case_ms else None,
    }
