"""``manage.py poll_mailbox``: turn the mail of the intake mailbox (INTAKE_IMAP_URL) into cases."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicdesk.intake.imap import MailboxPoller, parse_imap_url
from civicdesk.tenants.models import City


class Command(BaseCommand):
    help = "Read the intake mailbox (INTAKE_IMAP_URL) and turn each new message into a case."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Poll once and exit (for cron).")
        parser.add_argument(
            "--interval", type=float, default=None, help="Seconds between polls (INTAKE_IMAP_POLL_SECONDS)."
        )
        parser.add_argument("--url", default=None, help="Mailbox URL, instead of INTAKE_IMAP_URL.")
        parser.add_argument(
            "--city",
            default=None,
            help="Slug of the city this mailbox belongs to, for mail whose headers name no city's address.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        url = options["url"] or settings.INTAKE_IMAP_URL
        if not url:
            raise CommandError("Set INTAKE_IMAP_URL (imap://user:password@host:143/INBOX) or pass --url.")
        default_city = None
        if options["city"]:
            default_city = City.objects.filter(slug=options["city"]).first()
            if default_city is None:
                raise CommandError(f"No city has the slug {options['city']!r}.")
        poller = MailboxPoller(parse_imap_url(url), default_city=default_city)
        if options["once"]:
            report = poller.poll_once()
            self.stdout.write(str(report))
            return
        interval = options["interval"] or settings.INTAKE_IMAP_POLL_SECONDS
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        self.stdout.write(f"Polling {poller.mailbox} every {interval:g} s; Ctrl-C stops.")
        poller.run(interval=interval, stop=stop)
