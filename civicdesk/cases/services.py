"""Every write to a case. Each intake channel ends in ``case_create``; every later change is
one of the functions below. Each runs in one transaction, writes its audit event, and
writes the emails it causes to the outbox (sent after commit).

``actor`` is the staff member acting, or None for a resident or the system; services
check the actor's permission themselves, so no view can skip it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from civicdesk.accounts.models import Role, User
from civicdesk.cases import event_words, permissions, sharing, signals, transfers
from civicdesk.cases.invariants import (
    MAX_DESCRIPTION,
    case_insert,
    case_lock,
    case_numbers_take,
    case_save,
    clean_text,
    due_at,
    event_write,
    route,
    stand_in_number,
)
from civicdesk.cases.models import (
    OPEN_STATUSES,
    CaseEvent,
    Channel,
    EventKind,
    Photo,
    Priority,
    Resolution,
    ServiceRequest,
    Status,
    SubmissionKey,
)
from civicdesk.cases.permissions import Action
from civicdesk.cases.photos import NOT_STORED as PHOTO_NOT_STORED
from civicdesk.cases.photos import ProcessedPhoto, process_photo, remove_files_unless_committed
from civicdesk.cases.placement import case_placement
from civicdesk.catalog.attributes import clean_attributes
from civicdesk.catalog.models import ServiceType
from civicdesk.catalog.routing import department_for
from civicdesk.core import clock
from civicdesk.core.errors import InvalidTransition, StorageUnavailable
from civicdesk.core.languages import offered_language
from civicdesk.tenants import selectors as places
from civicdesk.tenants.models import City, Department

# A type switched off since: refused for a new case, and for a change of type. The email
# intake's list of inbound messages reads it in each reader's language (intake/words.py).
NO_LONGER_OFFERED = gettext_noop("%(t)s is no longer offered.")


def _coordinate(value: Any, *, field: str) -> float:
    # Clients send coordinates as text as often as numbers; both are fine, words are not.
    # The message names the coordinate: a list of errors often drops the field's key.
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        name = _("Latitude") if field == "lat" else _("Longitude")
        if value is None or not str(value).strip():
            raise ValidationError({field: _("%(field)s is not a number of degrees.") % {"field": name}})
        raise ValidationError({field: _("%(field)s “%(v)s” is not a number of degrees.") % {"field": name, "v": value}})
    return number


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _check_staff(actor: User | None, city: City, *, confidential: bool = False) -> None:
    """Staff enter cases for any member city of their region: call takers take calls for
    the whole collaborative. What counts is their right to enter cases in their own city;
    the case is the other city's, and its audit event says who entered it, from where.
    Investigators enter calls to their hotline (a confidential type) and nothing else."""
    if actor is None:
        return
    as_investigator = confidential and actor.role == Role.INVESTIGATOR
    own = actor.city if actor.city_id not in (None, city.pk) else None
    if own is not None and own.region_id == city.region_id:
        permissions.require_city(actor, Action.CREATE, own, confidential=as_investigator)
        return
    permissions.require_city(actor, Action.CREATE, city, confidential=as_investigator)


def _entered_from(actor: User | None, city: City) -> dict[str, list[Any]]:
    """For a case entered by staff of another member city: the city it was entered from."""
    if actor is None or actor.city_id is None or actor.city_id == city.pk or actor.city is None:
        return {}
    return {"entered_from_city": [None, actor.city.name]}


def case_create(
    *,
    service_type: ServiceType,
    description: str = "",
    lat: float | None = None,
    lng: float | None = None,
    address: str = "",
    city: City | None = None,
    channel: str = Channel.WEB,
    attributes: Mapping[str, Any] | None = None,
    reporter_name: str = "",
    reporter_email: str = "",
    reporter_phone: str = "",
    notify_reporter: bool = True,
    priority: str = Priority.NORMAL,
    actor: User | None = None,
    opened_at: dt.datetime | None = None,
    external_id: str = "",
    language: str = "",
) -> ServiceRequest:
    """Record a new case and route it.

    The city comes from the point (any member city: a point in a neighbouring member city
    goes to that city, with that city's type of the same code); an address without a point
    is placed first when its match is certain, and then goes the same way (``placement``);
    without a point, from ``city`` or the service type. The department comes from the type, the district from the
    point, the due date from the type's target in calendar or business days (``catalog.targets``).
    ``language`` is the resident's (the request's language at intake): their emails are written
    in it; one the site does not offer is kept as the site's default rather than refusing the report.
    """
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Unknown channel %(c)s.") % {"c": channel}})
    if priority not in Priority.values:
        raise ValidationError({"priority": _("Unknown priority %(p)s.") % {"p": priority}})
    description = clean_text(description, field="description")
    address = clean_text(address, field="address", limit=300)
    reporter_name = clean_text(reporter_name, field="reporter_name", limit=200)
    reporter_phone = clean_text(reporter_phone, field="reporter_phone", limit=40)
    reporter_email = (reporter_email or "").strip()
    external_id = clean_text(external_id, field="external_id", limit=100)
    if reporter_email:
        try:
            validate_email(reporter_email)
        except ValidationError as exc:
            raise ValidationError(
                {"reporter_email": _("%(e)s is not an email address.") % {"e": reporter_email}}
            ) from exc
    if (lat is None) != (lng is None):
        raise ValidationError({"lat": _("Give both latitude and longitude, or neither.")})

    point = None
    if lat is not None and lng is not None:
        lat, lng = _coordinate(lat, field="lat"), _coordinate(lng, field="lng")
        point = (lat, lng)
    elif not address and not description:
        raise ValidationError({"address": _("Say where the problem is: a map point or an address.")})
    if not service_type.active:
        raise ValidationError({"service_type": _(NO_LONGER_OFFERED) % {"t": service_type.name}})
    now = opened_at or clock.now()
    # The point and the address (an address alone placed when its match is certain): read
    # from the gazetteer here, before the city's number lock below, never under it.
    placed = case_placement(address=address, point=point, city=city)
    point, address = placed.point, placed.address
    lat, lng = point if point is not None else (None, None)
    # Shared-service agreements are read for the day the case was opened, in the city's time.
    routed = route(service_type=service_type, point=point, opened_at=now, city=None if point else city, near=city)
    service_type = routed.service_type
    _check_staff(actor, routed.city, confidential=service_type.is_confidential)
    answers = clean_attributes(service_type, attributes)

    # What the apps above add to a new case (its expected closing date) is worked out here,
    # before the city's number lock: under it, every other report of the city would wait.
    intake: dict[str, Any] = {}
    for _receiver, answer in signals.case_routing.send(
        sender=ServiceRequest, route=routed, channel=channel, opened_at=now
    ):
        if isinstance(answer, dict):
            intake.update(answer)

    department, district = routed.department, routed.district
    # The case as it will be written, numbered with a stand-in until its number is taken:
    # what the apps above prepare from it (its emails, rendered) is done here, off the lock.
    case = ServiceRequest(
        city=routed.city,
        number=stand_in_number(),
        district=district,
        service_type=service_type,
        department=department,
        status=Status.NEW,
        priority=priority,
        description=description,
        address=address,
        address_source=placed.source,
        address_distance_m=placed.distance_m,
        lat=lat,
        lng=lng,
        attributes=answers,
        channel=channel,
        reporter_name=reporter_name,
        reporter_email=reporter_email,
        reporter_phone=reporter_phone,
        notify_reporter=notify_reporter,
        language=offered_language(language),
        created_by=actor,
        opened_at=now,
        updated_at=now,
        due_at=routed.due_at,
        is_imported=channel == Channel.IMPORT,
        external_id=external_id,
    )
    for _receiver, answer in signals.case_numbering.send(sender=ServiceRequest, case=case, intake=intake):
        if isinstance(answer, dict):
            intake.update(answer)

    # Everything above is checked, routed and computed without the number, and writes
    # nothing. From here to the commit the city's next report waits (gapless numbers:
    # invariants.case_numbers_take), so nothing slow belongs below: only the rows of the case,
    # its event, tallies and mail. One transaction; inside a caller's (an Open311 report with
    # its submission rows, the portal's with its photos) no savepoint of its own: a failure
    # here fails the caller's whole filing, which rolls back with it.
    with transaction.atomic(savepoint=False):
        _locked_city, case.number = case_numbers_take(city=routed.city)
        case_insert(case)
        event_write(
            case,
            EventKind.CREATED,
            actor=actor,
            actor_label=event_words.RESIDENT if channel != Channel.IMPORT else event_words.IMPORT,
            is_public=True,
            text=description,
            changes={
                "service_type": [None, service_type.name],
                "department": [None, department.name if department else None],
                "district": [None, district.name if district else None],
                **_entered_from(actor, case.city),
            },
        )
        signals.case_created.send(sender=ServiceRequest, case=case, intake=intake)
    return case


def _check_assignee(case: ServiceRequest, assignee: User) -> None:
    working_cities = (case.city_id, sharing.provider_city_id(case))
    # Confidential cases are worked by the city's investigators, and by no one else.
    roles = {Role.INVESTIGATOR} if permissions.is_confidential(case) else permissions.CITY_ROLES
    if not assignee.is_active or assignee.city_id not in working_cities or assignee.role not in roles:
        raise ValidationError(
            {"assignee": _("%(who)s is not active staff of %(city)s.") % {"who": assignee, "city": case.city.name}}
        )


@transaction.atomic
def case_assign(
    *,
    case: ServiceRequest,
    actor: User | None,
    assignee: User | None = None,
    department: Department | None = None,
    note: str = "",
) -> ServiceRequest:
    """Give the case to a person (and their department) or to a department only."""
    case = case_lock(case)
    permissions.require(actor, Action.ASSIGN, case)
    assert actor is not None
    if case.status == Status.CLOSED:
        raise InvalidTransition(_("Case %(ref)s is closed; reopen it first.") % {"ref": case.reference})
    if assignee is None and department is None:
        raise ValidationError({"assignee": _("Choose a person or a department.")})
    note = clean_text(note, field="note")
    if not permissions.can_assign_to_others(actor) and assignee != actor:
        raise PermissionDenied(_("You can take a case yourself; a supervisor assigns it to others."))
    if assignee is not None:
        _check_assignee(case, assignee)
        if department is None:
            # A person's closed-down department cannot take work: the case keeps its own.
            own = assignee.department if assignee.department and assignee.department.active else None
            department = own or case.department
    # A case worked under a shared-service agreement may go to the provider city's departments.
    if department is not None and department.city_id not in (case.city_id, sharing.provider_city_id(case)):
        raise ValidationError(
            {"department": _("%(d)s is not a department of %(city)s.") % {"d": department, "city": case.city.name}}
        )
    if department is not None and not department.active:
        raise ValidationError({"department": _("%(d)s is no longer an active department.") % {"d": department}})
    before = (case.assignee, case.department)
    if before == (assignee, department):
        return case
    case.assignee, case.department = assignee, department
    fields = ["assignee", "department"]
    if case.status == Status.NEW and assignee is not None:
        case.status = Status.ASSIGNED
        fields.append("status")
    elif assignee is None and case.status == Status.ASSIGNED:
        case.status = Status.NEW
        fields.append("status")
    case_save(case, *fields)
    event_write(
        case,
        EventKind.ASSIGNED,
        actor=actor,
        text=note,
        changes={
            "assignee": [str(before[0]) if before[0] else None, str(assignee) if assignee else None],
            "department": [str(before[1]) if before[1] else None, str(department) if department else None],
        },
    )
    signals.case_assigned.send(sender=ServiceRequest, case=case, note=note, by=actor)
    return case


@transaction.atomic
def case_add_note(
    *,
    case: ServiceRequest,
    actor: User | None,
    text: str,
    public: bool,
    actor_label: str = "",
    author_email: str = "",
) -> CaseEvent:
    """A public note is shown on the tracking page and sent to a reporter who asked for
    updates; an internal note is seen by the city's staff only.

    ``actor`` None with an ``actor_label`` is a resident or the system (a reply by email);
    ``author_email`` is that resident's address: they are not sent their own words back,
    and the staff working the case are told of them."""
    return _note_add(
        case=case, actor=actor, text=text, public=public, actor_label=actor_label, author_email=author_email
    )


def _note_add(
    *,
    case: ServiceRequest,
    actor: User | None,
    text: str,
    public: bool,
    actor_label: str,
    author_email: str,
    from_resident: bool | None = None,
) -> CaseEvent:
    case = case_lock(case)
    if actor is not None or not actor_label:
        permissions.require(actor, Action.NOTE, case)
    text = clean_text(text, field="text", required=True)
    event = event_write(
        case,
        EventKind.PUBLIC_NOTE if public else EventKind.INTERNAL_NOTE,
        actor=actor,
        actor_label=actor_label,
        text=text,
        is_public=public,
    )
    case_save(case)
    signals.case_note_added.send(
        sender=ServiceRequest,
        case=case,
        event=event,
        author_email=author_email,
        # A resident's words (a reply by email) are news for the staff working the case.
        from_resident=from_resident if from_resident is not None else actor is None and bool(author_email),
    )
    return event


@transaction.atomic
def case_add_photo(
    *,
    case: ServiceRequest,
    actor: User | None,
    upload: IO[bytes],
    filename: str = "",
    public: bool = True,
    actor_label: str = "",
    processed: ProcessedPhoto | None = None,
) -> Photo:
    """Attach a photo (checked by content, stripped of metadata, with a thumbnail).

    ``actor`` None is a resident adding to their own report at intake. ``processed`` is
    ``process_photo(upload)`` done already: intake decodes and re-encodes the photos before
    it takes the case number, so the city's next report does not wait for the imaging."""
    case = case_lock(case)
    if actor is not None or not actor_label:
        permissions.require(actor, Action.PHOTO, case)
    if processed is None:
        processed = process_photo(upload)
    count = case.photos.count() + 1
    base = f"{case.number}-{count}"
    photo = Photo(
        case=case,
        content_type=processed.content_type,
        size=len(processed.image),
        # The name is shown to staff only; NUL is refused by PostgreSQL, so it goes.
        original_name=(filename or "").replace("\x00", "")[:200],
        is_public=public,
        uploaded_at=clock.now(),
        uploaded_by=actor,
    )
    stored: list[str] = []
    try:
        photo.image.save(f"{base}.{processed.extension}", ContentFile(processed.image), save=False)
        stored.append(photo.image.name or "")
        photo.thumbnail.save(f"{base}-thumb.{processed.extension}", ContentFile(processed.thumbnail), save=False)
        stored.append(photo.thumbnail.name or "")
        # Saving from a nameless ContentFile leaves Django's width/height fields empty (None);
        # the sizes are known already, and re-reading the file from object storage costs.
        photo.width, photo.height = processed.width, processed.height
        photo.save()
    except Exception as exc:
        # No row points to the files: remove them rather than leave orphans behind.
        for name in stored:
            photo.image.storage.delete(name)
        if isinstance(exc, OSError):
            # Disk full, object storage down: the server's fault, not the photo's.
            raise StorageUnavailable(_(PHOTO_NOT_STORED), code="storage_unavailable") from exc
        raise
    # If the change this photo belongs to rolls back later, its files go too.
    remove_files_unless_committed(photo.image.storage, stored)
    event_write(
        case,
        EventKind.PHOTO_ADDED,
        actor=actor,
        actor_label=actor_label,
        is_public=public,
        changes={"photo": [None, photo.pk]},
    )
    case_save(case)
    return photo


