"""Times to close worked out by the database, exactly, on SQLite and PostgreSQL alike.

A time to close is read in whole microseconds (``microseconds_sql``), the unit both databases
keep a time in, so a case's time read here is the very ``closed_at - opened_at`` Python works
out from the case. A quantile is taken at its ranks (``quantile_ranks``): the database
sorts, and only the one or two cases at the ranks come back. The operational report's
times under a day (``reports.operational``) and the regional comparison's median days to
close (``performance.measures.potholes_median_days_to_close``) are both read so.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import TYPE_CHECKING

from django.db import connections
from django.db.models.expressions import RawSQL

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from civicdesk.cases.models import ServiceRequest

MEDIAN = Fraction(1, 2)


def microseconds_sql(vendor: str, *, later: str = "closed_at", earlier: str = "opened_at") -> str:
    """SQL for the whole microseconds from ``earlier`` to ``later`` (two columns' SQL) on a
    database of ``vendor``: PostgreSQL's exact interval in seconds, or Django's own function on
    SQLite (its times are text)."""
    if vendor == "postgresql":
        return f"(EXTRACT(EPOCH FROM {later} - {earlier}) * 1000000)::bigint"
    return f"django_timestamp_diff({later}, {earlier})"


def quantile_ranks(total: int, p: Fraction) -> tuple[int, int, Fraction] | None:
    """Where the ``p`` quantile of ``total`` sorted values lies, as PostgreSQL's
    ``percentile_cont`` takes it: its two nearest ranks (from 0; the same one when it falls on
    a value) and the fraction of the way from the lower to the upper. None for no values."""
    if total <= 0:
        return None
    position = p * (total - 1)
    lower, upper = math.floor(position), math.ceil(position)
    return lower, upper, position - lower


def median_ranks(cases: QuerySet[ServiceRequest]) -> tuple[int, list[int]]:
    """How many ``cases`` there are and the times to close (microseconds) of the cases at their
    median's ranks, lowest first: one when the count is odd, the two middle ones when it is
    even, none when there is no case. Every case must have been closed.

    PostgreSQL reads them in one pass: the count and ``percentile_disc(0.5)`` in each order
    (the lower middle value, and from the top the upper one, both values of a case, never an
    interpolation). SQLite counts, then reads the one or two cases at the ranks sorted by time
    to close (``ORDER BY … LIMIT … OFFSET``)."""
    alias = cases.db
    connection = connections[alias]
    table = connection.ops.quote_name(cases.model._meta.db_table)
    took = microseconds_sql(
        connection.vendor,
        later=f"{table}.{connection.ops.quote_name('closed_at')}",
        earlier=f"{table}.{connection.ops.quote_name('opened_at')}",
    )
    # Every piece of ``took`` is ours: quoted column names of the model.
    timed = cases.order_by().annotate(took_us=RawSQL(took, ())).values_list("took_us", flat=True)  # noqa: S611
    if connection.vendor == "postgresql":
        inner, params = timed.query.sql_with_params()
        query = (
            "SELECT count(*), percentile_disc(0.5) WITHIN GROUP (ORDER BY took_us),"  # noqa: S608 (ours)
            f" percentile_disc(0.5) WITHIN GROUP (ORDER BY took_us DESC) FROM ({inner}) AS closed (took_us)"
        )
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            total, low, high = cursor.fetchone()
        if not total:
            return 0, []
        return int(total), [int(low)] if total % 2 else [int(low), int(high)]
    total = timed.count()
    ranks = quantile_ranks(total, MEDIAN)
    if ranks is None:
        return 0, []
    lower, upper, _fraction = ranks
    return total, [int(us) for us in timed.order_by("took_us")[lower : upper + 1]]
