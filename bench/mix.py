"""The Kansas City mix: the distributions the synthetic cases are drawn from, read once from the
Kansas City 311 export in ../shared/data/311/kcmo (a test corpus, not shipped)."""

from __future__ import annotations

import collections
import csv
import re
from typing import Any

from bench.common import REPO

KC_DIR = REPO.parent / "shared" / "data" / "311" / "kcmo"


CHANNELS = {"PHONE": "phone", "VOICE": "phone", "WEB": "web", "EMAIL": "email", "TWIR": "mobile", "BOT": "mobile"}


OTHER_CHANNEL = "walk_in"  # SYS, INSPE (inspectors) and the rest: entered by staff


def kc_rows() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in sorted(KC_DIR.glob("*_neighborhood.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            rows.extend(csv.DictReader(fh))
    return rows


def _code_of_category() -> tuple[dict[str, str], str]:
    import yaml

    mapping = yaml.safe_load((REPO / "civicdesk/history/mappings/kcmo.yaml").read_text())
    codes = mapping["service_types"]["codes"]
    table = {category: code for code, categories in codes.items() for category in categories}
    return table, mapping["service_types"].get("otherwise", "other")


def kc_profile() -> dict[str, Any]:
    """The distributions the synthetic cases are drawn from."""
    rows = kc_rows()
    table, otherwise = _code_of_category()
    per_code: dict[str, list[dict[str, str]]] = collections.defaultdict(list)
    for row in rows:
        per_code[table.get(row["CATEGORY"], otherwise)].append(row)
    codes = {}
    for code, members in per_code.items():
        days = sorted(float(r["DAYS TO CLOSE"]) for r in members if r["DAYS TO CLOSE"] and r["STATUS"] != "OPEN")
        exceeded = sum(1 for r in members if r["EXCEEDED EST TIMEFRAME"] == "Y") / len(members)
        # The target a city would set so that the share KC saw exceeded is exceeded here too.
        target = days[min(len(days) - 1, int(len(days) * (1 - exceeded)))] if days else 10
        codes[code] = {
            "count": len(members),
            "department": collections.Counter(r["DEPARTMENT"] or "Unassigned" for r in members).most_common(1)[0][0],
            "days": days or [1.0],
            "open_share": sum(1 for r in members if r["STATUS"] in ("OPEN", "ASSIG")) / len(members),
            "target_days": max(1, min(365, round(target))),
        }
    channels = collections.Counter(CHANNELS.get(r["SOURCE"], OTHER_CHANNEL) for r in rows)
    districts = collections.Counter(r["COUNCIL DISTRICT"] for r in rows)
    hours = collections.Counter()
    for r in rows:
        m = re.match(r"(\d\d):\d\d ([AP]M)", r["CREATION TIME"])
        if m:
            hours[int(m.group(1)) % 12 + (12 if m.group(2) == "PM" else 0)] += 1
    months = collections.Counter(int(r["CREATION MONTH"]) for r in rows if r["CREATION MONTH"])
    return {
        "rows": len(rows),
        "codes": codes,
        "channels": dict(channels),
        # By rank: the most reported district of KC maps to a city's first district, and so on.
        "district_ranks": [n for d, n in districts.most_common() if d],
        "no_district": districts.get("", 0),
        "hours": [hours.get(h, 0) for h in range(24)],
        "months": [months.get(m, 0) for m in range(1, 13)],
    }
