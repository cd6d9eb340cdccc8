"""The expected closing date of a new case, worked out at intake (``cases.signals.case_routing``).

It is computed before the city's number lock is taken (one indexed count and the model's
parameters: under 5 ms, docs/expected.md), and handed to the acknowledgement email through
``case_created``'s ``intake``. Nothing is stored: the tracking page, Open311 and the console
ask ``selectors.expected_for`` when they show the case.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from django.db import DatabaseError, transaction

from civicdesk.cases import signals
from civicdesk.cases.models import Channel, ServiceRequest
from civicdesk.expected import selectors

if TYPE_CHECKING:
    from civicdesk.cases.invariants import Route

logger = logging.getLogger(__name__)


def expected_at_intake(
    sender: type[ServiceRequest], *, route: Route, channel: str, opened_at: dt.datetime, **kwargs: Any
) -> dict[str, Any]:
    """``{"expected": Expectation}`` for the case being created; ``{}`` for an imported case
    (history: nobody is told of it) or when the prediction fails. A report is never refused
    because its date could not be estimated: the acknowledgement then gives the target."""
    if channel == Channel.IMPORT:
        return {}
    arguments: dict[str, Any] = {
        "city": route.city,
        "service_type": route.service_type,
        "department_id": route.department.pk if route.department is not None else None,
        "district_id": route.district.pk if route.district is not None else None,
        "channel": channel,
        "opened_at": opened_at,
        "due_at": route.due_at,
    }
    try:
        # Most reports are answered from what the process keeps, with no query. Otherwise a
        # savepoint: a failed query must not spoil the report's own transaction.
        expectation = selectors.expected_for_new_kept(**arguments)
        if expectation is None:
            with transaction.atomic():
                expectation = selectors.expected_for_new(**arguments)
    except (DatabaseError, ArithmeticError, KeyError, TypeError, ValueError):
        if transaction.get_connection().needs_rollback:
            # The savepoint could not even be rolled back: the connection is gone (a restart
            # of the database, a network cut). The report's own transaction cannot go on, so it
            # fails with the database's error, which the caller answers with a 503 and "try
            # again"; carrying on would only meet "an error occurred in the current
            # transaction" at the next query, a 500.
            raise
        logger.exception("expected closing date at intake failed; the acknowledgement gives the target")
        return {}
    return {"expected": expectation}


def connect() -> None:
    """Connect the receiver (from ``ExpectedConfig.ready``)."""
    signals.case_routing.connect(expected_at_intake, sender=ServiceRequest, dispatch_uid="expected-at-intake")
