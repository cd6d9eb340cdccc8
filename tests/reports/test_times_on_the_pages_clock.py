"""A report's "as of" time reads as the rest of the product writes a time: on a 12-hour clock
in English ("3/15/2024, 12:11 a.m."), on a 24-hour clock and day first in Spanish
("15 mar 2024, 00:11")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from civicdesk.accounts.models import Role, User
from civicdesk.core import clock
from tests.reports.test_operational import CENTRAL, FROM, TO, world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
QUERY = {"from": FROM.isoformat(), "to": TO.isoformat()}
# Eleven minutes past midnight, the time the reviewer read as "00:11".
AFTER_MIDNIGHT = dt.datetime(2024, 3, 15, 0, 11, tzinfo=CENTRAL)


def read(client: Client, url: str, language: str, **query: str) -> str:
    with clock.frozen_at(AFTER_MIDNIGHT):
        response = client.get(url, query, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_operational_report_says_as_of_when_on_the_readers_clock(
    client: Client,
    world: dict[str, Any],  # noqa: F811
) -> None:
    url = f"/{world['city'].slug}/reports/operations/"
    english = read(client, url, "en", **QUERY)
    assert "Open cases as of 3/15/2024, 12:11 a.m., by days since they were opened" in english
    assert "00:11" not in english
    spanish = read(client, url, "es", **QUERY)
    assert "15 mar 2024, 00:11" in spanish and "a.m." not in spanish


def test_the_overdue_list_says_as_of_when_on_the_readers_clock(
    client: Client,
    world: dict[str, Any],  # noqa: F811
    make_staff: Callable[..., User],
) -> None:
    client.force_login(make_staff(world["city"], Role.WORKER))
    url = f"/{world['city'].slug}/reports/overdue/"
    english = read(client, url, "en")
    assert "Open cases past their due date as of 3/15/2024, 12:11 a.m.," in english
    assert "00:11" not in english
    spanish = read(client, url, "es")
    assert "15 mar 2024, 00:11" in spanish and "a.m." not in spanish
