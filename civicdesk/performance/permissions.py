"""Who may do what to a measure's values. Services ask here; views and admin never decide.

- Enter and submit: active staff of the measure's city who work in the measure's
  department, and the city's supervisors and administrators.
- Approve, return, publish and correct: the city's supervisors and administrators.
- Regional administrators: none of it (they read the public dashboard like everyone).
- Superusers (the deployment's operators) may do everything, for support.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext, gettext_noop

from civicdesk.accounts.models import Role

if TYPE_CHECKING:
    from civicdesk.accounts.models import User
    from civicdesk.performance.models import Measure


class Step(StrEnum):
    ENTER = "enter"
    SUBMIT = "submit"
    RETURN = "return"
    APPROVE = "approve"
    PUBLISH = "publish"
    CORRECT = "correct"


REVIEWERS = {Role.SUPERVISOR, Role.CITY_ADMIN}
DEPARTMENT_STAFF = {Role.CALL_TAKER, Role.WORKER, Role.SUPERVISOR, Role.CITY_ADMIN}
# The refusal of each step, a whole sentence each so that each language words it its own way.
REFUSALS = {
    Step.ENTER: gettext_noop("You are not allowed to enter values for “%(measure)s”."),
    Step.SUBMIT: gettext_noop("You are not allowed to submit values of “%(measure)s”."),
    Step.RETURN: gettext_noop("You are not allowed to return values of “%(measure)s”."),
    Step.APPROVE: gettext_noop("You are not allowed to approve values of “%(measure)s”."),
    Step.PUBLISH: gettext_noop("You are not allowed to publish values of “%(measure)s”."),
    Step.CORRECT: gettext_noop("You are not allowed to correct published values of “%(measure)s”."),
}


def can(user: User | None, step: Step, measure: Measure) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if user.city_id != measure.city_id or user.role == Role.REGIONAL_ADMIN:
        return False
    if user.role in REVIEWERS:
        return True
    if step in (Step.ENTER, Step.SUBMIT):
        return (
            user.role in DEPARTMENT_STAFF
            and measure.department_id is not None
            and user.department_id == measure.department_id
        )
    return False


def require(user: User | None, step: Step, measure: Measure) -> None:
    if not can(user, step, measure):
        raise PermissionDenied(gettext(REFUSALS[step]) % {"measure": measure.name})
