"""The dashboard as files: CSV (one row per measure and period) and JSON (the plan's tree
and every measure with its periods). Both read the same ``selectors.Dashboard``.

Numbers are given twice: in the stored unit (per cent 0–100, durations in seconds; exact,
for machines) and as the dashboard shows them (for people).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from civicdesk.performance.selectors import Dashboard, MeasureView, Row

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
    gets one row saying "No data")."""
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
                            data["value"] or "",
                            data["value_shown"],
                            data["compared_value"] or "",
                            data["target"] or "",
                            data["target_shown"],
                            data["status_label"],
                            data["narrative"],
                            " | ".join(f"{c['at'][:10]}: {c['note']}" for c in data["corrections"]),
                        ]
                    )
    return out.getvalue()
