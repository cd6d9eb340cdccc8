"""Who may do what on the console's pages across member cities: hand-offs and
shared-service agreements.

Built on ``cases.permissions`` (the roles that route a case may hand it over), so a view
asks here instead of reading roles itself. The services (``cases.transfers``,
``catalog.services``) check the same rules again when they write: this module decides
what a page offers, and refuses early, before a form is read, so a person without the
right never learns more from a form's errors than from the 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from civicdesk.accounts.models import Role, User
from civicdesk.cases import permissions
from civicdesk.cases.models import CaseTransfer, ServiceRequest
from civicdesk.cases.permissions import Action
from civicdesk.catalog.models import ServiceAgreement

# --- hand-offs ---------------------------------------------------------------------------


def may_request_transfer(user: User, case: ServiceRequest, *, pending: CaseTransfer | None) -> bool:
    """Offer "ask another city to take it": the roles that route the case, in its city,
    for an open case with no hand-off waiting. Confidential cases never leave their city."""
    return (
        pending is None
        and case.is_open
        and not permissions.is_confidential(case)
        and permissions.can_act_in_city(user, case.city_id, Action.ASSIGN)
    )


def may_decide_transfer(user: User, transfer: CaseTransfer | None) -> bool:
    """Accept or refuse a hand-off: the roles that route cases in the receiving city."""
    return transfer is not None and permissions.can_act_in_city(user, transfer.to_city_id, Action.ASSIGN)


def require_decide_transfer(user: User, transfer: CaseTransfer) -> None:
    if not may_decide_transfer(user, transfer):
        raise PermissionDenied(
            _("Only staff of %(city)s can accept or refuse this transfer.") % {"city": transfer.to_city.name}
        )


def reads_handed_off_case(user: User, case: ServiceRequest) -> bool:
    """Staff of the city that handed the case over still read it, and no longer work it."""
    return user.city_id != case.city_id and not permissions.can(user, Action.NOTE, case)


# --- shared-service agreements ---------------------------------------------------------------


def _administers(user: User, city_id: int | None) -> bool:
    return (
        city_id is not None
        and user.is_authenticated
        and user.is_active
        and user.role == Role.CITY_ADMIN
        and user.city_id == city_id
    )


def may_see_agreements(user: User) -> bool:
    """Staff of a city see their city's agreements; the regional administrator sees all."""
    return user.city_id is not None or user.role == Role.REGIONAL_ADMIN


def require_see_agreements(user: User) -> None:
    if not may_see_agreements(user):
        raise PermissionDenied(_("Only staff of a city see its agreements."))


def may_propose_agreement(user: User) -> bool:
    """A city's administrator asks another member city to work some of its types."""
    return _administers(user, user.city_id)


def require_propose_agreement(user: User) -> None:
    if not may_propose_agreement(user):
        raise PermissionDenied(_("Only a city administrator can propose a shared-service agreement."))


def may_answer_agreement(user: User, agreement: ServiceAgreement) -> bool:
    """Accept or decline a proposal: the provider city's administrator."""
    return _administers(user, agreement.provider_city_id)


def may_end_agreement(user: User, agreement: ServiceAgreement) -> bool:
    """End an agreement: the administrator of either city."""
    return _administers(user, agreement.client_city_id) or _administers(user, agreement.provider_city_id)


def require_decide_agreement(user: User, agreement: ServiceAgreement, decision: str) -> None:
    """Refuse a decision the user may not take, in the words the services use."""
    if decision == "end":
        if not may_end_agreement(user, agreement):
            raise PermissionDenied(_("Only an administrator of one of the two cities can end this agreement."))
    elif not may_answer_agreement(user, agreement):
        city = agreement.provider_city.name
        if decision == "decline":
            raise PermissionDenied(_("Only an administrator of %(city)s can decline this agreement.") % {"city": city})
        raise PermissionDenied(_("Only an administrator of %(city)s can accept this agreement.") % {"city": city})
