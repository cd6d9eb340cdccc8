"""Reads for regional administrators: every city's figures, never a resident's case.

The counts come from what the reports already keep where they can: a city's open cases are its
cases opened less those closed, summed from its monthly tallies (``rollups``, a few hundred rows
a city), and the month's new cases are the month's tally. Only "overdue" depends on the moment
and is counted from the index of open cases, no further than ``COUNT_CAP`` a city: at a
million cases the page counted every open case of the region (about 100,000) on each visit.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from civicdesk.accounts.models import User
from civicdesk.cases.models import OPEN_STATUSES, ServiceRequest
from civicdesk.catalog.models import AgreementStatus, ServiceAgreement
from civicdesk.core import clock
from civicdesk.core.paging import COUNT_CAP, counts_at_most
from civicdesk.reports.models import CaseTally, Dimension, Grain
from civicdesk.tenants.models import City
from civicdesk.tenants.services import city_today


@dataclass(frozen=True)
class CityFigures:
    city: str
    slug: str
    open: int
    new_this_month: int
    overdue: int  # COUNT_CAP + 1 when there are more than COUNT_CAP (``overdue_capped``)
    agreements_as_client: int
    agreements_as_provider: int
    transfers_waiting: int

    @property
    def overdue_capped(self) -> bool:
        return self.overdue > COUNT_CAP


def region_overview(*, user: User) -> list[CityFigures]:
    """Per member city of the user's collaborative: open cases, cases opened this month
    (the city's own month), open cases past due, active shared-service agreements each
    way and transfers waiting for the city. Counts only: no case, reporter or address."""
    if not user.is_authenticated or not getattr(user, "is_regional_admin", False):
        raise PermissionDenied(_("Only regional administrators see the region's figures."))
    from civicdesk.cases.models import CaseTransfer, TransferStatus

    now = clock.now()
    cities = list(City.objects.defer("boundary").order_by("name"))
    ids = [city.pk for city in cities]
    # Every case adds one to "opened" on its month's row and, once closed, one to "closed":
    # the difference over all months is the cases open now (a reopened case took its closing
    # back). Monthly rows of the city as a whole: a few hundred a city, from their index.
    months = CaseTally.objects.filter(city_id__in=ids, dimension=Dimension.ALL, grain=Grain.MONTH).order_by()
    open_counts = {
        city_id: opened - closed
        for city_id, opened, closed in months.values("city_id")
        .annotate(opened=Sum("opened"), closed=Sum("closed"))
        .values_list("city_id", "opened", "closed")
    }
    this_month = {city.pk: city_today(city, now=now).replace(day=1) for city in cities}
    new = {
        city_id: opened
        for city_id, start, opened in months.filter(start__in=set(this_month.values()))
        .values("city_id", "start")
        .annotate(opened=Sum("opened"))
        .values_list("city_id", "start", "opened")
        if this_month.get(city_id) == start
    }
    # Each city's open cases past due, from the partial index of open cases by (city, due_at);
    # a city with more than COUNT_CAP is remembered as such for a minute (core/paging.py).
    overdue = counts_at_most(
        {
            str(city.pk): ServiceRequest.objects.filter(city_id=city.pk, status__in=OPEN_STATUSES, due_at__lt=now)
            for city in cities
        },
        COUNT_CAP,
    )
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
            open=open_counts.get(city.pk, 0),
            new_this_month=new.get(city.pk, 0),
            overdue=overdue[str(city.pk)],
            agreements_as_client=as_client.get(city.pk, 0),
            agreements_as_provider=as_provider.get(city.pk, 0),
            transfers_waiting=waiting.get(city.pk, 0),
        )
        for city in cities
    ]