@transaction.atomic
def case_change_type(*, case: ServiceRequest, actor: User | None, service_type: ServiceType) -> ServiceRequest:
    """Correct the problem type; the case is routed again to the new type's department."""
    case = case_lock(case)
    permissions.require(actor, Action.CHANGE_TYPE, case)
    if case.status == Status.CLOSED:
        raise InvalidTransition(_("Case %(ref)s is closed; reopen it first.") % {"ref": case.reference})
    if service_type.city_id != case.city_id:
        raise ValidationError(
            {"service_type": _("%(t)s is not a type of %(city)s.") % {"t": service_type, "city": case.city.name}}
        )
    if service_type.pk == case.service_type_id:
        return case
    if not service_type.active:
        raise ValidationError({"service_type": _(NO_LONGER_OFFERED) % {"t": service_type.name}})
    before_type, before_dept, before_assignee = case.service_type, case.department, case.assignee
    before_status, before_due = case.status, case.due_at
    department = department_for(service_type)
    case.service_type = service_type
    fields = ["service_type", "due_at"]
    case.due_at = due_at(service_type, case.opened_at)
    if department != before_dept:
        # A new department starts afresh: the old assignee worked for the old one.
        case.department, case.assignee = department, None
        fields += ["department", "assignee"]
        if case.status in (Status.ASSIGNED, Status.IN_PROGRESS):
            case.status = Status.NEW
            fields.append("status")
    case_save(case, *fields)
    changes: dict[str, list[Any]] = {
        "service_type": [before_type.name, service_type.name],
        "department": [str(before_dept) if before_dept else None, str(case.department) if case.department else None],
    }
    if case.assignee != before_assignee:
        changes["assignee"] = [str(before_assignee) if before_assignee else None, None]
    if case.status != before_status:
        changes["status"] = [before_status, case.status]
    if case.due_at != before_due:
        changes["due_at"] = [_iso(before_due), _iso(case.due_at)]
    event_write(case, EventKind.TYPE_CHANGED, actor=actor, is_public=True, changes=changes)
    if department != before_dept:
        signals.case_assigned.send(sender=ServiceRequest, case=case, note="", by=actor)
    return case


