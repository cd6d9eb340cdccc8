"""Writes made through the Open311 API: application keys, and reports filed by applications."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import IO, Any

from django.db import transaction

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


@transaction.atomic
def open311_request_submit(
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
        case=case, api_key=api_key, media_url=media_url, device_id=device_id[:200], account_id=account_id[:200]
    )
    if media is not None:
        case_add_photo(case=case, actor=None, upload=media, filename=media_name, actor_label=api_key.name)
    return case
