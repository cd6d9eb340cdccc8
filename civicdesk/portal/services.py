"""The portal's one write: a resident's report, with its photos, made exactly once."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import IO, Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from civicdesk.cases import event_words
from civicdesk.cases.models import Channel, ServiceRequest
from civicdesk.cases.photos import ProcessedPhoto, process_photo
from civicdesk.cases.selectors import submission_case
from civicdesk.cases.services import case_add_photo, case_create, submission_key_record
from civicdesk.catalog.models import ServiceType
from civicdesk.notifications.confidential import confidential_access_issue
from civicdesk.tenants.models import City

MAX_PHOTOS = 5
PORTAL_CHANNELS = (Channel.WEB, Channel.MOBILE)
# The web and the app share the browser-made client tokens: one scope of submission keys.
SUBMISSION_SCOPE = "portal"


class Submission(NamedTuple):
    """What a report made: the case, whether this send made it (False for a replay), and for
    a confidential case made now, its access code in clear (shown once, stored nowhere)."""

    case: ServiceRequest
    created: bool
    access_code: str | None = None


def report_photos_check(*, photos: Sequence[IO[bytes]]) -> list[ProcessedPhoto]:
    """Read every photo of a report before anything is stored, and refuse them all if one
    is bad, naming each bad one ("notes.jpg: That file is not a photo …"): the resident
    fixes them in one go, and no case is left without its photos. The report form calls
    this with its other checks, so a bad photo is said with the form's other mistakes.
    Returns the photos processed (before the case number is taken: see ``case_create``)."""
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": _("Attach at most %(n)s photos.") % {"n": MAX_PHOTOS}})
    processed = []
    mistakes = []
    for n, upload in enumerate(photos, start=1):
        try:
            processed.append(process_photo(upload))
        except ValidationError as exc:
            name = getattr(upload, "name", "") or _("photo %(n)s") % {"n": n}
            mistakes.append(_("%(name)s: %(error)s") % {"name": name, "error": " ".join(exc.messages)})
        finally:
            upload.seek(0)
    if mistakes:
        raise ValidationError({"photos": mistakes})
    return processed


def report_submit(
    *,
    service_type: ServiceType,
    city: City | None,
    client_token: uuid.UUID | None,
    channel: str = Channel.WEB,
    description: str = "",
    lat: float | None = None,
    lng: float | None = None,
    address: str = "",
    attributes: Mapping[str, Any] | None = None,
    photos: Sequence[IO[bytes]] = (),
    processed_photos: Sequence[ProcessedPhoto] | None = None,
    reporter_name: str = "",
    reporter_email: str = "",
    reporter_phone: str = "",
    notify_reporter: bool = True,
    language: str = "",
) -> Submission:
    """Create the case a resident reported (``case_create`` routes it) and attach photos;
    a confidential case gets its access code in the same transaction, so no case is ever
    left without its reporter's key.

    The same ``client_token`` sent again — a retried submit, or the offline queue
    replaying — returns the case made the first time, ``created`` False and no code: a
    resident never files the same report twice by accident.

    ``processed_photos`` are the ``photos`` as ``report_photos_check`` returned them, when
    the caller (the report form) has read them already; without them they are read here.
    """
    if client_token is not None:
        earlier = submission_case(scope=SUBMISSION_SCOPE, key=str(client_token))
        if earlier is not None:
            return Submission(earlier, False)
    if channel not in PORTAL_CHANNELS:
        raise ValidationError({"channel": _("Reports from this site come from the web or the app.")})
    if processed_photos is None:
        processed_photos = report_photos_check(photos=photos)
    try:
        with transaction.atomic():
            case = case_create(
                service_type=service_type,
                city=city,
                channel=channel,
                description=description,
                lat=lat,
                lng=lng,
                address=address,
                attributes=attributes,
                reporter_name=reporter_name,
                reporter_email=reporter_email,
                reporter_phone=reporter_phone,
                notify_reporter=notify_reporter,
                language=language,
            )
            # Before the photos: a simultaneous replay fails here, before any file is written.
            if client_token is not None:
                submission_key_record(scope=SUBMISSION_SCOPE, key=str(client_token), case=case)
            for n, (upload, photo) in enumerate(zip(photos, processed_photos, strict=True), start=1):
                case_add_photo(
                    case=case,
                    actor=None,
                    actor_label=event_words.RESIDENT,
                    upload=upload,
                    filename=getattr(upload, "name", "") or f"photo-{n}",
                    processed=photo,
                )
            access_code = confidential_access_issue(case=case) if case.service_type.is_confidential else None
    except IntegrityError:
        # Two sends of one report at the same moment: the other one made the case.
        if client_token is None:
            raise
        earlier = submission_case(scope=SUBMISSION_SCOPE, key=str(client_token))
        if earlier is None:
            raise
        return Submission(earlier, False)
    return Submission(case, True, access_code)
