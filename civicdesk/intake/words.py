"""Why the intake ignored a message or could not process it: the ``error`` of an inbound
message (``InboundMessage.error``), in the admin's list of inbound messages.

It is stored in English, the catalog's msgids with their values (the log and the operators'
tools read one language), and shown in the reader's language (``core/stored_words.py``): a
Spanish-reading city administrator reads "encabezado Auto-Submitted: auto-replied" and "No se
pudo procesar: Needs triage ya no se ofrece.". What a machine or a mail program wrote inside
it (a header's value, an address, a type's name, a database's error) stays as written.

Rows stored before are read the same way: an automatic message's reason was always this
English, and a failure was stored as the error's name and text ("ValidationError:
{'service_type': ['Needs triage is no longer offered.']}"), which is read as a failure with
that reason.
"""

from __future__ import annotations

import ast
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_noop

from civicdesk.cases.services import NO_LONGER_OFFERED
from civicdesk.core.stored_words import Words, recognized, shown, stored

# Why a message is an automatic one (parsing._automatic), or one of our own.
AUTO_SUBMITTED = gettext_noop("Auto-Submitted: %(value)s")
PRECEDENCE = gettext_noop("Precedence: %(value)s")
HEADER = gettext_noop("%(name)s header")
EMPTY_RETURN_PATH = gettext_noop("empty Return-Path (a delivery report)")
SENT_BY = gettext_noop("sent by %(address)s")
DELIVERY_REPORT = gettext_noop("a delivery or read report")
OUR_OWN = gettext_noop("sent from one of our own addresses")

# A message that failed: its reason is the refusal of the service that met it, or the error.
NOT_READ = gettext_noop("The message could not be read: %(error)s")
NOT_PROCESSED = gettext_noop("Could not be processed: %(reason)s")

# The refusals a message may meet on its way to a case (a city switched its triage type off).
_REFUSALS = Words(((NO_LONGER_OFFERED,),))

ERROR_WORDS = Words(
    (
        (AUTO_SUBMITTED,),
        (PRECEDENCE,),
        (EMPTY_RETURN_PATH,),
        (DELIVERY_REPORT,),
        (OUR_OWN,),
        (SENT_BY,),
        (NOT_READ,),
        (NOT_PROCESSED,),
        (HEADER,),
    ),
    parts={"reason": (_REFUSALS, "")},
)

# A failure as it was stored before: the error's class name, then its text.
_OLD_FAILURE = re.compile(r"(?P<name>[A-Za-z_]\w*(?:Error|Exception)): (?P<text>.*)", re.DOTALL)


def unreadable_stored(exc: BaseException) -> str:
    """What a message the parser gave up on is stored as: the error's name and text."""
    return stored(NOT_READ, error=f"{type(exc).__name__}: {exc}")


def failure_stored(exc: BaseException) -> str:
    """What a failure to process a message is stored as: a service's refusal by its words,
    any other error by its name and text."""
    return stored(NOT_PROCESSED, reason=_reason(exc))


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return f"{type(exc).__name__}: {exc}"


def error_shown(text: str) -> str:
    """An inbound message's stored error in the active language; what is none of the
    intake's words, as stored."""
    found = recognized(text, ERROR_WORDS)
    if found is not None:
        return found
    old = _OLD_FAILURE.fullmatch(text or "")
    if old is None:
        return text
    reason = _old_refusal(old["text"]) if old["name"] == "ValidationError" else None
    return shown(stored(NOT_PROCESSED, reason=reason or text), ERROR_WORDS)


def _old_refusal(text: str) -> str | None:
    """The messages of a refusal stored as Python wrote it (a list, or a dict of lists)."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    lists = value.values() if isinstance(value, dict) else [value]
    messages = [str(m) for each in lists for m in (each if isinstance(each, list) else [each])]
    return " ".join(messages) or None
