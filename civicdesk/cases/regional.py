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
    cities = list(City.objects.defer("boundary").order_by("name"))
    # A handful of grouped queries for the whole region, each on an index: the open cases
    # from the partial index of open cases (a few per cent of history), the month's new
    # cases from the range of (city, opened_at). Not one aggregate over each city's history.
    open_counts: dict[int, tuple[int, int]] = {
        city_id: (n_open, n_overdue)
        for city_id, n_open, n_overdue in ServiceRequest.objects.filter(status__in=OPEN_STATUSES)
        .order_by()
        .values("city_id")
        # Columns of that index only (not the id), so the count never reads the cases.
        .annotate(open=Count("city_id"), overdue=Count("due_at", filter=Q(due_at__lt=now)))
        .values_list("city_id", "open", "overdue")
    }
    new: dict[int, int] = {}
    for city in cities:
        local = now.astimezone(city.tz)
        month_start = dt.datetime.combine(local.date().replace(day=1), dt.time.min, tzinfo=city.tz)
        new[city.pk] = ServiceRequest.objects.filter(city=city, opened_at__gte=month_start).count()
    active = ServiceAgreement.objects.filter(status=AgreementStatus.ACTIVE).order_by()
    as_client = dict(active.values("client_city_id").annotate(n=Count("pk")).values_list("client_city_id", "n"))
    as_provider = dict(active.values("provider_city_id").annotate(n=Count("pk")).values_list("provider_city_id", "n"))
    waiting = dict(
        CaseTransfer.objects.filter(status=TransferStatus.PENDING)
        .order_by()
        .values("to_city_id")
        .annotate(n=Count("pk"))
        .values_list("to_city_id", "n")
    )
    return [
        CityFigures(
            city=city.name,
            slug=city.slug,
            open=open_counts.get(city.pk, (0, 0))[0],
            new_this_month=new[city.pk],
            overdue=open_counts.get(city.pk, (0, 0))[1],
            agreements_as_client=as_client.get(city.pk, 0),
            agreements_as_provider=as_provider.get(city.pk, 0),
            transfers_waiting=waiting.get(city.pk, 0),
        )
        for city in cities
    ]
