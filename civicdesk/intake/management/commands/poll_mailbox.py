"""``manage.py poll_mailbox``: turn the mail of the intake mailboxes into cases.

Without options it reads every mailbox the settings name, in turn, in this one process: the
shared ``INTAKE_IMAP_URL`` and each city's ``INTAKE_IMAP_URL_<SLUG>``. One city's mailbox
that cannot be read (a wrong password) is logged and retried on its own back-off; the other
cities' mail keeps coming in (``civicdesk.intake.imap.MailboxRounds``).
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from civicdesk.intake.imap import (
    ConfiguredMailbox,
    MailboxRounds,
    city_setting_name,
    configured_mailboxes,
    parse_imap_url,
)
from civicdesk.tenants.models import City

HOW = (
    "Set INTAKE_IMAP_URL_<SLUG> for each city's mailbox (INTAKE_IMAP_URL_LEES_SUMMIT=imaps://user:password@host:993/INBOX), "
    "INTAKE_IMAP_URL for a mailbox shared by the cities, or pass --url. Microsoft 365 and Google Workspace "
    "mailboxes sign in with OAuth 2.0: no password, and ?auth=oauth2&token_url=…&client_id=…&client_secret=… "
    "(docs/email-intake.md)."
)


class Command(BaseCommand):
    help = (
        "Read the intake mailboxes (every city's INTAKE_IMAP_URL_<SLUG>, and INTAKE_IMAP_URL) in turn and "
        "turn each new message into a case."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Read each mailbox once and exit (for cron); fails if one failed."
        )
        parser.add_argument(
            "--interval", type=float, default=None, help="Seconds between polls (INTAKE_IMAP_POLL_SECONDS)."
        )
        parser.add_argument("--url", default=None, help="Read this one mailbox instead of the configured ones.")
        parser.add_argument(
            "--city",
            default=None,
            help="Slug of a city: read only its mailbox (INTAKE_IMAP_URL_<SLUG>; else --url or INTAKE_IMAP_URL), "
            "whose mail belongs to it even when its headers name no city's address.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        city = None
        if options["city"]:
            city = City.objects.filter(slug=options["city"]).first()
            if city is None:
                raise CommandError(f"No city has the slug {options['city']!r}.")
        mailboxes = self._mailboxes(url=options["url"], city=city)
        interval = options["interval"] or settings.INTAKE_IMAP_POLL_SECONDS
        rounds = MailboxRounds(mailboxes, interval=interval)
        if options["once"]:
            failed = []
            for box, outcome in rounds.poll_due():
                if isinstance(outcome, Exception):
                    failed.append(box.name)
                    self.stderr.write(f"{box.name}: cannot read {box.mailbox}: {outcome}")
                else:
                    self.stdout.write(f"{box.name}: {outcome}")
            if failed:
                raise CommandError(
                    f"{len(failed)} of {len(mailboxes)} mailbox(es) could not be read: {', '.join(failed)}."
                )
            return
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        named = ", ".join(f"{box.name} ({box.mailbox})" for box in mailboxes)
        self.stdout.write(f"Polling {len(mailboxes)} mailbox(es) every {interval:g} s: {named}. Ctrl-C stops.")
        rounds.run(stop=stop)

    def _mailboxes(self, *, url: str | None, city: City | None) -> list[ConfiguredMailbox]:
        if url:
            return [ConfiguredMailbox(city.slug if city else "--url", parse_imap_url(url), city)]
        mailboxes, problems = configured_mailboxes(city=city)
        for problem in problems:
            # Told, not fatal: a typo in one city's setting must not stop the others' mail.
            self.stderr.write(f"poll_mailbox: {problem}")
        if city is not None and not mailboxes and settings.INTAKE_IMAP_URL:
            # As before there were cities' own settings: INTAKE_IMAP_URL is this city's mailbox.
            return [ConfiguredMailbox(city.slug, parse_imap_url(settings.INTAKE_IMAP_URL), city)]
        if city is not None and not mailboxes:
            raise CommandError(f"{city_setting_name(city.slug)} is not set: {city.name} has no mailbox. {HOW}")
        if not mailboxes:
            raise CommandError(f"No intake mailbox is configured. {HOW}")
        return mailboxes
