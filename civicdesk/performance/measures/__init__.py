"""Computed measures: each definition is a module of this package (see ``base``).

A ``Measure`` with source "computed" names its definition in ``Measure.computation`` and
the service types it covers in ``Measure.service_codes`` — the codes are the city's data,
the rule is code.
"""

from __future__ import annotations

from types import ModuleType

from civicdesk.performance.measures import (
    animal_calls_held_over,
    closed_within_target,
    code_enforcement_inspected,
    potholes_median_days_to_close,
    requests_opened,
)

DEFINITIONS: dict[str, ModuleType] = {
    module.KEY: module
    for module in (
        code_enforcement_inspected,
        animal_calls_held_over,
        potholes_median_days_to_close,
        closed_within_target,
        requests_opened,
    )
}


def choices() -> list[tuple[str, str]]:
    """(key, title) of every definition, for forms."""
    return [(key, module.TITLE) for key, module in DEFINITIONS.items()]


def definition(key: str) -> ModuleType:
    """The definition module named ``key``; ``KeyError`` if there is none."""
    return DEFINITIONS[key]
