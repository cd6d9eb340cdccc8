"""The LMTP adapter, for cities that run their own mail server: the server hands each
message for a city's intake address to us over LMTP, and we answer for each recipient.

The answers are the contract with the sending server:

- 250 only once the case (or note) is committed: the server may then forget the message;
- 550 at RCPT for an address that is no city's: the sender gets a bounce at once;
- 451 when something temporary failed (the database is down): the server keeps the
  message and tries again later, so nothing is lost;
- 554 for a message that failed every time, up to INTAKE_MAX_ATTEMPTS: the sender is told.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from django.conf import settings
from django.db import DatabaseError, close_old_connections

from civicdesk.intake.services import IngestFailed, city_for_address, email_ingest

log = logging.getLogger(__name__)

T = TypeVar("T")

TEMPORARY = "451 4.3.0 Temporary failure; please try again later"


def _with_fresh_connection(fn: Callable[..., T], *args: Any) -> T:
    # Worker threads keep their database connection between messages; one that broke
    # (the database restarted) must be replaced, not reused.
    close_old_connections()
    try:
        return fn(*args)
    finally:
        close_old_connections()


class IntakeLMTPHandler:
    """aiosmtpd handler: per RCPT the city is matched; per recipient the message is
    ingested. Database work runs in threads, off the event loop."""

    def __init__(self, *, workers: int = 4) -> None:
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lmtp-intake")

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.executor, _with_fresh_connection, fn, *args)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        try:
            city = await self._run(city_for_address, address)
        except DatabaseError as exc:
            log.warning("LMTP: cannot look up %s: %s", address, exc)
            return TEMPORARY
        if city is None:
            return f"550 5.1.1 <{address}>: no city takes reports at this address"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    def _deliver(self, raw: bytes, recipient: str) -> str:
        try:
            result = email_ingest(raw=raw, recipient=recipient)
        except IngestFailed as exc:
            if exc.temporary or not exc.exhausted:
                return TEMPORARY
            return "554 5.6.0 This message could not be turned into a report; please write to us again"
        what = result.case.reference if result.case is not None else result.outcome
        return f"250 2.0.0 <{recipient}> accepted ({what})"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        # LMTP answers DATA once per accepted recipient, in RCPT order.
        replies = []
        for recipient in envelope.rcpt_tos:
            try:
                replies.append(await self._run(self._deliver, envelope.original_content, recipient))
            except Exception:
                log.exception("LMTP: delivery to %s failed", recipient)
                replies.append(TEMPORARY)
        return "\r\n".join(replies)

    def close(self) -> None:
        self.executor.shutdown(wait=True)


class LMTPController(Controller):
    """aiosmtpd's threaded controller serving LMTP instead of SMTP."""

    def factory(self) -> LMTP:
        return LMTP(
            self.handler,
            enable_SMTPUTF8=True,
            data_size_limit=settings.INTAKE_MAX_MESSAGE_BYTES,
            ident="civicdesk intake LMTP",
        )


def lmtp_controller(*, host: str, port: int) -> LMTPController:
    """A stopped LMTP receiver on host:port; ``start()`` it, ``stop()`` it, then
    ``handler.close()``."""
    return LMTPController(IntakeLMTPHandler(), hostname=host, port=port)
