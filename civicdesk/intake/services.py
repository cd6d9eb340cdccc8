"""The email channel: one service turns a message into a case (or a note on one).

Both adapters — the IMAP poller and the LMTP receiver — call ``email_ingest`` and nothing
else. New cases go through ``cases.services.case_create`` like every other channel; this
module only decides what the message says: which city, which type, where, who.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import translation

from civicdesk.cases import event_words
from civicdesk.cases import services as cases
from civicdesk.cases.models import Channel, ServiceRequest, TransferStatus
from civicdesk.cases.placement import case_placement
from civicdesk.cases.transfers import case_by_old_reference
from civicdesk.catalog.models import ServiceType
from civicdesk.catalog.routing import service_type_in_city
from civicdesk.core import clock
from civicdesk.core.languages import offered_language
from civicdesk.intake import words
from civicdesk.intake.guess import TypeGuess, type_guess, written_language
from civicdesk.intake.models import InboundMessage, Outcome
from civicdesk.intake.parsing import Attachment, ParsedEmail, find_addresses, find_point, message_key, parse_email
from civicdesk.notifications.messages import case_awaiting_triage
from civicdesk.notifications.models import CaseFollower, OutboxMessage
from civicdesk.tenants import selectors as places
from civicdesk.tenants.models import City

log = logging.getLogger(__name__)


@dataclass
class IngestResult:
    """What became of one message."""

    outcome: str
    message_id: str
    case: ServiceRequest | None = None
    duplicate: bool = False
    detail: str = ""


class IngestFailed(Exception):
    """A message could not be processed; nothing of it was kept. ``temporary`` failures
    (the database is unreachable) should be retried soon; ``attempts`` counts failures of
    this message so far, so an adapter can stop retrying one that always fails."""

    def __init__(self, message: str, *, message_id: str, attempts: int, temporary: bool) -> None:
        super().__init__(message)
        self.message_id, self.attempts, self.temporary = message_id, attempts, temporary

    @property
    def exhausted(self) -> bool:
        return self.attempts >= settings.INTAKE_MAX_ATTEMPTS


# --- which city --------------------------------------------------------------------------


def _mailbox(address: str) -> str:
    """An address compared without case and without a ``+tag`` on its local part."""
    address = (address or "").strip().strip("<>").lower()
    local, _, domain = address.rpartition("@")
    if not local:
        return address
    return f"{local.split('+', 1)[0]}@{domain}"


def city_for_address(address: str) -> City | None:
    """The member city whose intake address this is (``City.email``), if any."""
    wanted = _mailbox(address)
    if not wanted or "@" not in wanted:
        return None
    for city in City.objects.exclude(email="").defer("boundary"):
        if _mailbox(city.email) == wanted:
            return city
    return None


def _city_of(parsed: ParsedEmail, recipient: str | None, default_city: City | None) -> City | None:
    # The envelope recipient is what the mail server delivered to; headers come next
    # (Delivered-To and X-Original-To before To and Cc, as parse_email lists them).
    for address in ([recipient] if recipient else []) + parsed.recipients:
        city = city_for_address(address)
        if city is not None:
            return city
    return default_city


def _own_addresses() -> set[str]:
    own = {_mailbox(e) for e in City.objects.exclude(email="").values_list("email", flat=True)}
    own.add(_mailbox(settings.DEFAULT_FROM_EMAIL.rsplit("<", 1)[-1].rstrip(">")))
    return own


# --- which type ----------------------------------------------------------------------------


def triage_type(city: City) -> ServiceType:
    """The city's type for reports staff must complete. Made when first needed, with no
    department, so its cases wait in the unassigned queue."""
    code = settings.INTAKE_TRIAGE_SERVICE_CODE
    service_type, _created = ServiceType.objects.get_or_create(
        city=city,
        code=code,
        defaults={
            "name": "Needs triage",
            "group": "General",
            "description": "Reports received by email that staff must complete: the problem type or the place.",
            "department": None,
            "target_days": 2,
            "sort_order": 999,
        },
    )
    return service_type


# --- replies to our notifications ---------------------------------------------------------


def _case_replied_to(parsed: ParsedEmail, city: City | None) -> ServiceRequest | None:
    """The case an email answers: the one our message it replies to was about, else the
    case whose number (this city's) its subject quotes. A case handed to another city since
    is still that case: a resident replying to the acknowledgement of IND-1004, now RT-1002,
    adds to RT-1002, where Raytown's staff read it, rather than open a new case in triage."""
    if parsed.in_reply_to:
        outbox = (
            OutboxMessage.objects.filter(message_id__in=parsed.in_reply_to, case__isnull=False)
            .select_related("case")
            .first()
        )
        if outbox is not None and outbox.case is not None and (city is None or _was_the_citys(outbox.case, city)):
            return outbox.case
    if city is not None:
        for prefix, number in re.findall(r"\[([A-Za-z]+)-(\d+)\]", parsed.subject):
            if prefix.upper() == city.case_prefix.upper():
                case = ServiceRequest.objects.filter(city=city, number=int(number)).first()
                if case is None:
                    case = case_by_old_reference(city_slug=city.slug, number=int(number))
                if case is not None:
                    return case
    return None


def _was_the_citys(case: ServiceRequest, city: City) -> bool:
    """Whether the case is the city's, or was before the city handed it to another."""
    return case.city_id == city.pk or case.transfers.filter(status=TransferStatus.ACCEPTED, from_city=city).exists()


def _may_speak_for(case: ServiceRequest, sender: str) -> bool:
    """Only the reporter and the case's followers add public notes by email: anyone can
    put a case number in a subject line, and a public note reaches every follower."""
    sender = _mailbox(sender)
    if not sender:
        return False
    if case.reporter_email and _mailbox(case.reporter_email) == sender:
        return True
    followers = CaseFollower.objects.filter(case=case, active=True).values_list("email", flat=True)
    return any(_mailbox(email) == sender for email in followers)


# --- photos ---------------------------------------------------------------------------------


def _attach_photos(case: ServiceRequest, attachments: list[Attachment], *, public: bool, label: str) -> list[str]:
    """Add the image attachments as photos; return what was left out and why. One bad
    picture never costs the rest of the message."""
    left_out = []
    added = 0
    for n, attachment in enumerate(attachments, start=1):
        name = attachment.filename or event_words.stored(event_words.ATTACHMENT_N, n=n)
        if not attachment.content_type.startswith("image/") and not re.search(
            r"\.(jpe?g|png|gif|webp|heic|heif|tiff?)$", attachment.filename, re.I
        ):
            left_out.append(event_words.stored(event_words.NOT_AN_IMAGE, name=name))
            continue
        if added >= settings.INTAKE_MAX_PHOTOS:
            left_out.append(
                event_words.stored(event_words.TOO_MANY_PHOTOS, name=name, limit=settings.INTAKE_MAX_PHOTOS)
            )
            continue
        try:
            # The photo check's reason is kept in English, like the note it goes in.
            with translation.override("en"):
                cases.case_add_photo(
                    case=case,
                    actor=None,
                    actor_label=label,
                    upload=io.BytesIO(attachment.data),
                    filename=attachment.filename,
                    public=public,
                )
            added += 1
        except ValidationError as exc:
            left_out.append(event_words.stored(event_words.PHOTO_REFUSED, name=name, reason=" ".join(exc.messages)))
    return left_out


def _note_left_out(case: ServiceRequest, left_out: list[str]) -> None:
    if left_out:
        cases.case_add_note(
            case=case,
            actor=None,
            actor_label=event_words.EMAIL_INTAKE,
            public=False,
            text=event_words.stored(event_words.LEFT_OUT, items="; ".join(left_out)),
        )


# --- the service ---------------------------------------------------------------------------


def _reporter_email(parsed: ParsedEmail) -> str:
    try:
        validate_email(parsed.from_address)
    except ValidationError:
        return ""
    return parsed.from_address


def _description(parsed: ParsedEmail) -> str:
    text = parsed.text or parsed.full_text.strip()
    subject = re.sub(r"^\s*((re|fw|fwd|aw|rv)\s*:\s*)+", "", parsed.subject, flags=re.I).strip()
    parts = [p for p in (subject, text) if p]
    return "\n\n".join(parts) if parts else event_words.NO_TEXT


def _reply(parsed: ParsedEmail, case: ServiceRequest, record: InboundMessage) -> IngestResult:
    sender = parsed.from_address or event_words.UNKNOWN_SENDER
    text = parsed.text or parsed.full_text.strip() or event_words.NO_TEXT
    text = text[: cases.MAX_DESCRIPTION - 200]
    if _may_speak_for(case, parsed.from_address):
        label = event_words.RESIDENT_BY_EMAIL
        cases.case_add_note(
            case=case, actor=None, actor_label=label, public=True, text=text, author_email=parsed.from_address
        )
        record.outcome = Outcome.NOTE
        public = True
    else:
        label = event_words.stored(event_words.FROM_EMAIL_BY, sender=sender)
        cases.case_add_note(
            case=case,
            actor=None,
            actor_label=label,
            public=False,
            text=event_words.stored(event_words.FROM_EMAIL_NOTE, sender=sender, text=text),
            author_email=parsed.from_address,
        )
        record.outcome = Outcome.INTERNAL_NOTE
        public = False
    _note_left_out(case, _attach_photos(case, parsed.attachments, public=public, label=label))
    return IngestResult(outcome=record.outcome, message_id=record.message_id, case=case)


def reporter_language(parsed: ParsedEmail) -> str:
    """The language to answer the resident in, as a person would choose it: the one the
    email says it is written in (Content-Language), when the site offers it; else the one
    its subject and text are written in; else "" (the site's). Stored as the case's
    language, so every later email about the case is in it too."""
    declared = offered_language(parsed.content_language)
    if declared:
        return declared
    return offered_language(written_language(f"{parsed.subject}\n{parsed.text}"))


def _triage_reason(guess: TypeGuess, guessed: ServiceType | None, *, placed: bool) -> str:
    """What the intake read, for the staff who complete a triage case: which types the
    words pointed to (or that none did), and whether the email gave a place."""
    if guessed is not None:
        what = event_words.stored(event_words.TRIAGE_READ_AS, type=guessed.name)
    elif guess.candidates:
        what = event_words.TRIAGE_NO_CHOICE
    else:
        what = event_words.TRIAGE_NO_WORDS
    where = event_words.GIVES_ADDRESS if placed else event_words.GIVES_NO_ADDRESS
    return event_words.stored((what, where, event_words.TRIAGE_TO_DO))


def _new_case(parsed: ParsedEmail, city: City, record: InboundMessage) -> IngestResult:
    full_text = _description(parsed)
    description = full_text[: cases.MAX_DESCRIPTION]
    point = find_point(f"{parsed.subject}\n{parsed.text}")
    # A member city named after the address ("…at 150 Main St, Blue Springs") is kept with it.
    members = list(City.objects.values_list("name", flat=True))
    addresses = find_addresses(parsed.text, places=members) + find_addresses(parsed.subject, places=members)
    address = addresses[0] if addresses else ""
    places_point: tuple[float, float] | None = None
    target_city = city
    if point is None and addresses:
        # The first address that places a case for certain (the gazetteer's match), else the
        # first written: the case waits, unplaced, for staff to pick where it is.
        for candidate in dict.fromkeys(addresses):
            placed = case_placement(address=candidate, point=None, city=city)
            if placed.point is not None:
                point, address = placed.point, candidate
                break
    notes: list[str] = []
    if len(full_text) > len(description):
        # Staff should know the resident wrote more than the case can hold.
        notes.append(
            event_words.stored(
                event_words.EMAIL_TOO_LONG, length=f"{len(full_text):,}", kept=f"{cases.MAX_DESCRIPTION:,}"
            )
        )
    if point is not None:
        try:
            target_city = places.city_at(lat=point[0], lng=point[1])
            places_point = point
        except ValidationError:
            notes.append(event_words.stored(event_words.OUTSIDE_EVERY_CITY, lat=point[0], lng=point[1]))
    written = f"{parsed.subject}\n{parsed.text}"
    guess = type_guess(city, written, language=written_language(written))
    guessed = guess.service_type
    if guess.note():
        notes.append(guess.note())
    service_type: ServiceType | None = guessed
    if guessed is not None:
        try:
            service_type = service_type_in_city(guessed, target_city)
        except ValidationError:
            notes.append(event_words.stored(event_words.NOT_TAKEN, type=guessed.name, city=target_city.name))
            service_type = None
    if service_type is not None and places_point is None and not address:
        # The brief for triage: a case staff cannot place goes to them to complete.
        notes.append(event_words.stored(event_words.SAYS_NOWHERE, type=service_type.name))
        service_type = None
    to_triage = service_type is None
    if service_type is None:
        notes.append(_triage_reason(guess, guessed, placed=places_point is not None or bool(address)))
        service_type = triage_type(target_city)
    case = cases.case_create(
        service_type=service_type,
        description=description,
        lat=places_point[0] if places_point else None,
        lng=places_point[1] if places_point else None,
        address=address,
        city=target_city,
        channel=Channel.EMAIL,
        reporter_name=parsed.from_name,
        reporter_email=_reporter_email(parsed),
        notify_reporter=True,
        language=reporter_language(parsed),
    )
    label = event_words.RESIDENT_BY_EMAIL
    left_out = _attach_photos(case, parsed.attachments, public=True, label=label)
    if notes:
        cases.case_add_note(
            case=case, actor=None, actor_label=event_words.EMAIL_INTAKE, public=False, text=" ".join(notes)
        )
    _note_left_out(case, left_out)
    if to_triage:
        # Nobody's department has it: the people who route the city's cases are told.
        case_awaiting_triage(case, note=" ".join(notes))
    record.outcome = Outcome.CREATED
    return IngestResult(outcome=Outcome.CREATED, message_id=record.message_id, case=case)


def _ingest(parsed: ParsedEmail, *, recipient: str | None, default_city: City | None) -> IngestResult:
    existing = InboundMessage.objects.select_for_update().filter(message_id=parsed.message_id).first()
    if existing is not None and existing.is_done:
        return IngestResult(
            outcome=existing.outcome, message_id=existing.message_id, case=existing.case, duplicate=True
        )
    record = existing or InboundMessage(message_id=parsed.message_id, received_at=clock.now())
    record.sender, record.subject, record.error = parsed.from_address[:300], parsed.subject[:300], ""
    city = _city_of(parsed, recipient, default_city)
    record.city = city
    if parsed.automatic or _mailbox(parsed.from_address) in _own_addresses():
        # Answering an answering machine starts a loop; a bounce is not a report.
        record.outcome = Outcome.IGNORED
        record.error = parsed.automatic or words.OUR_OWN
        result = IngestResult(outcome=Outcome.IGNORED, message_id=record.message_id, detail=record.error)
    else:
        replied_to = _case_replied_to(parsed, city)
        if replied_to is not None:
            result = _reply(parsed, replied_to, record)
        elif city is None:
            record.outcome = Outcome.UNKNOWN_RECIPIENT
            result = IngestResult(
                outcome=Outcome.UNKNOWN_RECIPIENT,
                message_id=record.message_id,
                detail="Not addressed to any city's intake address.",
            )
        else:
            result = _new_case(parsed, city, record)
    record.city = result.case.city if result.case is not None else city
    record.case = result.case
    record.processed_at = clock.now()
    record.save()
    return result


def _record_failure(parsed_id: str, sender: str, subject: str, error: str, city: City | None = None) -> int:
    """Keep the failure (in its own transaction: the message's own work was rolled back)
    and return how many times this message has failed. ``error`` is stored English
    (intake/words.py); ``city``, the city it was sent to, lets that city's administrators
    see it in the admin."""
    with transaction.atomic():
        record, created = InboundMessage.objects.select_for_update().get_or_create(
            message_id=parsed_id,
            defaults={
                "received_at": clock.now(),
                "outcome": Outcome.FAILED,
                "attempts": 1,
                "error": error,
                "sender": sender[:300],
                "subject": subject[:300],
                "city": city,
            },
        )
        if not created:
            gave_up = record.attempts + 1 >= settings.INTAKE_MAX_ATTEMPTS
            InboundMessage.objects.filter(pk=record.pk).update(
                attempts=F("attempts") + 1,
                error=error,
                outcome=Outcome.GAVE_UP if gave_up else Outcome.FAILED,
                city=record.city or city,
            )
            record.refresh_from_db()
        elif settings.INTAKE_MAX_ATTEMPTS <= 1:
            InboundMessage.objects.filter(pk=record.pk).update(outcome=Outcome.GAVE_UP)
        return record.attempts


def email_ingest(*, raw: bytes, recipient: str | None = None, default_city: City | None = None) -> IngestResult:
    """Turn one email into a new case, a note on the case it answers, or nothing (an
    automatic reply, a bounce, or a message seen before).

    ``recipient`` is the envelope recipient when the adapter knows it (LMTP); otherwise
    the city comes from Delivered-To, X-Original-To, To and Cc, matched against each
    city's intake address; ``default_city`` is used when none matches (a mailbox that
    belongs to one city). The message's work is one transaction: when this returns, it is
    committed, and the same message fed again makes nothing new. Run it outside any
    transaction of the caller's, so that a failure can be recorded.

    Raises ``IngestFailed`` when the message could not be processed; nothing of it was
    kept, and it is safe to feed it again later.
    """
    try:
        parsed = parse_email(raw)
    except Exception as exc:
        # The parser is lenient by design; if it still gives up, the message is kept
        # (unseen in its mailbox, or refused for the sender to retry) and the error recorded.
        parsed = ParsedEmail(message_id=message_key(raw))
        error = f"{type(exc).__name__}: {exc}"
        attempts = _record_failure(parsed.message_id, "", "", words.unreadable_stored(exc), city=default_city)
        raise IngestFailed(error, message_id=parsed.message_id, attempts=attempts, temporary=False) from exc
    try:
        with transaction.atomic():
            return _ingest(parsed, recipient=recipient, default_city=default_city)
    except Exception as exc:
        if isinstance(exc, IntegrityError):
            # Another process may have taken the same message at the same moment and
            # committed first: then this one is simply a duplicate.
            done = InboundMessage.objects.filter(message_id=parsed.message_id).first()
            if done is not None and done.is_done:
                return IngestResult(outcome=done.outcome, message_id=done.message_id, case=done.case, duplicate=True)
        temporary = isinstance(exc, OperationalError | InterfaceError)
        error = f"{type(exc).__name__}: {exc}"
        log.warning("email %s could not be processed: %s", parsed.message_id, error)
        try:
            attempts = _record_failure(
                parsed.message_id,
                parsed.from_address,
                parsed.subject,
                words.failure_stored(exc),
                city=_city_of(parsed, recipient, default_city),
            )
        except DatabaseError:
            attempts = 0  # the database is down: nothing can be recorded, the sender retries
        raise IngestFailed(error, message_id=parsed.message_id, attempts=attempts, temporary=temporary) from exc