@transaction.atomic
def case_place(
    *, case: ServiceRequest, actor: User | None, lat: Any, lng: Any, address: str | None = None
) -> ServiceRequest:
    """Put a case that has no point on the map: at one of its address's candidates, at
    coordinates staff typed or at a click on the map (the "Not placed" queue).

    The address is found as for a new case (``placement``): ``address`` (None: the one the
    case has) is kept beside the point, in the gazetteer's form when it matches near it;
    an empty one gives the nearest address to the point. The district becomes the one at the point; a point in another
    member city asks that city to take the case, by the ordinary transfer (it accepts or
    refuses; accepting routes it there). A point outside every member city is refused.
    """
    point = (_coordinate(lat, field="lat"), _coordinate(lng, field="lng"))
    address = case.address if address is None else clean_text(address, field="address", limit=300)
    # Reads only, before the case's lock: the city and district at the point, the gazetteer.
    location = places.location_of(lat=point[0], lng=point[1])
    placed = case_placement(address=address, point=point, city=case.city)
    case = case_lock(case)
    permissions.require(actor, Action.ASSIGN, case)
    if case.lat is not None and case.lng is not None:
        raise InvalidTransition(
            _("%(ref)s was placed on the map meanwhile, at %(where)s.")
            % {"ref": case.reference, "where": case.address or f"{case.lat:.6f}, {case.lng:.6f}"}
        )
    if case.status == Status.CLOSED:
        raise InvalidTransition(_("Case %(ref)s is closed; reopen it first.") % {"ref": case.reference})
    other_city = location.city if location.city.pk != case.city_id else None
    district = location.district if other_city is None else None
    changes: dict[str, list[Any]] = {
        "point": [None, f"{point[0]:.6f}, {point[1]:.6f}"],
        "address": [case.address or None, placed.address or None],
        "address_source": [case.address_source or None, placed.source or None],
    }
    if district != case.district:
        changes["district"] = [case.district.name if case.district else None, district.name if district else None]
    case.lat, case.lng = point
    case.address, case.address_source, case.address_distance_m = placed.address, placed.source, placed.distance_m
    case.district = district
    case_save(case, "lat", "lng", "address", "address_source", "address_distance_m", "district")
    where = placed.address or changes["point"][1]
    text = (
        event_words.stored(event_words.PLACED, where=where)
        if other_city is None
        else event_words.stored(event_words.PLACED_IN_ANOTHER_CITY, where=where, city=other_city.name)
    )
    event_write(case, EventKind.PLACED, actor=actor, text=text, changes=changes)
    if other_city is not None and not permissions.is_confidential(case) and transfers.pending_transfer(case) is None:
        # The place is another member city's: ask it to take the case, as any hand-off.
        transfers.case_transfer(
            case=case,
            actor=actor,
            to_city=other_city,
            reason=_("The address %(where)s is in %(city)s.")
            % {"where": placed.address or changes["point"][1], "city": other_city.name},
        )
    return case


