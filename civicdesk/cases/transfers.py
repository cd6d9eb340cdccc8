"""Hand-offs between member cities: "this case is not ours, it is yours".

Staff of the city that has a case ask another member city to take it
(``case_transfer``). Until that city decides, the case stays where it is (its city may
still work it) and the receiving city sees it in its incoming transfers. Accepting moves
the same case: it gets the receiving city's number, type and department, and keeps its
history, photos, followers, reporter preferences and tracking link; its old reference
stays an alias (``CaseTransfer.from_city``/``from_number``), so old links still find it.
Refusing leaves it with the first city, the reason written on its timeline.

Every step is an event on the case, so both cities' audit logs show it (the city that
gave a case away keeps a read-only view of it).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from civicdesk.accounts.models import User
from civicdesk.cases import event_words, permissions, signals
from civicdesk.cases.invariants import case_lock, case_numbers_take, case_save, clean_text, event_write, route
from civicdesk.cases.models import CaseTransfer, EventKind, ServiceRequest, Status, TransferStatus
from civicdesk.cases.permissions import Action
from civicdesk.catalog.models import ServiceType
from civicdesk.core import clock
from civicdesk.core.errors import InvalidTransition
from civicdesk.core.sql import any_row
from civicdesk.tenants.models import City
from civicdesk.tenants.services import city_today


def _require_routing(actor: User | None, city: City, what: str) -> None:
    # Handing a case over is routing, as assigning is: the same roles may do it, in their city.
    if not permissions.can_act_in_city(actor, city.pk, Action.ASSIGN):
        raise PermissionDenied(what)


@transaction.atomic
def case_transfer(*, case: ServiceRequest, actor: User | None, to_city: City, reason: str) -> CaseTransfer:
    """Ask ``to_city`` to take the case; it waits in that city's incoming transfers."""
    case = case_lock(case)
    _require_routing(
        actor,
        case.city,
        _("Only staff of %(city)s can transfer case %(ref)s.") % {"city": case.city.name, "ref": case.reference},
    )
    if permissions.is_confidential(case):
        raise PermissionDenied(_("Confidential cases are not transferred between cities."))
    reason = clean_text(reason, field="reason", required=True)
    if case.status == Status.CLOSED:
        raise InvalidTransition(_("Case %(ref)s is closed; reopen it first.") % {"ref": case.reference})
    if to_city.pk == case.city_id:
        raise ValidationError(
            {"to_city": _("Case %(ref)s is already %(city)s's.") % {"ref": case.reference, "city": to_city.name}}
        )
    if to_city.region_id != case.city.region_id:
        raise ValidationError({"to_city": _("%(city)s is not a member city.") % {"city": to_city.name}})
    if case.transfers.filter(status=TransferStatus.PENDING).exists():
        raise InvalidTransition(
            _("Case %(ref)s is already waiting for another city to take it.") % {"ref": case.reference}
        )
    transfer = CaseTransfer.objects.create(
        case=case,
        from_city=case.city,
        from_number=case.number,
        to_city=to_city,
        reason=reason,
        requested_by=actor,
        requested_at=clock.now(),
    )
    event_write(
        case,
        EventKind.TRANSFER_REQUESTED,
        actor=actor,
        text=reason,
        changes={"city": [case.city.name, to_city.name]},
    )
    case_save(case)
    return transfer


def _pending(transfer: CaseTransfer) -> CaseTransfer:
    # The transfer's row only: the two cities' rows are read, not locked (their reports go on).
    locked = (
        CaseTransfer.objects.select_for_update(of=("self",)).select_related("from_city", "to_city").get(pk=transfer.pk)
    )
    if locked.status != TransferStatus.PENDING:
        raise InvalidTransition(
            _("The transfer of %(ref)s was already %(status)s.")
            % {"ref": locked.from_reference, "status": locked.get_status_display().lower()}
        )
    return locked


@transaction.atomic
def case_transfer_accept(
    *, transfer: CaseTransfer, actor: User | None, service_type: ServiceType | None = None
) -> ServiceRequest:
    """The receiving city takes the case: the same case, now with its number, its type
    (the one with the same code, or ``service_type``), its department and district.

    The reporter and followers read on the tracking page, and by email if they asked for
    updates, which city handles it now and its new reference.
    """
    transfer = _pending(transfer)
    to_city = transfer.to_city
    _require_routing(actor, to_city, _("Only staff of %(city)s can accept this transfer.") % {"city": to_city.name})
    case = case_lock(transfer.case)
    if service_type is not None and service_type.city_id != to_city.pk:
        raise ValidationError({"service_type": _("Choose a problem type of %(city)s.") % {"city": to_city.name}})
    # The case is routed again as the receiving city's: its type, district, department (by
    # the agreements of today, the day it is routed) and due date.
    point = (case.lat, case.lng) if case.lat is not None and case.lng is not None else None
    routed = route(
        service_type=service_type or case.service_type,
        point=point,
        opened_at=case.opened_at,
        city=to_city,
        on=city_today(to_city),
    )
    new_type = routed.service_type
    before = {
        "reference": case.reference,
        "city": case.city.name,
        "service_type": case.service_type.name,
        "department": str(case.department) if case.department else None,
        "assignee": str(case.assignee) if case.assignee else None,
    }
    locked_city, number = case_numbers_take(city=to_city)
    department = routed.department
    case.city, case.number, case.service_type, case.district = locked_city, number, new_type, routed.district
    case.department, case.assignee = department, None
    case.due_at = routed.due_at
    fields = ["city", "number", "service_type", "district", "department", "assignee", "due_at"]
    if case.status in (Status.ASSIGNED, Status.IN_PROGRESS):
        case.status = Status.NEW  # the new city's staff start afresh
        fields.append("status")
    case_save(case, *fields)
    transfer.status, transfer.to_number = TransferStatus.ACCEPTED, number
    transfer.decided_by, transfer.decided_at = actor, clock.now()
    transfer.save(update_fields=["status", "to_number", "decided_by", "decided_at"])
    event = event_write(
        case,
        EventKind.TRANSFERRED,
        actor=actor,
        is_public=True,
        text=event_words.stored(
            event_words.TRANSFERRED, city=locked_city.name, new=case.reference, old=before["reference"]
        ),
        changes={
            "reference": [before["reference"], case.reference],
            "city": [before["city"], locked_city.name],
            "service_type": [before["service_type"], new_type.name],
            "department": [before["department"], str(department) if department else None],
            "assignee": [before["assignee"], None],
        },
    )
    # The reporter and followers read which city handles it now, and its new reference.
    signals.case_note_added.send(sender=ServiceRequest, case=case, event=event, author_email="", from_resident=False)
    signals.case_assigned.send(sender=ServiceRequest, case=case, note=transfer.reason)
    return case


