"""Writes made through the Open311 API: application keys, and reports filed by applications."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import IO, Any

from django.db import IntegrityError, transaction

from civicdesk.cases.models import Channel, ServiceRequest
from civicdesk.cases.services import case_add_photo, case_create
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
    """File an application's report, once per ``idempotency_key`` (the Idempotency-Key header).

    A client that retries a POST whose answer it never received sends the same key and gets
    the case its first attempt made. Two attempts racing each other meet at the database's
    unique constraint: the loser's transaction (its case included) is rolled back and it
    answers with the winner's case.
    """
    key = (idempotency_key or "").strip()[:200]
    if key:
        earlier = _submitted_with(api_key, key)
        if earlier is not None:
            return earlier
    try:
        return _open311_request_file(api_key=api_key, idempotency_key=key, **report)
    except IntegrityError:
        earlier = _submitted_with(api_key, key) if key else None
        if earlier is None:
            raise
        return earlier


def _submitted_with(api_key: Open311ApiKey, key: str) -> ServiceRequest | None:
    submission = (
        Open311Submission.objects.filter(api_key=api_key, idempotency_key=key).select_related("case__city").first()
    )
    return submission.case if submission is not None else None


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
) -> ServiceRequest:
    """File an application's report as a case, with what the application sent beside it.

    The case is made by ``case_create`` like every other report; a photo upload is added in
    the same transaction, so a bad photo leaves no half-made case behind.
    """
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
        idempotency_key=idempotency_key,
    )
    if media is not None:
        case_add_photo(case=case, actor=None, upload=media, filename=media_name, actor_label=api_key.name)
    return case
