"""Reads for regional administrators: every city's figures, never a resident's case."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from civicdesk.accounts.models import User
from civicdesk.cases.models import OPEN_STATUSES, ServiceRequest
from civicdesk.catalog.models import AgreementStatus, ServiceAgreement
from civicdesk.core import clock
from civicdesk.tenants.models import City


@dataclass(frozen=True)
class CityFigures:
    city: str
    slug: str
    open: int
    new_this_month: int
    overdue: int
    agreements_as_client: int
    agreements_as_provider: int
    transfers_waiting: int


def region_overview(*, user: User) -> list[CityFigures]:
    """Per member city of the user's collaborative: open cases, cases opened this month
    (the city's own month), open cases past due, active shared-service agreements each
    way and transfers waiting for the city. Counts only: no case, reporter or address."""
    if not user.is_authenticated or not getattr(user, "is_regional_admin", False):
        raise PermissionDenied(_("Only regional administrators see the region's figures."))
    from civicdesk.cases.models import CaseTransfer, TransferStatus

    now = clock.now()
    rows = []
    for city in City.objects.defer("boundary").order_by("name"):
        local = now.astimezone(city.tz)
        month_start = dt.datetime.combine(local.date().replace(day=1), dt.time.min, tzinfo=city.tz)
        open_q = Q(status__in=OPEN_STATUSES)
        counts = ServiceRequest.objects.filter(city=city).aggregate(
            open=Count("pk", filter=open_q),
            new=Count("pk", filter=Q(opened_at__gte=month_start)),
            overdue=Count("pk", filter=open_q & Q(due_at__lt=now)),
        )
        active = ServiceAgreement.objects.filter(status=AgreementStatus.ACTIVE)
        rows.append(
            CityFigures(
                city=city.name,
                slug=city.slug,
                open=counts["open"] or 0,
                new_this_month=counts["new"] or 0,
                overdue=counts["overdue"] or 0,
                agreements_as_client=active.filter(client_city=city).count(),
                agreements_as_provider=active.filter(provider_city=city).count(),
                transfers_waiting=CaseTransfer.objects.filter(to_city=city, status=TransferStatus.PENDING).count(),
            )
        )
    return rows