@transaction.atomic
def case_change_status(*, case: ServiceRequest, actor: User | None, status: str) -> ServiceRequest:
    """Move an open case between new, assigned and in progress (closing is ``case_close``)."""
    case = case_lock(case)
    permissions.require(actor, Action.CHANGE_STATUS, case)
    if status == Status.CLOSED:
        raise InvalidTransition(_("Use Close, with a closing note, to close a case."))
    if status not in Status.values:
        raise ValidationError({"status": _("Unknown status %(s)s.") % {"s": status}})
    if case.status == Status.CLOSED:
        raise InvalidTransition(_("Case %(ref)s is closed; reopen it first.") % {"ref": case.reference})
    if status == Status.ASSIGNED and case.assignee_id is None:
        raise InvalidTransition(_("Assign the case to someone to mark it assigned."))
    if status == case.status:
        return case
    before = case.status
    case.status = status
    case_save(case, "status")
    event_write(case, EventKind.STATUS_CHANGED, actor=actor, is_public=True, changes={"status": [before, status]})
    return case


@transaction.atomic
def case_close(
    *,
    case: ServiceRequest,
    actor: User | None,
    note: str,
    resolution: str = Resolution.RESOLVED,
    duplicate_of: ServiceRequest | None = None,
) -> ServiceRequest:
    """Close with a closing note (required), which the reporter and staff receive."""
    case = case_lock(case)
    permissions.require(actor, Action.CLOSE, case)
    if case.status == Status.CLOSED:
        raise InvalidTransition(_("Case %(ref)s is already closed.") % {"ref": case.reference})
    if resolution not in Resolution.values:
        raise ValidationError({"resolution": _("Unknown resolution %(r)s.") % {"r": resolution}})
    note = clean_text(note, field="note", required=True)
    if resolution == Resolution.DUPLICATE:
        if duplicate_of is None:
            raise ValidationError({"duplicate_of": _("Say which case this one duplicates.")})
        if duplicate_of.pk == case.pk or duplicate_of.city_id != case.city_id:
            raise ValidationError({"duplicate_of": _("Choose another case of the same city.")})
        case.duplicate_of = duplicate_of
    before = case.status
    case.status, case.resolution, case.closing_note, case.closed_at = Status.CLOSED, resolution, note, clock.now()
    case_save(case, "status", "resolution", "closing_note", "closed_at", "duplicate_of")
    event_write(
        case,
        EventKind.CLOSED,
        actor=actor,
        text=note,
        is_public=True,
        changes={"status": [before, Status.CLOSED], "resolution": [None, resolution]},
    )
    signals.case_closed.send(sender=ServiceRequest, case=case)
    return case