@transaction.atomic
def case_transfer_refuse(*, transfer: CaseTransfer, actor: User | None, reason: str) -> ServiceRequest:
    """The receiving city declines; the case stays with the first city, the reason on its
    timeline, and the staff working it there are told."""
    transfer = _pending(transfer)
    _require_routing(
        actor, transfer.to_city, _("Only staff of %(city)s can refuse this transfer.") % {"city": transfer.to_city.name}
    )
    reason = clean_text(reason, field="reason", required=True)
    case = case_lock(transfer.case)
    transfer.status, transfer.refusal_reason = TransferStatus.REFUSED, reason
    transfer.decided_by, transfer.decided_at = actor, clock.now()
    transfer.save(update_fields=["status", "refusal_reason", "decided_by", "decided_at"])
    event_write(
        case,
        EventKind.TRANSFER_REFUSED,
        actor=actor,
        text=event_words.stored(event_words.TRANSFER_REFUSED, city=transfer.to_city.name, reason=reason),
        changes={"city": [transfer.to_city.name, case.city.name]},
    )
    case_save(case)
    signals.case_assigned.send(
        sender=ServiceRequest,
        case=case,
        note=_("%(city)s did not take the case: %(reason)s") % {"city": transfer.to_city.name, "reason": reason},
    )
    return case


# --- reads -------------------------------------------------------------------------------


def transfers_incoming(*, user: User) -> QuerySet[CaseTransfer]:
    """Transfers waiting for the user's city to accept or refuse, oldest first."""
    if user.city_id is None or not permissions.can_act_in_city(user, user.city_id, Action.VIEW):
        return CaseTransfer.objects.none()
    return (
        CaseTransfer.objects.filter(to_city_id=user.city_id, status=TransferStatus.PENDING)
        .select_related("case__service_type", "from_city", "requested_by")
        .defer("from_city__boundary")
        .order_by("requested_at", "pk")
    )


def transfers_outgoing(*, user: User) -> QuerySet[CaseTransfer]:
    """The user's city's transfers: waiting, accepted and refused, newest first."""
    if user.city_id is None or not permissions.can_act_in_city(user, user.city_id, Action.VIEW):
        return CaseTransfer.objects.none()
    return (
        CaseTransfer.objects.filter(from_city_id=user.city_id)
        .select_related("case__service_type", "case__city", "to_city", "requested_by")
        .defer("to_city__boundary", "case__city__boundary")
        .order_by("-requested_at", "-pk")
    )


def transfer_get_for_staff(*, user: User, pk: int) -> CaseTransfer:
    """A transfer to or from the user's city; ``DoesNotExist`` otherwise."""
    if user.city_id is None:
        raise CaseTransfer.DoesNotExist(pk)
    return CaseTransfer.objects.select_related("case", "from_city", "to_city").get(
        Q(to_city_id=user.city_id) | Q(from_city_id=user.city_id), pk=pk
    )


def case_by_old_reference(*, city_slug: str, number: int) -> ServiceRequest | None:
    """The case that had this city's number before it was handed to another city."""
    transfer = (
        CaseTransfer.objects.filter(status=TransferStatus.ACCEPTED, from_city__slug=city_slug, from_number=number)
        .order_by("-decided_at", "-pk")
        .first()
    )
    return transfer.case if transfer is not None else None


def transfer_history(case: ServiceRequest) -> list[CaseTransfer]:
    """Every hand-off of the case, oldest first, with both cities (boundaries left out). Nearly
    every case page asks, nearly always "no": a plain question first (core/sql.py) costs a
    fraction of compiling the join that reads the hand-offs."""
    if not any_row(CaseTransfer, "case", case.pk):
        return []
    return list(
        case.transfers.select_related("from_city", "to_city")
        .defer("from_city__boundary", "to_city__boundary")
        .order_by("requested_at", "pk")
    )


def pending_transfer(case: ServiceRequest) -> CaseTransfer | None:
    """The transfer of the case waiting for a decision, if any."""
    return case.transfers.filter(status=TransferStatus.PENDING).select_related("to_city", "from_city").first()
