"""The dashboard's list of a measure's cases gives each case's report and closing times on
its city's clock, not the site's (Central time): a pothole reported at 11:30 p.m. and closed at
11:45 p.m. the next evening in a city on Mountain time reads so, not half past midnight."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from civicdesk.performance.models import Measure
from civicdesk.tenants.models import City
from tests.performance.conftest import CaseBook

pytestmark = pytest.mark.django_db

MOUNTAIN_SUMMER = dt.timezone(dt.timedelta(hours=-6))


def test_the_drill_down_gives_the_citys_times(
    client: Client,
    independence: City,
    make_service_type: Callable[..., Any],
    book: CaseBook,
    make_measure: Callable[..., Measure],
) -> None:
    independence.timezone = "America/Denver"
    independence.save(update_fields=["timezone"])
    pothole = make_service_type(independence, "pothole", target_days=3)
    measure = make_measure(
        source="computed",
        computation="potholes_median_days_to_close",
        service_codes=["pothole"],
        unit="days",
        direction="lower",
    )
    opened = dt.datetime(2017, 7, 3, 23, 30, tzinfo=MOUNTAIN_SUMMER)
    case = book.close(book.open(pothole, opened), opened + dt.timedelta(days=1, minutes=15))

    html = client.get(f"/independence/performance/measures/{measure.pk}/2018-q1/cases/").content.decode()

    assert case.reference in html
    assert "July 3, 2017, 11:30 p.m." in html and "July 4, 2017, 11:45 p.m." in html
    assert "July 4, 2017, 12:30 a.m." not in html and "July 5, 2017" not in html