def _status_before_closing(case: ServiceRequest) -> str:
    """The open status the case had when it was closed, as its audit log says; a case with
    no assignee any more goes back to the queue."""
    if case.assignee_id is None:
        return Status.NEW
    closing = case.events.filter(kind=EventKind.CLOSED).order_by("-at", "-pk").first()
    before = (closing.changes.get("status") or [None])[0] if closing else None
    return before if before in (Status.ASSIGNED, Status.IN_PROGRESS) else Status.ASSIGNED


@transaction.atomic
def case_reopen(*, case: ServiceRequest, actor: User | None, reason: str) -> ServiceRequest:
    """Open a closed case again; it goes back to its assignee, or to the queue."""
    case = case_lock(case)
    permissions.require(actor, Action.REOPEN, case)
    if case.status != Status.CLOSED:
        raise InvalidTransition(_("Case %(ref)s is not closed.") % {"ref": case.reference})
    reason = clean_text(reason, field="reason", required=True)
    case.status = _status_before_closing(case)
    before_resolution = case.resolution
    case.resolution, case.closed_at, case.closing_note, case.duplicate_of = "", None, "", None
    case_save(case, "status", "resolution", "closed_at", "closing_note", "duplicate_of")
    event = event_write(
        case,
        EventKind.REOPENED,
        actor=actor,
        text=reason,
        is_public=True,
        changes={"status": [Status.CLOSED, case.status], "resolution": [before_resolution, None]},
    )
    signals.case_reopened.send(sender=ServiceRequest, case=case, event=event)
    return case


