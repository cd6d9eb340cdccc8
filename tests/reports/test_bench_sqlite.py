"""The benchmark's synthetic cases are written on either database (bench/cases.py: ``COPY`` on
PostgreSQL, ``INSERT`` on SQLite for bench/reports_sqlite.py) with the same values, and the
SQLite run's figures are written in docs/performance.md. ``make bench`` writes 100,000 or more;
this keeps the writing honest on a few."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from bench.cases import generate_and_copy
from bench.summary import sqlite_same_run_markdown
from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.reports import rollups
from civicdesk.reports.operational import operational_report
from civicdesk.tenants.models import City

pytestmark = pytest.mark.django_db

# The Kansas City mix's shape (bench/mix.py), two codes of it.
PROFILE: dict[str, Any] = {
    "codes": {
        "pothole": {
            "count": 3,
            "department": "Public Works",
            "target_days": 5,
            "days": [0.2, 1.5, 4.0, 9.0],
            "open_share": 0.1,
        },
        "trash": {"count": 1, "department": "NHS", "target_days": 7, "days": [2.0, 30.0], "open_share": 0.2},
    },
    "channels": {"web": 3, "phone": 1},
    "district_ranks": [3, 1],
    "no_district": 1,
    "months": [1] * 12,
    "hours": [1] * 24,
}


def test_the_synthetic_cases_are_written_on_either_database_and_the_report_reads_them(
    cities: dict[str, City], make_service_type: Callable[..., ServiceType]
) -> None:
    city = cities["independence"]
    types = {
        code: make_service_type(city, code, target_days=spec["target_days"]) for code, spec in PROFILE["codes"].items()
    }
    districts = list(city.districts.filter(number__isnull=False).order_by("number").values_list("pk", flat=True))
    catalogue = {city.slug: {"city": city, "types": types, "districts": districts}}
    end = dt.datetime(2024, 4, 15, 14, 0, tzinfo=dt.UTC)
    generate_and_copy(400, PROFILE, catalogue, end, np.random.default_rng(311))

    cases = list(ServiceRequest.objects.filter(city=city))
    assert len(cases) == 400
    assert sorted(c.number for c in cases) == list(range(1001, 1401))
    closed = [c for c in cases if c.closed_at is not None]
    assert 0 < len(closed) < 400
    # Times as Django reads them: aware, each closing after its opening and by ``end``, with
    # microseconds kept.
    assert all(c.opened_at < c.closed_at <= end for c in closed if c.closed_at)
    assert any(c.closed_at.microsecond for c in closed if c.closed_at)
    assert {c.status for c in closed} == {"closed"}
    assert {c.district_id for c in cases} >= {None, districts[0]}
    rollups.rebuild()
    assert len(rollups.verify()) == 0
    report = operational_report(city=city, date_from=dt.date(2023, 4, 16), date_to=dt.date(2024, 4, 14), now=end)
    assert report.overall.closed > 0
    assert report.overall.median_days is not None


def test_the_sqlite_run_is_written_with_its_conditions() -> None:
    run = {
        "date": "2026-12-07T02:30:00+00:00", "n": 100_000, "closed": 91_503, "repeat": 3, "code": "d113985",
        "against": "02db9df", "sqlite": "3.40.1", "database_bytes": 150 * 2**20,
        "load_average_at_start": [9.5, 9.1, 8.0], "load_average_at_end": [7.5, 8.1, 8.0],
        "reports": [{"figure": "operational_report (every figure, and the previous period)", "scope": "all cities",
                     "range": "1 year", "then_ms": 2400.0, "ms": 300.0, "ratio": 0.125}],
    }  # fmt: skip
    text = "\n".join(sqlite_same_run_markdown(run))
    assert "## Operational report on SQLite, the same run" in text
    assert "SQLite 3.40.1" in text and "100,000 cases (91,503 closed; the file 150 MiB)" in text
    assert "code d113985; load average 9.5 / 9.1 / 8 (1 / 5 / 15 min) when it began" in text
    assert (
        "| operational_report (every figure, and the previous period) | all cities | 1 year | 2,400.0 | 300.0 | 0.12 |"
        in text
    )
