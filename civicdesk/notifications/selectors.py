"""Reads of the outbox, for operators (``manage.py outbox_status``) and monitoring, and of
one resident's alerts ("Your alerts")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils import timezone

from civicdesk.notifications.models import AreaSubscription, OutboxMessage, OutboxStatus
from civicdesk.tenants.models import City


def alerts_of(*, email: str, city: City) -> QuerySet[AreaSubscription]:
    """The alerts ``email`` (without regard to case) has in ``city`` and has not stopped,
    confirmed or not, oldest first, with what their words need."""
    return (
        AreaSubscription.objects.filter(city=city, email__iexact=email.strip(), active=True)
        .select_related("city", "district")
        .defer("city__boundary", "district__boundary")
        .prefetch_related("service_types")
        .order_by("created_at", "pk")
    )


@dataclass(frozen=True)
class OutboxSummary:
    """Where delivery stands, in the numbers an operator watches."""

    counts: dict[str, int]
    due: int
    stale_claims: int
    oldest_pending: OutboxMessage | None
    last_sent_at: dt.datetime | None


def outbox_summary() -> OutboxSummary:
    """Counts per status; how many pending messages are due now; how many claims look
    abandoned (the sweeper will release them); the oldest message still waiting; and when
    the last message went out."""
    now = timezone.now()
    counts = {status: 0 for status in OutboxStatus.values}
    for row in OutboxMessage.objects.order_by().values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    pending = OutboxMessage.objects.filter(status=OutboxStatus.PENDING)
    stale = now - dt.timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT_SECONDS)
    last_sent = (
        OutboxMessage.objects.filter(status=OutboxStatus.SENT, sent_at__isnull=False)
        .order_by("-sent_at")
        .values_list("sent_at", flat=True)
        .first()
    )
    return OutboxSummary(
        counts=counts,
        due=pending.filter(next_attempt_at__lte=now).count(),
        stale_claims=OutboxMessage.objects.filter(status=OutboxStatus.SENDING, claimed_at__lt=stale).count(),
        oldest_pending=pending.order_by("created_at", "pk").first(),
        last_sent_at=last_sent,
    )


def outbox_health() -> dict[str, Any]:
    """The outbox's section of ``/healthz`` (civicdesk/core/health.py): counts by status, how
    many are due, stale claims, the oldest pending and the last sent."""
    summary = outbox_summary()
    oldest = summary.oldest_pending
    return {
        **summary.counts,
        "due": summary.due,
        "stale_claims": summary.stale_claims,
        "oldest_pending_at": oldest.created_at.isoformat() if oldest else None,
        "last_sent_at": summary.last_sent_at.isoformat() if summary.last_sent_at else None,
    }
