"""Confidential reports (a fraud hotline): the reporter's secret access code, and the
slowing down of anyone who guesses codes.

The reporter may stay anonymous; the code is their only key to the case. It is shown once
(on the confirmation page) and only its SHA-256 digest is stored. Wrong codes are counted
per caller (a keyed hash of the network address, and of the session) in the database, so
every app server shares the count; after ``MAX_FAILURES`` wrong codes in ``WINDOW`` the
caller must wait for the window to end, even with the right code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from civicdesk.cases.models import ServiceRequest
from civicdesk.notifications.models import AccessCodeThrottle, ConfidentialAccess

MAX_FAILURES = 5
WINDOW = dt.timedelta(minutes=15)
# No 0/O, 1/I/L: the code is read from paper and typed again.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_GROUPS, _GROUP_LENGTH = 4, 5  # 20 symbols of 31: about 99 bits


def _digest(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def normalise_code(code: str) -> str:
    """The code as stored: capitals, no spaces or dashes (people type it loosely)."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def format_code(raw: str) -> str:
    """Groups of five, for reading: ``ABCDE-FGHJK-…``."""
    return "-".join(raw[i : i + _GROUP_LENGTH] for i in range(0, len(raw), _GROUP_LENGTH))


@transaction.atomic
def confidential_access_issue(*, case: ServiceRequest) -> str:
    """Make the access code of a confidential case and return it, formatted for reading.
    Only its digest is stored: this is the one moment the code exists in clear."""
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(_GROUPS * _GROUP_LENGTH))
    ConfidentialAccess.objects.update_or_create(case=case, defaults={"code_digest": _digest(raw)})
    return format_code(raw)


def confidential_case_by_code(code: str) -> ServiceRequest | None:
    """The confidential case an access code opens, or None."""
    if not normalise_code(code):
        return None
    access = (
        ConfidentialAccess.objects.select_related("case__city", "case__service_type")
        .filter(code_digest=_digest(code), case__service_type__is_confidential=True)
        .first()
    )
    return access.case if access is not None else None


def caller_keys(*, address: str, session_key: str) -> list[str]:
    """The throttle's keys for one caller: keyed hashes, so no address is stored."""
    secret = settings.SECRET_KEY.encode()
    keys = []
    for kind, value in (("ip", address), ("session", session_key)):
        if value:
            keys.append(f"{kind}:" + hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest())
    return keys


def _live(keys: list[str]) -> list[AccessCodeThrottle]:
    cutoff = timezone.now() - WINDOW
    # Old windows are forgotten: nothing about a caller outlives WINDOW.
    AccessCodeThrottle.objects.filter(window_started_at__lt=cutoff).delete()
    return list(AccessCodeThrottle.objects.filter(key__in=keys))


def is_throttled(keys: list[str]) -> bool:
    """True when the caller has used up their wrong codes for this window."""
    return any(row.failures >= MAX_FAILURES for row in _live(keys))


def record_failure(keys: list[str]) -> None:
    """Count one wrong code against each of the caller's keys."""
    now = timezone.now()
    _live(keys)
    for key in keys:
        updated = AccessCodeThrottle.objects.filter(key=key).update(failures=F("failures") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    AccessCodeThrottle.objects.create(key=key, failures=1, window_started_at=now)
            except IntegrityError:
                # Another request made the row in between: count on it.
                AccessCodeThrottle.objects.filter(key=key).update(failures=F("failures") + 1)
