"""Writes made through the Open311 API: application keys, and reports filed by applications."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from civicdesk.cases.models import Channel, ServiceRequest
from civicdesk.cases.photos import process_photo
from civicdesk.cases.selectors import submission_case
from civicdesk.cases.services import case_add_photo, case_create, submission_key_record
from civicdesk.catalog.models import ServiceType
from civicdesk.open311.models import Open311ApiKey, Open311Submission
from civicdesk.open311.selectors import key_digest
from civicdesk.tenants.models import City


@transaction.atomic
def api_key_create(*, city: City, name: str) -> tuple[Open311ApiKey, str]:
    """Create a key for an application; return it with the key itself, which is shown only once."""
    raw_key = secrets.token_urlsafe(32)
    key = Open311ApiKey.objects.create(
        city=city, name=name.strip(), key_digest=key_digest(raw_key), key_prefix=raw_key[:8]
    )
    return key, raw_key


def open311_request_submit(*, api_key: Open311ApiKey, idempotency_key: str = "", **report: Any) -> ServiceRequest:
    """File an application's report once, however often the application sends it.

    A POST is the report an application already filed, and gets that case back, when it
    carries the same ``idempotency_key`` (the Idempotency-Key header) as an earlier one, or
    the same ``device_id`` and the same content (``_content_digest``) as one filed within
    ``settings.OPEN311_DUPLICATE_WINDOW_SECONDS``; both count per application. Both are
    submission keys of the cases app, the one "file only once" table of every channel. Two
    attempts racing each other meet at its unique constraint: the loser's transaction (its
    case included) is rolled back and it answers with the winner's case.
    """
    key = (idempotency_key or "").strip()[:200]
    window = duplicate_window()
    digest = _content_digest(report) if window is not None else ""
    earlier = _earlier_case(api_key, key=key, digest=digest, window=window)
    if earlier is not None:
        return earlier
    try:
        return _open311_request_file(api_key=api_key, idempotency_key=key, content_digest=digest, **report)
    except IntegrityError:
        # The winner of a race holds the key or the digest; its row is the one we collided
        # with, so it is found without the window (which may have closed meanwhile).
        earlier = _earlier_case(api_key, key=key, digest=digest, window=None)
        if earlier is None:
            raise
        return earlier


def duplicate_window() -> dt.timedelta | None:
    """How long the same device's same report counts as a repeat; None when the rule is off."""
    seconds = int(getattr(settings, "OPEN311_DUPLICATE_WINDOW_SECONDS", 600))
    return dt.timedelta(seconds=seconds) if seconds > 0 else None


def _scope(api_key: Open311ApiKey) -> str:
    """Each application's keys are its own: two apps may well send the same Idempotency-Key."""
    return f"open311:{api_key.pk}"


def _earlier_case(
    api_key: Open311ApiKey, *, key: str, digest: str, window: dt.timedelta | None
) -> ServiceRequest | None:
    if key:
        earlier = submission_case(scope=_scope(api_key), key=f"key:{key}")
        if earlier is not None:
            return earlier
    if digest:
        # Keys are stamped by the wall clock, so the window is too.
        since = timezone.now() - window if window is not None else None
        return submission_case(scope=_scope(api_key), key=f"content:{digest}", since=since)
    return None


def _text(value: Any) -> str:
    """Whitespace-insensitive text: a retry re-wrapped by a client is still the same words."""
    return " ".join(str(value or "").split())


def _content_digest(report: Mapping[str, Any]) -> str:
    """SHA-256 of a report's device and content, or "" when the report names no device.

    The content is everything the resident sent: the service type, the point (to six
    decimals, about 10 cm) or the address (case-insensitive), the description, the answers
    (by question, values in any order), name, email (case-insensitive), phone, account id,
    media_url and the uploaded photo's bytes. Whitespace runs count as one space. Without
    a ``device_id`` two identical reports may well be two residents, so none is kept.
    """
    device_id = _text(report.get("device_id"))[:200]
    if not device_id:
        return ""
    lat, lng = report.get("lat"), report.get("lng")
    attributes = report.get("attributes") or {}
    answers = {}
    for code, values in attributes.items():
        listed = values if isinstance(values, list | tuple) else [values]
        kept = sorted(_text(v) for v in listed if _text(v))
        if kept:
            answers[str(code)] = kept
    service_type = report["service_type"]
    content = {
        "device_id": device_id,
        "service_type": service_type.pk,
        "point": [round(float(lat), 6), round(float(lng), 6)] if lat is not None and lng is not None else None,
        "address": _text(report.get("address")).casefold(),
        "description": _text(report.get("description")),
        "answers": answers,
        "name": _text(report.get("reporter_name")),
        "email": _text(report.get("reporter_email")).casefold(),
        "phone": _text(report.get("reporter_phone")),
        "account_id": _text(report.get("account_id")),
        "media_url": _text(report.get("media_url")),
        "media": _upload_digest(report.get("media")),
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _upload_digest(media: IO[bytes] | None) -> str:
    if media is None:
        return ""
    digest = hashlib.sha256()
    for chunk in iter(lambda: media.read(1 << 16), b""):
        digest.update(chunk)
    media.seek(0)  # case_add_photo reads it again
    return digest.hexdigest()


@transaction.atomic
def _open311_request_file(
    *,
    api_key: Open311ApiKey,
    service_type: ServiceType,
    lat: float | None = None,
    lng: float | None = None,
    address: str = "",
    attributes: Mapping[str, Any] | None = None,
    description: str = "",
    reporter_name: str = "",
    reporter_email: str = "",
    reporter_phone: str = "",
    media_url: str = "",
    device_id: str = "",
    account_id: str = "",
    media: IO[bytes] | None = None,
    media_name: str = "",
    idempotency_key: str = "",
    content_digest: str = "",
) -> ServiceRequest:
    """File an application's report as a case, with what the application sent beside it.

    The case is made by ``case_create`` like every other report; a photo upload is added in
    the same transaction, so a bad photo leaves no half-made case behind. The photo is
    checked and re-encoded first, before the case number is taken (see ``case_create``).
    """
    processed = process_photo(media) if media is not None else None
    case = case_create(
        service_type=service_type,
        city=api_key.city,
        lat=lat,
        lng=lng,
        address=address,
        attributes=attributes,
        description=description,
        reporter_name=reporter_name,
        reporter_email=reporter_email,
        reporter_phone=reporter_phone,
        channel=Channel.OPEN311,
    )
    Open311Submission.objects.create(
        case=case,
        api_key=api_key,
        media_url=media_url,
        device_id=device_id[:200],
        account_id=account_id[:200],
    )
    if idempotency_key:
        submission_key_record(scope=_scope(api_key), key=f"key:{idempotency_key}", case=case)
    if content_digest:
        # An earlier report with this digest is past its window (else it had been returned):
        # recording releases it, so this one holds the digest now.
        submission_key_record(
            scope=_scope(api_key), key=f"content:{content_digest}", case=case, window=duplicate_window()
        )
    if media is not None:
        case_add_photo(
            case=case, actor=None, upload=media, filename=media_name, actor_label=api_key.name, processed=processed
        )
    return case
