"""Today on a city's clock (``tenants.services.city_today``), the one place the product asks
what day it is: at 11:30 p.m. on New Year's Eve in Central time, UTC has already turned the
year, and the city's day is still December 31."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest

from civicdesk.core import clock
from civicdesk.tenants.models import City
from civicdesk.tenants.services import city_today

CENTRAL = zoneinfo.ZoneInfo("America/Chicago")
# As the clock gives it, in UTC: 05:30 on January 1, 2027.
NEW_YEARS_EVE = dt.datetime(2026, 12, 31, 23, 30, tzinfo=CENTRAL).astimezone(dt.UTC)
NEW_YEARS_DAY = dt.datetime(2027, 1, 1, 0, 30, tzinfo=CENTRAL).astimezone(dt.UTC)


@pytest.mark.django_db
def test_half_past_eleven_on_new_years_eve_is_still_december_31_in_a_central_time_city(
    independence: City,
) -> None:
    with clock.frozen_at(NEW_YEARS_EVE):
        assert clock.now().astimezone(dt.UTC).date() == dt.date(2027, 1, 1)
        assert city_today(independence) == dt.date(2026, 12, 31)
    with clock.frozen_at(NEW_YEARS_DAY):
        assert city_today(independence) == dt.date(2027, 1, 1)


@pytest.mark.django_db
def test_a_moment_given_is_read_on_the_citys_clock_and_not_the_clocks_now(independence: City) -> None:
    with clock.frozen_at(NEW_YEARS_DAY + dt.timedelta(days=40)):
        assert city_today(independence, now=NEW_YEARS_EVE.astimezone(CENTRAL)) == dt.date(2026, 12, 31)
        assert city_today(independence, now=NEW_YEARS_DAY) == dt.date(2027, 1, 1)


@pytest.mark.django_db
def test_a_city_in_another_time_zone_keeps_its_own_day(independence: City) -> None:
    # 12:30 a.m. on January 1 in Central time is 11:30 p.m. on December 31 in Mountain time.
    independence.timezone = "America/Denver"
    with clock.frozen_at(NEW_YEARS_DAY):
        assert city_today(independence) == dt.date(2026, 12, 31)
        assert city_today(None) == dt.date(2027, 1, 1)


def test_without_a_city_today_is_the_collaboratives_on_the_sites_clock(settings: Any) -> None:
    assert settings.TIME_ZONE == "America/Chicago"
    with clock.frozen_at(NEW_YEARS_EVE):
        assert city_today(None) == dt.date(2026, 12, 31)
        assert city_today(None, now=NEW_YEARS_DAY) == dt.date(2027, 1, 1)
    # A site run on UTC has turned the year at 11:30 p.m. Central time.
    settings.TIME_ZONE = "UTC"
    with clock.frozen_at(NEW_YEARS_EVE):
        assert city_today(None) == dt.date(2027, 1, 1)
