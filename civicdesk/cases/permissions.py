"""Who may do what to a case. Every service and selector asks here; views never decide.

A staff member acts only on cases of their own city. Regional administrators see
aggregate figures and settings, not residents' cases.

Cases of a confidential service type (a fraud hotline) are a world apart: only the city's
investigators see and work them, and investigators see nothing else. No other role, city
administrators included, reads them; the public reports count them without detail.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from civicdesk.accounts.models import Role

if TYPE_CHECKING:
    from civicdesk.accounts.models import User
    from civicdesk.cases.models import ServiceRequest
    from civicdesk.tenants.models import City


class Action(StrEnum):
    VIEW = "view"
    CREATE = "create"
    NOTE = "note"
    PHOTO = "photo"
    ASSIGN = "assign"
    CHANGE_TYPE = "change_type"
    CHANGE_STATUS = "change_status"
    CLOSE = "close"
    REOPEN = "reopen"


CITY_ROLES = {Role.CALL_TAKER, Role.WORKER, Role.SUPERVISOR, Role.CITY_ADMIN}
# Every role that works cases of one city: the ordinary roles and the investigators.
STAFF_ROLES = CITY_ROLES | {Role.INVESTIGATOR}

ALLOWED: dict[Action, set[Role]] = {
    Action.VIEW: CITY_ROLES,
    Action.CREATE: CITY_ROLES,
    Action.NOTE: CITY_ROLES,
    Action.PHOTO: CITY_ROLES,
    # Workers may take a case themselves; handing it to someone else is routing.
    Action.ASSIGN: CITY_ROLES,
    Action.CHANGE_TYPE: CITY_ROLES,
    Action.CHANGE_STATUS: {Role.WORKER, Role.SUPERVISOR, Role.CITY_ADMIN},
    Action.CLOSE: {Role.WORKER, Role.SUPERVISOR, Role.CITY_ADMIN},
    Action.REOPEN: {Role.SUPERVISOR, Role.CITY_ADMIN, Role.WORKER},
}


def can_act_in_city(user: User | None, city_id: int, action: Action, *, confidential: bool = False) -> bool:
    """May ``user`` do ``action`` in the city, to an ordinary case or (``confidential``)
    to a case of a confidential type? Investigators do everything to the latter and
    nothing to the former; every other role the reverse."""
    if user is None or not user.is_authenticated or not user.is_active or user.city_id != city_id:
        return False
    if confidential:
        return user.role == Role.INVESTIGATOR
    return user.role in ALLOWED[action]


def is_confidential(case: ServiceRequest) -> bool:
    """True for a case of a confidential service type."""
    return bool(case.service_type.is_confidential)


def can(user: User | None, action: Action, case: ServiceRequest) -> bool:
    if can_act_in_city(user, case.city_id, action, confidential=is_confidential(case)):
        return True
    # Staff of another member city: shared-service agreements and hand-offs.
    from civicdesk.cases.sharing import can_across_cities

    return can_across_cities(user, action, case)


def require(user: User | None, action: Action, case: ServiceRequest) -> None:
    if not can(user, action, case):
        raise PermissionDenied(_("You are not allowed to do that to case %(ref)s.") % {"ref": case.reference})


def require_city(user: User | None, action: Action, city: City, *, confidential: bool = False) -> None:
    if not can_act_in_city(user, city.pk, action, confidential=confidential):
        raise PermissionDenied(_("You are not allowed to do that in %(city)s.") % {"city": city.name})


def can_assign_to_others(user: User) -> bool:
    # Investigators are a small unit with no supervisor role of their own: they route among themselves.
    return user.role in {Role.CALL_TAKER, Role.SUPERVISOR, Role.CITY_ADMIN, Role.INVESTIGATOR}