def duplicate_note(*, original: ServiceRequest) -> str:
    """The closing note offered when a case duplicates another: the reporter reads it in
    the closing email, and everyone else on the public page and in area alerts, so it says
    only what is true for all (where the news will be). That the reporter now follows the
    original is said to the reporter alone, in their closing email."""
    return _(
        "This problem was already reported as %(ref)s, which the city is working on, so this report is "
        "closed. News of it will be on %(ref)s."
    ) % {"ref": original.reference}


@transaction.atomic
def case_mark_duplicate(*, case: ServiceRequest, actor: User, original: ServiceRequest, note: str) -> ServiceRequest:
    """Close ``case`` as a duplicate of ``original``; its reporter follows the original.

    The reporter learns of it from the closing email, so the note always names the
    original case, whatever the staff member wrote.
    """
    # The standard words are the reporter's: written in the language they reported in.
    with translation.override(case.language or settings.LANGUAGE_CODE):
        standard = duplicate_note(original=original)
    note = (note or "").strip() or standard
    if original.reference not in note:
        note = f"{note}\n\n{standard}"
    closed = case_close(case=case, actor=actor, note=note, resolution=Resolution.DUPLICATE, duplicate_of=original)
    if closed.reporter_email and not original.service_type.is_confidential:
        signals.case_follow_requested.send(
            sender=ServiceRequest, case=original, email=closed.reporter_email, language=closed.language
        )
    return closed


