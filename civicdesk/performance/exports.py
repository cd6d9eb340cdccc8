"""The dashboard as files: CSV (one row per measure and period) and JSON (the plan's tree
and every measure with its periods). Both read the same ``selectors.Dashboard``.

Numbers are given twice: as a number and as the dashboard shows them (for people). The
JSON gives the number in the stored unit (per cent 0–100, durations in seconds; exact, with
``stored_unit``); the CSV gives it in the unit its row states (days for a measure in days,
minutes in minutes), which is what a spreadsheet charting the column expects.
"""

from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from civicdesk.performance.formatting import SECONDS_PER
from civicdesk.performance.regional import CalendarPeriod, CityFigure, Comparison
from civicdesk.performance.selectors import Dashboard, MeasureView, Row
from civicdesk.tenants.models import Region

CSV_HEADER = [
    "goal",
    "objective",
    "top_priority",
    "measure_id",
    "measure",
    "unit",
    "direction",
    "source",
    "period",
    "period_label",
    "period_start",
    "period_end",
    "value",
    "value_shown",
    "compared_value",
    "target",
    "target_shown",
    "status",
    "narrative",
    "corrections",
]


# The CSV writes each figure in the unit its row states (a row in days gives days), so a
# spreadsheet charting the column reads what the row says; the JSON keeps the stored unit
# (seconds for durations) and says so in ``stored_unit``.
CSV_DECIMALS_OF_DURATIONS = 2


def _in_unit(value: str | None, unit: str) -> str:
    """A figure the JSON gives in the stored unit, as the CSV gives it: in ``unit``."""
    if value is None:
        return ""
    if unit not in SECONDS_PER or unit == "seconds":
        return value
    quantum = Decimal(1).scaleb(-CSV_DECIMALS_OF_DURATIONS)
    return format((Decimal(value) / SECONDS_PER[unit]).quantize(quantum, rounding=ROUND_HALF_UP), "f")


