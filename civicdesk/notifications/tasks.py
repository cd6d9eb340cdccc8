"""Background tasks: thin, idempotent, load by id and call the service."""

from __future__ import annotations

from django_tasks import task

from civicdesk.notifications import delivery


@task()
def deliver_outbox_message(message_id: int) -> str:
    return delivery.deliver(message_id)
