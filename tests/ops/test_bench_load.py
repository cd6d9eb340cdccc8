"""The benchmark's load test (bench/load.py) runs, on a small database: every run of it — the
burst on one city, intake spread over the cities, the mix, the busy morning with staff signed
in to the console, every page kind alone — answers without a 5xx, every accepted report is one
case with its event and its emails, the cities' numbers stay gapless, and docs/performance.md's
section is written from the figures. ``make bench`` runs the same code on 100,000 or 1,000,000
cases; this is what keeps it runnable."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from django.db import connection

from bench.load import MORNING_REQUESTS_TIMES, PAGES_ALONE, QUIET_TIMEOUT_S, TRIVIAL_REQUESTS_TIMES, bench_load
from bench.summary import load_markdown
from civicdesk.cases import services
from civicdesk.catalog.models import ServiceType
from civicdesk.tenants.models import City, Department
from tests.conftest import INSIDE
from tests.ops.loadgen import CONSOLE_KINDS
from tests.ops.prod_server import database_url_of

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_every_run_of_the_benchmarks_load_test_runs_and_keeps_its_promises(
    cities: dict[str, City],
    make_service_type: Callable[..., ServiceType],
    make_department: Callable[..., Department],
) -> None:
    catalogue: dict[str, Any] = {}
    for slug in ("independence", "raytown"):
        city = cities[slug]
        department = make_department(city, "PUBLIC WORKS", email=f"works@{slug}.test")
        trash = make_service_type(city, "trash", name="Trash/Rubbish", department=department, target_days=5)
        lat, lng = INSIDE[slug]
        for n in range(6):
            services.case_create(service_type=trash, lat=lat, lng=lng, description=f"history {n}")
        catalogue[slug] = {"city": city, "types": {"trash": trash}, "districts": []}

    figures = bench_load(
        catalogue,
        database_url_of(connection.settings_dict),
        np.random.default_rng(311),
        clients=4,
        requests=4,
        alone_requests=1,
    )

    assert figures["server_errors"] == 0 and figures["connection_errors"] == 0, figures
    for run in ("trivial", "intake", "intake_one_client", "intake_five_cities", "mixed", "morning"):
        assert figures[run]["requests"] > 0, run
    # The trivial endpoint three times, each as long as the runs it divides (TRIVIAL_REQUESTS_TIMES
    # as many requests); the median run is the one every ratio divides by.
    assert len(figures["trivial_runs_rps"]) == 3
    assert figures["trivial"]["requests"] == figures["intake"]["requests"] * TRIVIAL_REQUESTS_TIMES
    assert figures["trivial"]["rps"] == sorted(figures["trivial_runs_rps"])[1]
    # Each measured run began once the worker had sent the emails of the runs before it.
    assert len(figures["waited_for_the_outbox_s"]) == 8
    assert all(0 <= s < QUIET_TIMEOUT_S for s in figures["waited_for_the_outbox_s"]), figures["waited_for_the_outbox_s"]
    assert set(CONSOLE_KINDS) & set(figures["morning"]["kinds"]), figures["morning"]["kinds"]
    # The morning is longer, so that each kind's p99 is a percentile, not its one slowest request.
    assert figures["morning"]["requests"] == figures["intake"]["requests"] * MORNING_REQUESTS_TIMES
    for kind in ("console_queue", "console_case"):
        if kind in figures["morning"]["kinds"]:
            assert figures["morning"]["kinds"][kind]["statuses"] == {
                "200": figures["morning"]["kinds"][kind]["requests"]
            }
    if "console_note" in figures["morning"]["kinds"]:
        # A note's answer is the redirect to the case; each one is an internal note on a case.
        assert set(figures["morning"]["kinds"]["console_note"]["statuses"]) == {"302"}
        assert figures["notes_added"] == figures["morning"]["kinds"]["console_note"]["requests"]
    # Every page kind alone answered 200, signed in where it is a console page.
    assert set(figures["pages_alone"]) == set(PAGES_ALONE)
    assert {name: f["statuses"] for name, f in figures["pages_alone"].items()} == {
        name: {"200": 1} for name in PAGES_ALONE
    }
    # ...and each says the server's own time, which the summary's table shows.
    # (A page served from the public pages' short-lived copy may take well under 0.1 ms: 0.0.)
    assert all(0 <= f["server_p50_ms"] <= f["p50_ms"] for f in figures["pages_alone"].values())
    # Every accepted report is one case, with its Reported event and its emails; no gaps.
    assert figures["reports_accepted"] == figures["cases_made"] > 0
    assert figures["cases_with_created_event"] == figures["cases_made"]
    assert figures["cases_with_outbox_rows"] == figures["cases_made"]
    assert figures["cities_with_gaps"] == {}

    # Where each run's CPU went, by process role, per request (read from /proc around the run;
    # the kernel counts in 10 ms ticks, more than a run this short may use in one process).
    runs = ("trivial", "intake", "intake_one_client", "intake_five_cities", "mixed", "morning")
    for run in runs:
        cpu = figures[run]["cpu_ms_per_request"]
        assert {"web", "task worker", "sweeper", "load generator"} <= set(cpu), (run, cpu)
        assert ("PostgreSQL" in cpu) == (connection.vendor == "postgresql"), (run, cpu)
        assert all(ms >= 0 for ms in cpu.values()), (run, cpu)
        assert figures[run]["cpu_ms_per_request_total"] == pytest.approx(sum(cpu.values()), abs=0.1)
        assert figures[run]["cores_busy"] >= 0, (run, figures[run])
    for role in ("web", "load generator", *(["PostgreSQL"] if connection.vendor == "postgresql" else [])):
        # Over every run, each of them worked: the closed PostgreSQL backends' CPU is counted too.
        assert sum(figures[run]["cpu_ms_per_request"][role] for run in runs) > 0, role
    assert len(figures["trivial_runs_cores_busy"]) == 3

    text = "\n".join(load_markdown(figures, figures))
    assert "| run | web | PostgreSQL |" in text or connection.vendor != "postgresql", text
    assert "cores busy" in text
    assert "busy morning" in text and "spread over the five cities" in text and "console_case" in text
    assert "server p50 (ms)" in text
    # Every figure is filled in: no placeholder of the summary's code left in the page.
    assert f"({figures['web_workers']} gunicorn workers" in text and "{lt" not in text, text[:2000]
