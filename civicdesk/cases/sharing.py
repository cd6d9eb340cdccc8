"""Who of another member city may see or work a case: the collaborative's exceptions to
"staff act only on their own city's cases".

- Shared-service agreements: a case routed to another city's department (the only way a
  case gets a department of another city) is seen and worked by that city's staff, and
  only such cases. They may not change its type: the types are the client city's
  catalogue. Both cities see the whole timeline, internal notes included: both work the
  case and need each other's notes.
- Hand-offs: while a transfer is pending the receiving city's staff may read the case
  (to decide); after it is accepted, the city that gave it away keeps a read-only view,
  so its audit log still shows what became of it.

Cases of confidential types never cross a city line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Q

from civicdesk.cases.models import ServiceRequest
from civicdesk.cases.permissions import ALLOWED, CITY_ROLES, Action
from civicdesk.catalog.models import ServiceAgreement

if TYPE_CHECKING:
    from civicdesk.accounts.models import User

# What a provider city's staff may do to a case worked under an agreement (their role
# permitting): everything but re-typing it in the client city's catalogue.
AGREEMENT_ACTIONS = {
    Action.VIEW,
    Action.NOTE,
    Action.PHOTO,
    Action.ASSIGN,
    Action.CHANGE_STATUS,
    Action.CLOSE,
    Action.REOPEN,
}


def provider_city_id(case: ServiceRequest) -> int | None:
    """The city whose department works the case under an agreement, if not its own."""
    if case.department_id is None or case.department is None:
        return None
    city_id = case.department.city_id
    return city_id if city_id != case.city_id else None


def can_across_cities(user: User | None, action: Action, case: ServiceRequest) -> bool:
    """May a staff member of another member city do ``action`` to ``case``?"""
    if user is None or not user.is_authenticated or not user.is_active or user.city_id is None:
        return False
    if user.role not in CITY_ROLES or user.role not in ALLOWED[action] or user.city_id == case.city_id:
        return False
    if case.service_type.is_confidential:
        return False
    if action in AGREEMENT_ACTIONS and provider_city_id(case) == user.city_id:
        return True
    if action == Action.VIEW:
        from civicdesk.cases.models import CaseTransfer, TransferStatus

        transfers = CaseTransfer.objects.filter(case_id=case.pk)
        return (
            transfers.filter(status=TransferStatus.PENDING, to_city_id=user.city_id).exists()
            or transfers.filter(status=TransferStatus.ACCEPTED, from_city_id=user.city_id).exists()
        )
    return False


def provides_shared_service(city_id: int) -> bool:
    """Whether ``city_id`` works other cities' cases under an agreement (in force, or ended
    with cases still on its desk)."""
    from civicdesk.catalog.models import AgreementStatus, ServiceAgreement

    return ServiceAgreement.objects.filter(
        provider_city_id=city_id, status__in=[AgreementStatus.ACTIVE, AgreementStatus.ENDED]
    ).exists()


def shared_with_city(city_id: int, *, provides: bool | None = None) -> Q | None:
    """The cases of other cities that ``city_id``'s staff work under shared-service
    agreements, as a filter; None when the city provides no shared service (the usual
    case, which keeps every staff list a plain one-city query). ``provides``: the answer of
    ``provides_shared_service`` when the caller has it already."""
    if provides is None:
        provides = provides_shared_service(city_id)
    if not provides:
        return None
    return Q(department__city_id=city_id, service_type__is_confidential=False)


@dataclass(frozen=True)
class BillingRow:
    service_type: str
    opened: int
    closed: int


def agreement_billing(*, agreement: ServiceAgreement, first_day: dt.date, last_day: dt.date) -> list[BillingRow]:
    """Cases the provider worked under the agreement in a period, per type: opened in the
    period (what is billed per case) and closed in it. Days are the client city's."""
    tz = agreement.client_city.tz
    start = dt.datetime.combine(first_day, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    cases = ServiceRequest.objects.filter(
        city_id=agreement.client_city_id,
        department__city_id=agreement.provider_city_id,
        service_type__in=agreement.service_types.all(),
    )
    counts = cases.values("service_type__name").annotate(
        opened=Count("pk", filter=Q(opened_at__gte=start, opened_at__lt=end)),
        closed=Count("pk", filter=Q(closed_at__gte=start, closed_at__lt=end)),
    )
    rows = [BillingRow(c["service_type__name"], c["opened"], c["closed"]) for c in counts]
    named = {row.service_type for row in rows}
    rows += [BillingRow(t.name, 0, 0) for t in agreement.service_types.all() if t.name not in named]
    return sorted(rows, key=lambda row: row.service_type)
