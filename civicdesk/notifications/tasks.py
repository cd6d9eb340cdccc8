"""Background tasks: thin, idempotent, load by id and call the service."""

from __future__ import annotations

from django_tasks import task

from civicdesk.notifications import delivery


@task()
def deliver_outbox_message(message_id: int) -> str:
    return delivery.deliver(message_id)


@task()
def deliver_outbox_messages(message_ids: list[int]) -> dict[str, str]:
    """The emails of one change, sent over one connection."""
    return {str(message_id): status for message_id, status in delivery.deliver_all(message_ids).items()}
