"""``manage.py expected_schedule``: queue the nightly training for the task worker (once; the
run then queues the next night's itself)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from civicdesk.expected.tasks import schedule_next


class Command(BaseCommand):
    help = "Queue the nightly training of the expected-closing-date models, unless already queued."

    def handle(self, *args: Any, **options: Any) -> None:
        queued = schedule_next()
        self.stdout.write("queued" if queued else "already queued")
