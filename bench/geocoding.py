#!/usr/bin/env python
"""The gazetteer's figures on real Kansas City addresses (issue 12), on a throwaway PostgreSQL.

1. reads the 80,203 Kansas City cases in ../shared/data/311/kcmo; one address per distinct
   numbered STREET ADDRESS (upper case, spaces collapsed: 9,798), its point the first case's;
   one address in ten is held out (a fixed seed);
2. the baseline of the issue: a held-out number placed on the straight line between the two
   nearest numbers of the same street text that bracket it (no parity, no gazetteer);
3. builds the gazetteer from the other nine in ten through ``load_addresses --format
   openaddresses-csv`` (the loader a city would use), then measures
   - normalised matches: each address typed as residents write it (lower case, "Street" for
     "St", "East" for "E", with a ZIP or a unit) -> the first candidate's distance from the
     point the city recorded on the address's last case;
   - interpolation: each held-out address searched -> distance from its recorded point;
   - reverse: each held-out point -> ``address_near`` -> on the right street?;
   - autocomplete: every prefix (from 3 characters) of 300 addresses as they are typed, p50/p95;
4. adds generated addresses up to 300,000 (one load, timed: a county's points) and times
   autocomplete again;
5. writes the figures under "geocoding" in bench/results.json (other keys are kept).

    .venv/bin/python bench/geocoding.py [--sample N]
"""

from __future__ import annotations

import argparse
import collections
import csv
import glob
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
KC_DIR = REPO.parent / "shared" / "data" / "311" / "kcmo"
CITY_FILE = REPO.parent / "shared" / "data" / "geo" / "cities" / "kansas-city.json"
sys.path.insert(0, str(REPO))

SEED = 12
COUNTY_SIZE = 300_000


def say(text: str) -> None:
    print(text, flush=True)


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    from civicdesk.tenants.geo import metres_between

    return metres_between(a[0], a[1], b[0], b[1])


# --- 1. the addresses --------------------------------------------------------------------------


def read_addresses() -> dict[tuple[int, str], dict[str, Any]]:
    """(number, street text) -> first and last recorded point and the ZIP, in file order."""
    addresses: dict[tuple[int, str], dict[str, Any]] = {}
    for name in sorted(glob.glob(str(KC_DIR / "*_neighborhood.csv"))):
        with open(name, newline="", encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                text = " ".join(row["STREET ADDRESS"].upper().split())
                match = re.match(r"^(\d+)\s+(.+)$", text)
                if not match or not row["LATITUDE"] or not row["LONGITUDE"]:
                    continue
                point = (float(row["LATITUDE"]), float(row["LONGITUDE"]))
                key = (int(match.group(1)), match.group(2))
                zip_code = row["ZIP CODE"].split(".")[0]
                entry = addresses.setdefault(key, {"first": point, "zip": zip_code})
                entry["last"] = point
    return addresses


def summary(errors: list[float], placed_of: int) -> dict[str, Any]:
    errors = sorted(errors)
    return {
        "held_out": placed_of,
        "placed": len(errors),
        "median_m": round(statistics.median(errors), 1) if errors else None,
        "within_50m": round(sum(e <= 50 for e in errors) / len(errors), 3) if errors else None,
        "within_100m": round(sum(e <= 100 for e in errors) / len(errors), 3) if errors else None,
    }


# --- 2. the baseline ---------------------------------------------------------------------------


def baseline(addresses: dict[tuple[int, str], dict[str, Any]], held: set[tuple[int, str]]) -> dict[str, Any]:
    streets: dict[str, list[tuple[int, tuple[float, float]]]] = collections.defaultdict(list)
    for (number, street), entry in addresses.items():
        if (number, street) not in held:
            streets[street].append((number, entry["first"]))
    errors = []
    for number, street in held:
        known = sorted(streets.get(street, []))
        below = [k for k in known if k[0] < number]
        above = [k for k in known if k[0] > number]
        if not below or not above:
            continue
        (n1, p1), (n2, p2) = below[-1], above[0]
        t = (number - n1) / (n2 - n1)
        guess = (p1[0] + t * (p2[0] - p1[0]), p1[1] + t * (p2[1] - p1[1]))
        errors.append(metres(guess, addresses[(number, street)]["first"]))
    return summary(errors, len(held))


# --- 3. the gazetteer --------------------------------------------------------------------------


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 60)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_city() -> Any:
    from civicdesk.tenants.models import City, Region

    region = Region.objects.create(name="Bench region", slug="bench")
    boundary = json.loads(CITY_FILE.read_text())
    return City.objects.create(
        region=region, name="Kansas City", slug="kc", jurisdiction_id="kc.bench", case_prefix="KC", boundary=boundary
    )