def _num(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _row_json(row: Row) -> dict[str, Any]:
    return {
        "period": row.period.key,
        "label": row.period.label,
        "start": row.period.first_day.isoformat(),
        "end": row.period.last_day.isoformat(),
        "value": _num(row.value),
        "value_shown": row.value_text,
        "compared_value": _num(row.compared),
        "target": _num(row.target),
        "target_shown": row.target_text,
        "target_origin": row.target_origin,
        # The period has not ended: the figure is the one so far and its status provisional.
        "in_progress": row.in_progress,
        "status": row.status.value,
        "status_label": row.status.label,
        "narrative": row.narrative,
        "cases_counted": row.case_count,
        "corrections": [{"at": c.at.isoformat(), "note": c.note} for c in row.corrections],  # type: ignore[attr-defined]
    }


def _measure_json(view: MeasureView) -> dict[str, Any]:
    m = view.measure
    return {
        "id": m.pk,
        "name": m.name,
        "definition": m.definition,
        "method": view.method,
        "unit": m.unit,
        "stored_unit": "seconds" if m.unit in ("seconds", "minutes", "days") else m.unit,
        "direction": m.direction,
        "target_is_strict": m.target_is_strict,
        "frequency": m.frequency,
        "source": m.source,
        "service_codes": list(m.service_codes) if m.is_computed else [],
        "split_rule": view.split_rule,
        "status": view.status.value,
        "status_label": view.status.label,
        # The latest figure is of a year before the plan's: the status says "no data".
        "latest_is_from_an_earlier_year": view.is_stale,
        # Periods before the first figure are left out of "periods"; this is the first one listed.
        "no_data_before": view.no_data_before.key if view.no_data_before else None,
        "periods": [_row_json(row) for row in view.rows],
    }


def dashboard_json(board: Dashboard) -> dict[str, Any]:
    """Everything on the dashboard as one JSON-ready object."""
    return {
        "city": board.city.name,
        "city_slug": board.city.slug,
        "plan": None if board.plan is None else {"title": board.plan.title, "fiscal_year": board.plan.fiscal_year},
        "goals": [
            {
                "id": g.goal.pk,
                "name": g.goal.name,
                "statement": g.goal.statement,
                "objectives": [
                    {
                        "name": o.objective.name,
                        "top_priority": o.objective.is_top_priority,
                        "measures": [v.measure.pk for v in o.measures],
                    }
                    for o in g.objectives
                ],
            }
            for g in board.goals
        ],
        "measures": [_measure_json(v) for v in board.measure_views()],
    }


def dashboard_csv(board: Dashboard) -> str:
    """One row per goal, objective, measure and period (a measure with no published value
    gets one row saying "No data"). ``value``, ``compared_value`` and ``target`` are in the
    row's ``unit`` (days, minutes, seconds, per cent, count, dollars), not the stored one."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(CSV_HEADER)
    for g in board.goals:
        for o in g.objectives:
            for view in o.measures:
                m = view.measure
                head = [g.goal.name, o.objective.name, "yes" if o.objective.is_top_priority else "no", m.pk, m.name]
                head += [m.unit, m.direction, m.source]
                if not view.rows:
                    w.writerow([*head, "", "", "", "", "", "No data", "", "", "", "", "No data", "", ""])
                for row in view.rows:
                    data = _row_json(row)
                    w.writerow(
                        [
                            *head,
                            data["period"],
                            data["label"],
                            data["start"],
                            data["end"],
                            _in_unit(data["value"], m.unit),
                            data["value_shown"],
                            _in_unit(data["compared_value"], m.unit),
                            _in_unit(data["target"], m.unit),
                            data["target_shown"],
                            data["status_label"],
                            data["narrative"],
                            " | ".join(f"{c['at'][:10]}: {c['note']}" for c in data["corrections"]),
                        ]
                    )
    return out.getvalue()


COMPARISON_CSV_HEADER = [
    "region",
    "measure_key",
    "measure",
    "unit",
    "direction",
    "per_resident",
    "minimum_cases",
    "period",
    "period_label",
    "city",
    "city_slug",
    "city_period_start",
    "city_period_end",
    "standing",
    "cases",
    "population",
    "figure",
    "figure_shown",
    "per_resident_rate",
    "per_resident_shown",
    "compared_value",
    "median",
    "median_shown",
    "versus_median",
    "versus_median_shown",
]


def _comparison_row_json(row: CityFigure) -> dict[str, Any]:
    return {
        "city": row.city.name,
        "city_slug": row.city.slug,
        # Each city's own clock: the bounds are its local midnights (ISO with offset).
        "period_start": row.period.start.isoformat() if row.period else None,
        "period_end": row.period.end.isoformat() if row.period else None,
        "standing": row.standing.value,
        "standing_shown": row.standing_text,
        "cases": row.cases,
        "population": row.population,
        "figure": _num(row.value),
        "figure_shown": row.figure_text,
        "per_resident_rate": _num(None if row.rate is None else row.rate.quantize(Decimal("0.0001"))),
        "per_resident_shown": row.rate_text,
        "compared_value": _num(None if row.compared is None else row.compared.quantize(Decimal("0.0001"))),
        "versus_median": row.versus.value or None,
        "versus_median_shown": row.versus_text,
    }


def _comparison_json(comp: Comparison) -> dict[str, Any]:
    m = comp.measure
    return {
        "key": m.key,
        "name": m.name,
        "definition": m.definition,
        "method": comp.method,
        "computation": m.computation,
        "unit": m.unit,
        "stored_unit": "seconds" if m.unit in ("seconds", "minutes", "days") else m.unit,
        "direction": m.direction or None,
        "per_resident": m.per_resident,
        "per_residents": m.per_residents if m.per_resident else None,
        "compared_in": comp.compared_unit_text,
        "minimum_cases": m.minimum_cases,
        "median": _num(None if comp.median is None else comp.median.quantize(Decimal("0.0001"))),
        "median_shown": comp.median_text,
        "cities_in_median": len(comp.counted),
        "service_codes": {
            mapping.city.slug: list(mapping.service_codes) for mapping in m.mappings.select_related("city")
        },
        "cities": [_comparison_row_json(r) for r in comp.rows],
    }


def comparison_json(region: Region, period: CalendarPeriod, comparisons: list[Comparison]) -> dict[str, Any]:
    """The regional comparison as one JSON-ready object."""
    return {
        "region": region.name,
        "region_slug": region.slug,
        "period": period.key,
        "period_label": period.label,
        "period_kind": "calendar",
        "measures": [_comparison_json(c) for c in comparisons],
    }


def comparison_csv(region: Region, period: CalendarPeriod, comparisons: list[Comparison]) -> str:
    """One row per common measure and city; the median repeated on each row of its measure.
    Figures are in the row's ``unit`` (days, minutes, seconds, per cent, count), not in the
    JSON's stored unit."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(COMPARISON_CSV_HEADER)
    for comp in comparisons:
        data = _comparison_json(comp)
        for row in data["cities"]:
            w.writerow(
                [
                    region.slug,
                    data["key"],
                    data["name"],
                    data["unit"],
                    data["direction"] or "",
                    "yes" if data["per_resident"] else "no",
                    data["minimum_cases"],
                    period.key,
                    period.label,
                    row["city"],
                    row["city_slug"],
                    row["period_start"] or "",
                    row["period_end"] or "",
                    row["standing_shown"],
                    "" if row["cases"] is None else row["cases"],
                    "" if row["population"] is None else row["population"],
                    _in_unit(row["figure"], data["unit"]),
                    row["figure_shown"],
                    row["per_resident_rate"] or "",
                    row["per_resident_shown"],
                    _in_unit(row["compared_value"], data["unit"]),
                    _in_unit(data["median"], data["unit"]),
                    data["median_shown"],
                    row["versus_median"] or "",
                    row["versus_median_shown"],
                ]
            )
    return out.getvalue()