@transaction.atomic
def case_add_caller(
    *, case: ServiceRequest, actor: User, email: str, name: str = "", language: str = ""
) -> ServiceRequest:
    """A caller reporting a problem already on file follows that case instead of filing a
    duplicate, hearing of it in ``language``. An internal note records who was added, for
    the audit log."""
    who = f"{name.strip()} <{email.strip()}>" if name.strip() else email.strip()
    # The note first: it checks the actor's permission before anything is written.
    case_add_note(
        case=case,
        actor=actor,
        text=event_words.stored(event_words.CALLER_FOLLOWS, who=who),
        public=False,
    )
    signals.case_follow_requested.send(sender=ServiceRequest, case=case, email=email, language=language)
    return case


@transaction.atomic
def case_record_call(
    *, case: ServiceRequest, actor: User, name: str = "", phone: str = "", said: str = ""
) -> CaseEvent:
    """Another call about a case already on file, from a caller who gave no email to follow
    it: an internal note says who called ("Another call about this: Ann Lee, 816-555-0100.")
    and what they said, so the case shows how many people reported it and staff can call
    them back, instead of a duplicate case entered only to keep the call."""
    who = ", ".join(part for part in (name.strip(), phone.strip()) if part)
    sentence = event_words.ANOTHER_CALL if who else event_words.ANOTHER_CALL_NO_CONTACT
    said = (said or "").replace("\x00", "").strip()
    text = event_words.stored(sentence, who=who)
    if said:
        words = event_words.stored((*sentence, event_words.CALLER_SAID), who=who, said="")
        room = MAX_DESCRIPTION - len(words)
        shown = said if len(said) <= room else said[: room - 1].rstrip() + "…"
        text = event_words.stored((*sentence, event_words.CALLER_SAID), who=who, said=shown)
    # The note checks the actor's permission (Action.NOTE) before anything is written.
    return case_add_note(case=case, actor=actor, text=text, public=False)


@transaction.atomic
def case_add_reporter_information(*, case: ServiceRequest, text: str) -> CaseEvent:
    """The reporter of a confidential case (anonymous, holding its access code) adds
    information: a note signed "Reporter" that they see with the replies; the investigators
    working the case are told of it (by an email without its content)."""
    return _note_add(
        case=case,
        actor=None,
        actor_label=event_words.REPORTER,
        text=text,
        public=True,
        # Their own address, when they gave one: not sent their own words back.
        author_email=case.reporter_email,
        # The investigators hear of it, whether or not the reporter gave an address.
        from_resident=True,
    )


# No savepoint: a key already held fails the whole filing, which its caller rolls back (two
# statements fewer while the city's number lock is held).
@transaction.atomic(savepoint=False)
def submission_key_record(
    *, scope: str, key: str, case: ServiceRequest, window: dt.timedelta | None = None
) -> SubmissionKey:
    """Record that ``case`` was filed under the sender's ``key`` (in ``scope``: whose keys),
    so that the same filing sent again gets ``case`` back (``selectors.submission_case``).

    Call it in the filing's transaction, right after ``case_create`` and before anything
    slow: a send racing this one then fails here with ``IntegrityError``, its transaction
    (its case included) rolls back, and it answers with this one's case. With ``window``
    the key counts only that long: an earlier filing's key older than the window is
    released first, so this filing holds it from now on.
    """
    if window is not None:
        # Racers deleting the same row queue on its lock; the second then deletes nothing
        # and meets the unique constraint on insert.
        SubmissionKey.objects.filter(scope=scope, key=key, received_at__lt=timezone.now() - window).delete()
    return SubmissionKey.objects.create(scope=scope, key=key, case=case)


def is_open_status(status: str) -> bool:
    return status in OPEN_STATUSES


__all__ = [
    "MAX_DESCRIPTION",
    "case_add_caller",
    "case_add_note",
    "case_add_photo",
    "case_add_reporter_information",
    "case_assign",
    "case_change_status",
    "case_change_type",
    "case_close",
    "case_create",
    "case_mark_duplicate",
    "case_reopen",
    "submission_key_record",
]