OA_COLUMNS = ["LON", "LAT", "NUMBER", "STREET", "UNIT", "CITY", "DISTRICT", "REGION", "POSTCODE", "ID", "HASH"]


def write_oa_csv(path: Path, rows: list[tuple[int, str, str, tuple[float, float]]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(OA_COLUMNS)
        for number, street, zip_code, (lat, lng) in rows:
            writer.writerow([lng, lat, number, street, "", "", "", "MO", zip_code, "", ""])


def load(path: Path, city: Any) -> tuple[float, float, str]:
    """Wall-clock seconds, this process's CPU seconds (the reading and normalising; the
    database server's work is in the wall-clock figure only), and the command's summary."""
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    started, cpu = time.perf_counter(), time.process_time()
    call_command("load_addresses", str(path), "--city", city.slug, "--format", "openaddresses-csv", stdout=out)
    return time.perf_counter() - started, time.process_time() - cpu, out.getvalue().splitlines()[0]


_LONG = {"ST": "Street", "AVE": "Avenue", "RD": "Road", "BLVD": "Boulevard", "DR": "Drive", "TER": "Terrace"}
_DIRS = {"E": "East", "W": "West", "N": "North", "S": "South"}


def typed_as_residents_do(number: int, street: str, zip_code: str, rng: random.Random) -> str:
    words = []
    for word in street.split():
        if word in _LONG and rng.random() < 0.5:
            word = _LONG[word]
        elif word in _DIRS and rng.random() < 0.5:
            word = _DIRS[word]
        words.append(word.lower())
    text = f"{number} {' '.join(words)}"
    extra = rng.random()
    if extra < 0.3 and zip_code:
        text += f" {zip_code}"
    elif extra < 0.45:
        text += f" apt {rng.randint(1, 12)}"
    return text


def timed_searches(queries: list[str], near: tuple[float, float]) -> dict[str, Any]:
    from civicdesk.places.selectors import address_search

    times = []
    for query in queries:
        started = time.perf_counter()
        address_search(query, near=near)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "queries": len(times),
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(len(times) * 0.95)], 2),
        "max_ms": round(times[-1], 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=int, default=0, help="typed addresses to try (0: all)")
    parser.add_argument("--results", default=str(REPO / "bench" / "results.json"))
    args = parser.parse_args()
    rng = random.Random(SEED)

    addresses = read_addresses()
    keys = sorted(addresses)
    held = set(rng.sample(keys, len(keys) // 10))
    say(f"{len(addresses):,} distinct numbered addresses, {len(held):,} held out")
    base = baseline(addresses, held)
    say(f"baseline (straight line between the two nearest numbers): {base}")

    from tests.pg_cluster import Cluster, find_pg_bindir

    cluster = Cluster(find_pg_bindir())
    cluster.start()
    load_at_start = [round(x, 1) for x in os.getloadavg()]
    try:
        setup_django(cluster.url)
        from civicdesk.places.models import AddressPoint
        from civicdesk.places.normalise import parse_address
        from civicdesk.places.selectors import How, address_near, address_search

        city = make_city()
        work = Path(tempfile.mkdtemp(prefix="geocoding-bench-"))
        kept = [(n, s, addresses[(n, s)]["zip"], addresses[(n, s)]["first"]) for n, s in keys if (n, s) not in held]
        write_oa_csv(work / "kc.csv", kept)
        seconds, _, line = load(work / "kc.csv", city)
        gazetteer = AddressPoint.objects.filter(city=city).count()
        say(f"gazetteer: {line}")
        centre = (statistics.median(p[3][0] for p in kept), statistics.median(p[3][1] for p in kept))

        # Normalised matches.
        tried = [k for k in keys if k not in held]
        if args.sample:
            tried = rng.sample(tried, min(args.sample, len(tried)))
        distances = []
        for number, street in tried:
            entry = addresses[(number, street)]
            found = address_search(typed_as_residents_do(number, street, entry["zip"], rng), limit=1)
            distances.append(metres((found[0].lat, found[0].lng), entry["last"]) if found else float("inf"))
        finite = [d for d in distances if d != float("inf")]
        matches = {
            "tried": len(distances),
            "found": len(finite),
            "within_25m": round(sum(d <= 25 for d in distances) / len(distances), 3),
            "median_m": round(statistics.median(finite), 1),
        }
        say(f"normalized matches: {matches}")

        # Interpolation of the held-out addresses, and reverse from their points.
        errors, right_street, near_distances = [], 0, []
        for number, street in sorted(held):
            truth = addresses[(number, street)]["first"]
            found = [p for p in address_search(f"{number} {street}", limit=3) if p.how == How.INTERPOLATED]
            if found:
                errors.append(metres((found[0].lat, found[0].lng), truth))
            pin = address_near(*truth, city=city)
            wanted = parse_address(f"{number} {street}").street
            if pin is not None:
                near_distances.append(pin.distance_m or 0.0)
                if (pin.pre_directional, pin.street_key) == (wanted.pre_directional, wanted.key):
                    right_street += 1
        interpolation = summary(errors, len(held))
        reverse = {
            "held_out": len(held),
            "right_street": round(right_street / len(held), 3),
            "median_distance_m": round(statistics.median(near_distances), 1),
        }
        say(f"interpolation: {interpolation}")
        say(f"reverse: {reverse}")

        # Autocomplete as people type.
        typed = []
        for number, street in rng.sample(tried, min(300, len(tried))):
            text = typed_as_residents_do(number, street, "", rng)
            typed += [text[:n] for n in range(3, len(text) + 1)]
        small = timed_searches(typed, centre)
        say(f"autocomplete at {gazetteer:,} addresses: {small}")

        # A county's size: generated addresses on the same street names, numbers 1-12,000.
        streets = sorted({s for _, s in keys})
        extra: list[tuple[int, str, str, tuple[float, float]]] = []
        taken = set(keys)
        while len(extra) + gazetteer < COUNTY_SIZE:
            street = f"{rng.choice(streets)}"
            if rng.random() < 0.7:
                street = re.sub(r"^(\d+)", lambda m: str(int(m.group(1)) + rng.randint(1, 150)), street)
                street = f"{street} {rng.choice(['', 'N', 'S'])}".strip() if rng.random() < 0.2 else street
            number = rng.randint(1, 12_000)
            if (number, street) in taken:
                continue
            taken.add((number, street))
            extra.append(
                (number, street, "", (centre[0] + rng.uniform(-0.25, 0.25), centre[1] + rng.uniform(-0.3, 0.3)))
            )
        write_oa_csv(work / "county.csv", [*kept, *extra])
        seconds_county, cpu_county, line_county = load(work / "county.csv", city)
        total = AddressPoint.objects.filter(city=city).count()
        say(f"county load: {line_county}")
        seconds_again, cpu_again, line_again = load(work / "county.csv", city)
        say(f"county load again: {line_again}")
        big = timed_searches(typed, centre)
        say(f"autocomplete at {total:,} addresses: {big}")
    finally:
        cluster.stop()

    figures = {
        "date": time.strftime("%Y-%m-%d"),
        "database": "PostgreSQL (throwaway cluster, tests/pg_cluster.py)",
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_at_start": load_at_start,
            "load_average_at_end": [round(x, 1) for x in os.getloadavg()],
        },
        "distinct_numbered_addresses": len(addresses),
        "gazetteer_addresses": gazetteer,
        "gazetteer_load_s": round(seconds, 1),
        "baseline_straight_line": base,
        "baseline_issue": {"median_m": 46, "within_50m": 0.55, "within_100m": 0.94, "held_out": 916},
        "normalised_matches": matches,
        "interpolation": interpolation,
        "reverse": reverse,
        "autocomplete_gazetteer": {"addresses": gazetteer, **small},
        "county_load": {
            "rows": len(kept) + len(extra),
            "addresses": total,
            "seconds": round(seconds_county, 1),
            "python_cpu_seconds": round(cpu_county, 1),
            "again_seconds": round(seconds_again, 1),
            "again_python_cpu_seconds": round(cpu_again, 1),
        },
        "autocomplete_county": {"addresses": total, **big},
    }
    path = Path(args.results)
    results = json.loads(path.read_text()) if path.exists() else {}
    results["geocoding"] = figures
    path.write_text(json.dumps(results, indent=2) + "\n")
    say(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
