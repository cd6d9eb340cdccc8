#!/usr/bin/env python
"""One node against two (issue 19): ``make serve-prod`` once, then twice on two ports, against
one throwaway PostgreSQL and one S3-compatible object store, on this machine.

Each run: the trivial endpoint, then the mix of Open311 POSTs and page views
(tests/ops/loadgen.py), ``--clients`` at once. With two nodes the load generator sends each
client's requests to the nodes in turn. The figures that count are the ratios of two nodes to
one, measured in the same run: on one machine the two nodes share its cores, so the second node
adds processes, not CPU — what two machines would add is not measured here. Every accepted report
is checked to be one case.

Writes the figures under "nodes" in bench/results.json (other keys are kept).

    .venv/bin/python bench/nodes.py [--clients 30] [--requests 20]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests import s3_server  # noqa: E402
from tests.ops import fault_data  # noqa: E402
from tests.ops.loadgen import Plan as LoadPlan  # noqa: E402
from tests.ops.loadgen import Report, Target, points_around, run_load, run_trivial  # noqa: E402
from tests.ops.prod_server import HOST, ServeProd, prod_env  # noqa: E402
from tests.pg_cluster import Cluster, find_pg_bindir  # noqa: E402

# Well inside Independence, as in tests/conftest.py (which needs Django set up to import).
POINT_IN_INDEPENDENCE = (39.0855, -94.3520)


def say(text: str) -> None:
    print(text, flush=True)


@contextlib.contextmanager
def nodes(count: int, env_of: Any) -> Iterator[list[ServeProd]]:
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(ServeProd(env_of(n))) for n in range(count)]


def cases_made(database_url: str, runs: list[Report]) -> tuple[int, int]:
    """(cases whose description carries a run's marker, reports the clients were told of)."""
    import psycopg

    told = sum(len(r.accepted()) for r in runs)
    with psycopg.connect(database_url) as conn:
        made = sum(
            conn.execute(
                "SELECT count(*) FROM cases_servicerequest WHERE description LIKE %s", (f"%{r.plan.run_id}%",)
            ).fetchone()[0]  # type: ignore[index]
            for r in runs
        )
    return made, told


def figures(report: Report) -> dict[str, Any]:
    summary = report.summary()
    return {k: v for k, v in summary.items() if k != "kinds"} | {
        "p99_ms_worst_kind": max(k["p99_ms"] for k in summary["kinds"].values())
    }


def measure(
    count: int, database_url: str, store_url: str, seeded: dict[str, Any], args: Any, tmp: Path
) -> dict[str, Any]:
    def env_of(n: int) -> dict[str, str]:
        return prod_env(tmp / f"{count}-{n}", database_url, OBJECT_STORAGE_URL=store_url)

    with nodes(count, env_of) as servers:
        lat, lng = POINT_IN_INDEPENDENCE  # the city tests/ops/fault_data.py seeds
        target = Target(
            port=servers[0].port,
            more_ports=tuple(s.port for s in servers[1:]),
            host_header=HOST,
            jurisdiction_id=seeded["jurisdiction_id"],
            api_key=seeded["api_key"],
            service_code=seeded["service_code"],
            city_slug=seeded["city_slug"],
            points=points_around(lat, lng, count=64),
        )
        # Every worker of every node warm, not measured.
        run_trivial(target, clients=args.clients, requests_per_client=2)
        run_load(target, LoadPlan(clients=args.clients, requests_per_client=3))
        load_average = os.getloadavg()[0]
        trivial = run_trivial(target, clients=args.clients, requests_per_client=args.requests)
        mixed = run_load(target, LoadPlan(clients=args.clients, requests_per_client=args.requests))
        workers = sum(1 for s in servers for p in s.processes() if p.name == "gunicorn worker")
    made, told = cases_made(database_url, [mixed])
    return {
        "nodes": count,
        "web_workers": workers,
        "load_average_before": round(load_average, 2),
        "trivial": figures(trivial),
        "mix": figures(mixed),
        "mix_over_trivial": round(mixed.summary()["rps"] / trivial.summary()["rps"], 3),
        "reports_accepted": told,
        "cases_made": made,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--requests", type=int, default=20, help="requests per client in each run")
    parser.add_argument("--results", type=Path, default=REPO / "bench" / "results.json")
    args = parser.parse_args()

    cluster = Cluster(find_pg_bindir())
    cluster.start()
    try:
        with tempfile.TemporaryDirectory() as tmpdir:
            tmp = Path(tmpdir)
            for store in s3_server.running():
                bucket = store.new_bucket()
                say("== one node (migrates the database)")
                with ServeProd(prod_env(tmp / "migrate", cluster.url)):
                    pass
                seeded = fault_data.run(cluster.url, "seed")
                one = measure(1, cluster.url, store.url(bucket), seeded, args, tmp)
                say(json.dumps(one))
                say("== two nodes")
                two = measure(2, cluster.url, store.url(bucket), seeded, args, tmp)
                say(json.dumps(two))
    finally:
        cluster.stop()

    for run in (one, two):
        if run["mix"]["server_errors"] or run["cases_made"] != run["reports_accepted"]:
            say(f"FAILED: {run['nodes']} node(s): 5xx or a report that is not exactly one case")
            return 1
    result = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine_cores": os.cpu_count(),
        "one_node": one,
        "two_nodes": two,
        "two_over_one": {
            "trivial_rps": round(two["trivial"]["rps"] / one["trivial"]["rps"], 2),
            "mix_rps": round(two["mix"]["rps"] / one["mix"]["rps"], 2),
            "mix_p99": round(two["mix"]["p99_ms"] / one["mix"]["p99_ms"], 2),
        },
    }
    results = json.loads(args.results.read_text()) if args.results.exists() else {}
    results["nodes"] = result
    args.results.write_text(json.dumps(results, indent=2) + "\n")
    say(json.dumps(result["two_over_one"]))
    say(f'written to {args.results} under "nodes"')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
