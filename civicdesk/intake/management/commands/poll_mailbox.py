"""``manage.py poll_mailbox``: turn the mail of the intake mailboxes into cases.

Without options it reads every mailbox the settings name, in turn, in this one process: the
shared ``INTAKE_IMAP_URL`` and each city's ``INTAKE_IMAP_URL_<SLUG>``. One city's mailbox
that cannot be read (a wrong password) is logged and retried on its own back-off; the other
cities' mail keeps coming in (``civicdesk.intake.imap.MailboxRounds``).

A setting that names no city (set before the city is created, or mistyped) is logged and
the poller keeps running, even when it is the only one: it checks the settings against the
cities again every interval, and reads the mailbox once its city exists. Exiting instead
would stop the web server and workers ``make serve-prod`` and ``make run`` started with it.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
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

log = logging.getLogger("civicdesk.intake.imap")

HOW = (
    "Set INTAKE_IMAP_URL_<SLUG> for each city's mailbox (INTAKE_IMAP_URL_LEES_SUMMIT=imaps://user:password@host:993/INBOX), "
    "INTAKE_IMAP_URL for a mailbox shared by the cities, or pass --url. Microsoft 365 and Google Workspace "
    "mailboxes sign in with OAuth 2.0: no password, and ?auth=oauth2&token_url=…&client_id=…&client_secret=… "
    "(or client_certificate=/path instead of the secret, or a Google service account's service_account_key=/path) "
    "(docs/email-intake.md)."
)


class Command(BaseCommand):
    help = (
        "Read the intake mailboxes (every city's INTAKE_IMAP_URL_<SLUG>, and INTAKE_IMAP_URL) in turn and "
        "turn each new message into a case."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set by SIGTERM or Ctrl-C (or by whoever runs the command in a thread of theirs).
        self.stop = threading.Event()

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
        interval = options["interval"] or settings.INTAKE_IMAP_POLL_SECONDS
        if options["once"] or options["url"] or city is not None:
            mailboxes, problems = self._mailboxes(url=options["url"], city=city)
            for problem in problems:
                # Told, not fatal: a typo in one city's setting must not stop the others' mail.
                self.stderr.write(f"poll_mailbox: {problem}")
            if not mailboxes:
                raise CommandError(f"No intake mailbox can be read: {' '.join(problems)} {HOW}")
            if options["once"]:
                self._once(mailboxes, interval=interval)
            else:
                self._run(MailboxRounds(mailboxes, interval=interval), interval=interval)
            return
        told: set[str] = set()

        def every_mailbox() -> list[ConfiguredMailbox]:
            nonlocal told
            mailboxes, problems = self._mailboxes(url=None, city=None)
            for problem in problems:
                if problem not in told:  # once when it appears, not every interval
                    log.warning("poll_mailbox: %s", problem)
            told = set(problems)
            return mailboxes

        mailboxes = every_mailbox()
        if not mailboxes:
            # Waiting, not exiting: under make serve-prod the web server would stop with us.
            log.warning(
                "poll_mailbox: no mailbox can be read yet. The poller keeps running and checks the settings against "
                "the cities every %g s: a city created meanwhile has its mail read without a restart; a mistyped "
                "setting needs correcting, then a restart of the poller.",
                interval,
            )
        self._run(MailboxRounds(mailboxes, interval=interval), interval=interval, mailboxes=every_mailbox)

    def _once(self, mailboxes: list[ConfiguredMailbox], *, interval: float) -> None:
        failed = []
        for box, outcome in MailboxRounds(mailboxes, interval=interval).poll_due():
            if isinstance(outcome, Exception):
                failed.append(box.name)
                self.stderr.write(f"{box.name}: cannot read {box.mailbox}: {outcome}")
            else:
                self.stdout.write(f"{box.name}: {outcome}")
        if failed:
            raise CommandError(f"{len(failed)} of {len(mailboxes)} mailbox(es) could not be read: {', '.join(failed)}.")

    def _run(
        self, rounds: MailboxRounds, *, interval: float, mailboxes: Callable[[], list[ConfiguredMailbox]] | None = None
    ) -> None:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: self.stop.set())
        named = ", ".join(f"{turn.configured.name} ({turn.configured.mailbox})" for turn in rounds.turns)
        self.stdout.write(
            f"Polling {len(rounds.turns)} mailbox(es) every {interval:g} s: {named or 'none yet'}. Ctrl-C stops."
        )
        rounds.run(stop=self.stop, mailboxes=mailboxes)

    def _mailboxes(self, *, url: str | None, city: City | None) -> tuple[list[ConfiguredMailbox], list[str]]:
        """The mailboxes to read, and what is wrong with the settings. None at all is an
        error: there is nothing to wait for."""
        if url:
            return [ConfiguredMailbox(city.slug if city else "--url", parse_imap_url(url), city)], []
        mailboxes, problems = configured_mailboxes(city=city)
        if city is not None and not mailboxes and settings.INTAKE_IMAP_URL:
            # As before there were cities' own settings: INTAKE_IMAP_URL is this city's mailbox.
            return [ConfiguredMailbox(city.slug, parse_imap_url(settings.INTAKE_IMAP_URL), city)], problems
        if city is not None and not mailboxes:
            raise CommandError(f"{city_setting_name(city.slug)} is not set: {city.name} has no mailbox. {HOW}")
        if not mailboxes and not problems:
            raise CommandError(f"No intake mailbox is configured. {HOW}")
        return mailboxes, problems
