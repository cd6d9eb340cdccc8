"""The reports benchmark measures what the closings indexes of reports migration 0005 and the
cases' table take (bench/reports.py ``relation_sizes``, on PostgreSQL), as written case by case
and as rebuilt, and docs/performance.md says them in the same-run section; ``--reports-label``
of the same run at another N goes only with ``--reports-against``. ``make bench`` measures
100,000 or 1,000,000 cases; this keeps the measurement honest on a few."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable

import pytest
from django.db import connection

from bench.reports import relation_sizes
from bench.summary import same_run_markdown
from civicdesk.cases import services
from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.notifications.outbox import suppressed
from civicdesk.tenants.models import City
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

CLOSINGS = [f"cases_closings_by_{key}" for key in ("city", "type", "department", "district")]


def test_the_sizes_of_the_cases_and_their_closings_indexes_are_measured_and_written(
    cities: dict[str, City], make_service_type: Callable[..., ServiceType]
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the closings indexes are PostgreSQL's (reports migration 0005)")
    city = cities["independence"]
    pothole = make_service_type(city, "pothole", name="Pothole")
    with suppressed():
        cases = [services.case_create(service_type=pothole, lat=INSIDE["independence"][0],
                                      lng=INSIDE["independence"][1], description=f"hole {n}")
                 for n in range(30)]  # fmt: skip
    closed = [c.pk for c in cases[::3]]
    ServiceRequest.objects.filter(pk__in=closed).update(
        status="closed", closed_at=cases[0].opened_at + dt.timedelta(days=2)
    )

    sizes = relation_sizes()

    assert sizes["cases"] == ServiceRequest.objects.count() == 30
    assert sizes["closed"] == len(closed) == ServiceRequest.objects.filter(closed_at__isnull=False).count()
    # The table and the four indexes 0005 made; not the index 0005 dropped, made again only
    # for the older code by --reports-against.
    assert set(sizes["bytes"]) == {"cases_servicerequest", *CLOSINGS}
    with connection.cursor() as cursor:
        cursor.execute("SHOW block_size")
        block = int(cursor.fetchone()[0])
    for name, size in sizes["bytes"].items():
        # Whole pages; an index with entries has its meta page and at least one leaf.
        assert size % block == 0 and size >= (block if name == "cases_servicerequest" else 2 * block), (name, size)

    # Rebuilt, the same entries in pages filled as far as REINDEX fills them: no larger.
    for name in CLOSINGS:
        with connection.cursor() as cursor:
            cursor.execute(f"REINDEX INDEX {name}")
    rebuilt = relation_sizes()["bytes"]
    assert all(0 < rebuilt[name] <= sizes["bytes"][name] for name in CLOSINGS)

    run = {"n": sizes["cases"], "against": "a08208e", "repeat": 3, "date": "2026-12-07T01:00:00+00:00",
           "code": "abc1234", "sizes": {**sizes, "bytes_rebuilt": rebuilt}, "reports": []}  # fmt: skip
    text = "\n".join(same_run_markdown(run, heading=f", {sizes['cases']:,} cases"))
    assert f"the same run, {sizes['cases']:,} cases\n" in text
    assert f"on these {sizes['cases']:,} cases ({sizes['closed']:,} closed)" in text
    assert f"the cases' table {sizes['bytes']['cases_servicerequest'] / 2**20:,.1f} MB without its indexes" in text
    written_part, rebuilt_part = text.split("rebuilt (REINDEX")
    for name in CLOSINGS:
        label = name.removeprefix("cases_closings_").replace("_", " ")
        assert f"{sizes['bytes'][name] / 2**20:,.1f} MB {label}" in written_part
        assert f"{rebuilt[name] / 2**20:,.1f} MB {label}" in rebuilt_part
    assert f"{sum(rebuilt[name] for name in CLOSINGS) / 2**20:,.1f} MB in all." in rebuilt_part
    assert "cases_quick_closings" not in text


@pytest.mark.parametrize(
    "argv",
    [
        ["--only", "reports", "--reports-label", "reports_same_run_1m"],
        ["--only", "reports", "--reports-against", "a08208e", "--reports-label", "reports_after"],
    ],
)
def test_a_label_of_the_same_run_goes_only_with_reports_against(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bench import run

    monkeypatch.setattr(sys, "argv", ["bench/run.py", *argv])
    with pytest.raises(SystemExit) as stopped:
        run.main()  # refused before any cluster is started
    assert stopped.value.code == 2
    assert "go with --reports-against, the others without it" in capsys.readouterr().err
