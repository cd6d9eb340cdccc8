"""The load test: ``make serve-prod`` on the benchmark's database, tens of clients at once on
loopback (tests/ops/loadgen.py): the trivial endpoint, Open311 POSTs only, then the mix."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any

from bench.cases import points_inside


def bench_load(
    catalogue: dict[str, Any], database_url: str, rng: Any, *, clients: int, requests: int
) -> dict[str, Any]:
    """serve-prod on this database, then three runs of ``clients`` clients at once, ``requests``
    each: the trivial endpoint, Open311 POSTs only, and the mix (tests/ops/loadgen.py)."""
    from civicdesk.cases.models import ServiceRequest
    from civicdesk.open311.services import api_key_create
    from tests.ops.loadgen import INTAKE_ONLY, Plan, Report, Target, run_load, run_trivial
    from tests.ops.prod_server import HOST, LOAD_RATE, ServeProd, prod_env

    entry = max(catalogue.values(), key=lambda e: e["city"].population or 0)
    city = entry["city"]
    code, service_type = sorted(entry["types"].items())[0]
    if service_type.department and not service_type.department.email:
        # The department's shared address gets each new case, as in a city: the worker has mail to send.
        service_type.department.email = f"{service_type.department.code}@{city.slug}.bench.example.org"
        service_type.department.save(update_fields=["email"])
    _key, raw_key = api_key_create(city=city, name="bench load test")
    cases_before = ServiceRequest.objects.count()
    from django.db import connections

    connections.close_all()
    with tempfile.TemporaryDirectory() as tmp:
        env = prod_env(Path(tmp), database_url)
        with ServeProd(env) as server:
            server.sample_memory()
            target = Target(
                port=server.port,
                host_header=HOST,
                jurisdiction_id=city.jurisdiction_id,
                api_key=raw_key,
                service_code=code,
                city_slug=city.slug,
                points=points_inside(city, 500, rng),
            )
            # Every worker warm (templates compiled, the cities' geometry indexed), not measured.
            run_trivial(target, clients=clients, requests_per_client=2)
            run_load(target, Plan(clients=clients, requests_per_client=3))
            load_average = os.getloadavg()[0]
            trivial = run_trivial(target, clients=clients, requests_per_client=requests)
            intake = run_load(target, Plan(clients=clients, requests_per_client=requests, mix=INTAKE_ONLY))
            # The same POSTs from one client: what concurrency adds to intake into one city.
            intake_alone = run_load(target, Plan(clients=1, requests_per_client=requests, mix=INTAKE_ONLY))
            mixed = run_load(target, Plan(clients=clients, requests_per_client=requests))
            processes = server.processes()
            workers = sum(1 for p in processes if p.name == "gunicorn worker")
        if server.returncode != 0:
            raise RuntimeError(f"serve-prod did not stop cleanly:\n{server.output()}")
    runs: list[Report] = [intake, intake_alone, mixed]
    told = {marker: sid for run in runs for marker, sid in run.accepted().items()}
    made = sum(ServiceRequest.objects.filter(description__contains=r.plan.run_id).count() for r in runs)
    peaks: dict[str, float] = {}
    for p in processes:
        peaks[p.name] = max(peaks.get(p.name, 0.0), round(p.peak_rss_kib / 1024, 1))

    def figures(report: Report, *, kinds: bool = False) -> dict[str, Any]:
        summary = report.summary()
        return summary if kinds else {k: v for k, v in summary.items() if k != "kinds"}

    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cases_in_database": cases_before,
        "web_workers": workers,
        "clients": clients,
        "requests_per_client": requests,
        "trivial_path": target.trivial_path,
        "load_average_before": round(load_average, 2),
        "rate_limits": f"on, RATELIMIT_OPEN311_KEY and RATELIMIT_OPEN311_IP raised to {LOAD_RATE}",
        "trivial": figures(trivial),
        "intake": figures(intake),
        "intake_one_client": figures(intake_alone),
        "mixed": figures(mixed, kinds=True),
        "ratio_intake_to_trivial": round(intake.summary()["rps"] / trivial.summary()["rps"], 3),
        "ratio_mixed_to_trivial": round(mixed.summary()["rps"] / trivial.summary()["rps"], 3),
        "server_errors": sum(len(r.server_errors()) for r in (trivial, *runs)),
        "connection_errors": sum(len(r.connection_errors()) for r in (trivial, *runs)),
        "reports_accepted": len(told),
        "cases_made": made,
        "peak_rss_mib": peaks,
        "processes": [
            {"pid": p.pid, "process": p.name, "peak_rss_mib": round(p.peak_rss_kib / 1024, 1)} for p in processes
        ],
    }
