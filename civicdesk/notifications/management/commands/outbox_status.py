"""Print where email delivery stands: ``manage.py outbox_status``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.timesince import timesince

from civicdesk.notifications.models import OutboxStatus
from civicdesk.notifications.selectors import outbox_summary


class Command(BaseCommand):
    help = "Show how many emails are waiting, being sent, sent and given up, and the oldest one waiting."

    def handle(self, *args: Any, **options: Any) -> None:
        summary = outbox_summary()
        now = timezone.now()
        for status, label in OutboxStatus.choices:
            self.stdout.write(f"{label:<20} {status:<8} {summary.counts.get(status, 0):>8}")
        self.stdout.write(f"{'due now':<29} {summary.due:>8}")
        self.stdout.write(f"{'abandoned claims':<29} {summary.stale_claims:>8}")
        if summary.last_sent_at:
            self.stdout.write(f"last sent: {timezone.localtime(summary.last_sent_at):%Y-%m-%d %H:%M:%S %Z}")
        oldest = summary.oldest_pending
        if oldest is None:
            self.stdout.write("nothing is waiting")
            return
        self.stdout.write(
            f"oldest waiting: #{oldest.pk} {oldest.kind} to {oldest.recipient}, written {timesince(oldest.created_at, now)} ago, "
            f"{oldest.attempts} attempt(s), next at {timezone.localtime(oldest.next_attempt_at):%Y-%m-%d %H:%M:%S %Z}"
        )
        if oldest.last_error:
            self.stdout.write(f"  last error: {oldest.last_error}")
        if summary.counts.get(OutboxStatus.DEAD):
            self.stdout.write(
                self.style.WARNING(
                    f"{summary.counts[OutboxStatus.DEAD]} message(s) were given up: see docs/notifications.md"
                )
            )
