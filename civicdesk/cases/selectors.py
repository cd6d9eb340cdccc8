"""Reads of cases. Every staff read is scoped to what the user may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from civicdesk.accounts.models import User
from civicdesk.cases import permissions
from civicdesk.cases.models import OPEN_STATUSES, CaseEvent, ServiceRequest
from civicdesk.cases.permissions import Action
from civicdesk.tenants.models import City

CASE_RELATED = ("city", "service_type", "department", "district", "assignee")


def case_list_for_staff(*, user: User) -> QuerySet[ServiceRequest]:
    """All cases the staff member may read: their own city's, nothing else."""
    if (
        user is None
        or not user.is_authenticated
        or not user.is_active
        or user.role not in permissions.CITY_ROLES
        or user.city_id is None
    ):
        return ServiceRequest.objects.none()
    return ServiceRequest.objects.filter(city_id=user.city_id).select_related(*CASE_RELATED)


def case_get_for_staff(*, user: User, city_slug: str, number: int) -> ServiceRequest:
    """One case by its city and number; ``DoesNotExist`` for cases the user may not see
    (so no one learns that another city's case exists)."""
    case = case_list_for_staff(user=user).get(city__slug=city_slug, number=number)
    permissions.require(user, Action.VIEW, case)
    return case


def case_queue(*, user: User, queue: str) -> QuerySet[ServiceRequest]:
    cases = case_list_for_staff(user=user)
    open_cases = cases.filter(status__in=OPEN_STATUSES)
    if queue == "mine":
        return open_cases.filter(assignee=user)
    if queue == "department":
        return open_cases.filter(department_id=user.department_id) if user.department_id else cases.none()
    if queue == "unassigned":
        return open_cases.filter(assignee__isnull=True)
    if queue == "overdue":
        from civicdesk.core import clock

        return open_cases.filter(due_at__lt=clock.now())
    return cases


def case_timeline(*, user: User, case: ServiceRequest) -> QuerySet[CaseEvent]:
    """The full audit log, for staff who may see the case."""
    permissions.require(user, Action.VIEW, case)
    return case.events.select_related("actor").order_by("at", "pk")


# --- public reads (no staff account) --------------------------------------------------


def public_case_list(*, city: City | None = None) -> QuerySet[ServiceRequest]:
    """Cases anyone may see: never confidential types."""
    cases = ServiceRequest.objects.filter(service_type__is_confidential=False).select_related(*CASE_RELATED)
    return cases.filter(city=city) if city is not None else cases


def public_timeline(case: ServiceRequest) -> QuerySet[CaseEvent]:
    """What a resident may read of a case's history: public events only."""
    return case.events.filter(is_public=True).filter(~Q(kind="internal_note")).order_by("at", "pk")


def case_by_tracking_token(token: str) -> ServiceRequest:
    return ServiceRequest.objects.select_related(*CASE_RELATED).get(tracking_token=token)
