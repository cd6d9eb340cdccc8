"""The emails the case events cause: receivers of ``civicdesk.cases.signals``.

``cases`` announces what happened; this module decides who hears of it. The receivers run
inside the case's transaction and write to the outbox (``messages``), so an email exists
exactly when the change it tells of commits; the outbox sends it after commit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from civicdesk.cases import signals
from civicdesk.cases.models import CaseEvent, Channel, ServiceRequest
from civicdesk.notifications import messages
from civicdesk.notifications.models import AreaSubscription
from civicdesk.notifications.services import (
    case_follow,
    district_replacing_words,
    subscriptions_follow_replaced,
)
from civicdesk.tenants import signals as tenant_signals
from civicdesk.tenants.models import District

if TYPE_CHECKING:
    from civicdesk.accounts.models import User

_PREPARED = "notifications_prepared"  # the key of the rendered emails in ``intake``


def _numbering(
    sender: type[ServiceRequest], *, case: ServiceRequest, intake: dict[str, Any], **kwargs: Any
) -> dict[str, Any] | None:
    # Rendered now, before the city's number lock; written with the number in _created.
    # The expected closing date was worked out before too (expected/receivers.py).
    if case.channel == Channel.IMPORT:
        return None
    return {_PREPARED: messages.case_created_prepare(case, expected=intake.get("expected"))}


def _created(
    sender: type[ServiceRequest], *, case: ServiceRequest, intake: dict[str, Any] | None = None, **kwargs: Any
) -> None:
    # An imported case is history: nobody is told of it again.
    if case.channel != Channel.IMPORT:
        intake = intake or {}
        messages.case_created(case, expected=intake.get("expected"), prepared=intake.get(_PREPARED))


def _assigned(
    sender: type[ServiceRequest], *, case: ServiceRequest, note: str, by: User | None = None, **kwargs: Any
) -> None:
    messages.case_assigned(case, note=note, by=by)


def _note_added(
    sender: type[ServiceRequest],
    *,
    case: ServiceRequest,
    event: CaseEvent,
    author_email: str,
    from_resident: bool,
    **kwargs: Any,
) -> None:
    messages.case_public_note(case, event, author_email=author_email)  # public notes only
    if from_resident:
        messages.case_resident_note(case, event, author_email=author_email)


def _closed(sender: type[ServiceRequest], *, case: ServiceRequest, **kwargs: Any) -> None:
    messages.case_closed(case)


def _reopened(sender: type[ServiceRequest], *, case: ServiceRequest, event: CaseEvent, **kwargs: Any) -> None:
    messages.case_reopened(case, event)


def _follow_requested(
    sender: type[ServiceRequest], *, case: ServiceRequest, email: str, language: str, **kwargs: Any
) -> None:
    case_follow(case=case, email=email, language=language)


def _district_redrawn(sender: type[District], *, old: District, new: District, **kwargs: Any) -> None:
    # A resident who asked for the reports of "Citywide" means the district of that name as
    # the city draws it: the alerts follow the redrawn district, as the map's name does.
    AreaSubscription.objects.filter(district=old).update(district=new)


def _district_replacing(
    sender: type[District], *, old: District, by: list[tuple[str, float]], **kwargs: Any
) -> list[str]:
    # Asked by the district upload page before saving: what will become of the alerts.
    return district_replacing_words(old=old, by=by)


def _district_replaced(
    sender: type[District],
    *,
    old: District,
    by: list[tuple[District, float]],
    cause: str = tenant_signals.DRAWN_OVER,
    **kwargs: Any,
) -> list[str]:
    # No district is the same place as one retired whole: a resident who asked for its
    # reports hears, from now on, of the district that covers most of it, and is told why.
    return subscriptions_follow_replaced(old=old, by=by, cause=cause)


def connect() -> None:
    """Connect the receivers (from ``NotificationsConfig.ready``)."""
    signals.case_numbering.connect(_numbering, sender=ServiceRequest, dispatch_uid="notifications-case-numbering")
    signals.case_created.connect(_created, sender=ServiceRequest, dispatch_uid="notifications-case-created")
    signals.case_assigned.connect(_assigned, sender=ServiceRequest, dispatch_uid="notifications-case-assigned")
    signals.case_note_added.connect(_note_added, sender=ServiceRequest, dispatch_uid="notifications-case-note")
    signals.case_closed.connect(_closed, sender=ServiceRequest, dispatch_uid="notifications-case-closed")
    signals.case_reopened.connect(_reopened, sender=ServiceRequest, dispatch_uid="notifications-case-reopened")
    signals.case_follow_requested.connect(
        _follow_requested, sender=ServiceRequest, dispatch_uid="notifications-case-follow"
    )
    tenant_signals.district_redrawn.connect(
        _district_redrawn, sender=District, dispatch_uid="notifications-district-redrawn"
    )
    tenant_signals.district_replacing.connect(
        _district_replacing, sender=District, dispatch_uid="notifications-district-replacing"
    )
    tenant_signals.district_replaced.connect(
        _district_replaced, sender=District, dispatch_uid="notifications-district-replaced"
    )
