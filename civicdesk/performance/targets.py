"""A period's target, from the fiscal year's target and its split rule.

- ``every_period``: the year's target applies as-is to each period (rates, averages,
  per cents: 75% each quarter).
- ``even``: the annual target divided evenly: 965 jobs a year is 241.25 a quarter (the
  press release's "approximately 150" was a slip; we compute, not round).
- ``cumulative``: the annual target pro rata to date (965 × 2/4 = 482.5 by the end of Q2),
  compared with the year-to-date total of the values, not the quarter's own value.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

EVERY_PERIOD, EVEN, CUMULATIVE = "every_period", "even", "cumulative"


def period_target(*, annual: Decimal, rule: str, index: int, periods_per_year: int) -> Decimal:
    """The target of period ``index`` (1-based) of a year split into ``periods_per_year``."""
    if not 1 <= index <= periods_per_year:
        raise ValueError(f"Period {index} is not one of 1 to {periods_per_year}.")
    if rule == EVERY_PERIOD:
        return annual
    if rule == EVEN:
        return annual / Decimal(periods_per_year)
    if rule == CUMULATIVE:
        return annual * Decimal(index) / Decimal(periods_per_year)
    raise ValueError(f"Unknown split rule {rule!r}.")


def compared_value(*, rule: str, values_to_date: Sequence[Decimal | None]) -> Decimal | None:
    """The figure a period's status compares with its target.

    ``values_to_date`` are the year's period values up to and including this one. Under the
    cumulative rule that is their total — unknown (None) if this period has no value yet;
    an earlier period without a value counts as nothing reported, not as zero progress
    hidden. Otherwise it is the period's own value.
    """
    if not values_to_date or values_to_date[-1] is None:
        return None
    if rule == CUMULATIVE:
        return sum((v for v in values_to_date if v is not None), Decimal(0))
    return values_to_date[-1]
