"""The emails one change writes are handed to the worker as one task, and sent over one
connection to the mail server (civicdesk/notifications/outbox.py, delivery.deliver_all).

A new case writes two (the resident's acknowledgement, the department's email): one task row
instead of two, one SMTP session instead of two. A failure stays the failing message's own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import transaction
from django_tasks import task_backends

from civicdesk.cases import services
from civicdesk.catalog.models import ServiceType
from civicdesk.notifications import delivery
from civicdesk.notifications.models import OutboxMessage, OutboxStatus
from civicdesk.notifications.outbox import outbox_enqueue
from tests.conftest import INSIDE
from tests.notifications.test_delivery import smtp_at
from tests.outbox_harness import smtp_servers

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queued() -> Iterator[list[Any]]:
    """The tasks queued (the tests' dummy backend keeps them, runs none)."""
    backend = task_backends["default"]
    backend.clear()  # type: ignore[attr-defined]
    yield backend.results  # type: ignore[attr-defined]
    backend.clear()  # type: ignore[attr-defined]


def tasks_of(queued: list[Any]) -> list[tuple[str, list[Any]]]:
    return [(result.task.name, list(result.args)) for result in queued]


def test_a_new_cases_emails_are_one_task(trash: ServiceType, queued: list[Any]) -> None:
    lat, lng = INSIDE["independence"]
    case = services.case_create(
        service_type=trash, lat=lat, lng=lng, description="Bags", reporter_email="ana@resident.test"
    )
    ids = list(OutboxMessage.objects.filter(case=case).order_by("pk").values_list("pk", flat=True))
    assert len(ids) == 2
    assert tasks_of(queued) == [("deliver_outbox_messages", [ids])]
    # Each row says it is queued (the sweeper leaves it alone unless the task is lost).
    assert not OutboxMessage.objects.filter(pk__in=ids, enqueued_at__isnull=True).exists()


def test_one_email_alone_is_queued_as_before(queued: list[Any]) -> None:
    message = outbox_enqueue(kind="test", recipient="a@example.org", subject="S", body_text="B")
    assert message is not None
    assert tasks_of(queued) == [("deliver_outbox_message", [message.pk])]


def test_each_transaction_is_its_own_task_and_a_rolled_back_savepoint_leaves_none(queued: list[Any]) -> None:
    class Undo(Exception):
        pass

    with transaction.atomic():
        first = outbox_enqueue(kind="test", recipient="a@example.org", subject="S", body_text="B")
        try:
            with transaction.atomic():
                outbox_enqueue(kind="test", recipient="gone@example.org", subject="S", body_text="B")
                raise Undo
        except Undo:
            pass
        second = outbox_enqueue(kind="test", recipient="b@example.org", subject="S", body_text="B")
    with transaction.atomic():
        third = outbox_enqueue(kind="test", recipient="c@example.org", subject="S", body_text="B")
        fourth = outbox_enqueue(kind="test", recipient="d@example.org", subject="S", body_text="B")
    assert first and second and third and fourth
    tasks = tasks_of(queued)
    # The rolled-back row's id may ride along (its task finds it missing); the rows that
    # exist are each in exactly one task, with their transaction's others.
    assert len(tasks) == 2
    assert {first.pk, second.pk} <= set(tasks[0][1][0]) and tasks[1] == (
        "deliver_outbox_messages",
        [[third.pk, fourth.pk]],
    )
    assert set(tasks[0][1][0]) - {first.pk, second.pk} <= {first.pk + 1}


def test_a_rolled_back_transaction_queues_nothing(queued: list[Any]) -> None:
    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        outbox_enqueue(kind="test", recipient="a@example.org", subject="S", body_text="B")
        outbox_enqueue(kind="test", recipient="b@example.org", subject="S", body_text="B")
        raise Undo
    assert queued == [] and not OutboxMessage.objects.exists()


class Sessions:
    """An SMTP handler hook counting sessions (one EHLO each)."""

    def __init__(self) -> None:
        self.count = 0

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.count += 1
        session.host_name = hostname
        return responses


def test_the_task_sends_them_over_one_connection_and_a_refused_one_fails_alone(queued: list[Any]) -> None:
    with transaction.atomic():
        messages = [
            outbox_enqueue(kind="test", recipient=f"r{n}@example.org", subject="S", body_text="B") for n in range(3)
        ]
    ids = [m.pk for m in messages if m is not None]
    with smtp_servers() as make:
        server = make(start=False)
        sessions = Sessions()
        server.handler.handle_EHLO = sessions.handle_EHLO  # type: ignore[attr-defined]
        refuse_second: Callable[..., Any] = server.handler.handle_RCPT

        async def handle_RCPT(srv: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
            if address == "r1@example.org":
                return "550 No such mailbox"
            return await refuse_second(srv, session, envelope, address, options)

        server.handler.handle_RCPT = handle_RCPT  # type: ignore[method-assign]
        server.start()
        with smtp_at(server.port):
            statuses = delivery.deliver_all(ids)
        assert statuses == {ids[0]: OutboxStatus.SENT, ids[1]: OutboxStatus.DEAD, ids[2]: OutboxStatus.SENT}
        assert sorted(r.to for r in server.handler.snapshot()) == ["r0@example.org", "r2@example.org"]
        # One session for the first two; the refusal closed it, the third had a new one.
        assert sessions.count == 2
    assert delivery.deliver_all(ids) == {i: s for i, s in statuses.items()}  # done: nothing sent again
