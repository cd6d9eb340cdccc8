"""The console writes its dates in the page's language, as the portal does: in English
"Dec. 6, 2026, 12:02 a.m.", in Spanish "6 dic 2026, 00:02" (day first, a 24-hour clock),
never the English order with Spanish month names ("dic. 6, 2026, 12:02 a.m.")."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import dateformat, timezone, translation

from civicdesk.accounts.models import User
from civicdesk.cases import services
from civicdesk.cases.changes import shown_changes
from civicdesk.cases.models import ServiceRequest

pytestmark = pytest.mark.django_db

# A Spanish month's abbreviation before the day: the English order in Spanish words.
ENGLISH_ORDER_IN_SPANISH = re.compile(
    r"\b(?:ene|feb|mar|abr|may|jun|jul|ago|sept?|oct|nov|dic)\.? \d{1,2}\b(?!\d)", re.IGNORECASE
)


def get(client: Client, url: str, language: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, url
    return response.content.decode()


def words(moment: dt.datetime, form: str, language: str) -> str:
    with translation.override(language):
        return dateformat.format(timezone.localtime(moment), form)


@pytest.fixture
def case(report: Callable[..., Any], supervisor: User) -> ServiceRequest:
    case = report()
    services.case_close(case=case, actor=supervisor, note="Picked up")
    case.refresh_from_db()
    return case


def test_the_case_page_writes_its_dates_day_first_with_a_24_hour_clock_in_spanish(
    signed_in: Callable[[User], Client], supervisor: User, case: ServiceRequest
) -> None:
    client = signed_in(supervisor)
    url = f"/console/cases/{case.city.slug}/{case.number}/"

    spanish = get(client, url, "es")
    assert words(case.opened_at, "j b Y, H:i", "es") in spanish  # "6 dic 2026, 00:02"
    assert words(case.closed_at, "j b Y, H:i", "es") in spanish
    assert words(case.due_at, "j b Y", "es") in spanish
    assert words(case.opened_at, "N j, Y, P", "es") not in spanish  # "dic. 6, 2026, 12:02 a.m."
    assert not ENGLISH_ORDER_IN_SPANISH.findall(spanish)
    assert "a.m." not in spanish and "p.m." not in spanish

    english = get(client, url, "en")
    assert words(case.opened_at, "N j, Y, P", "en") in english  # "Dec. 6, 2026, 12:02 a.m."
    assert words(case.due_at, "N j, Y", "en") in english


def test_the_case_lists_write_their_dates_day_first_in_spanish(
    signed_in: Callable[[User], Client], supervisor: User, report: Callable[..., Any]
) -> None:
    late = report()
    ServiceRequest.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(days=3))
    late.refresh_from_db()
    assert late.due_at is not None
    client = signed_in(supervisor)
    listed = get(client, "/console/?queue=all", "es")
    assert words(late.opened_at, "j b Y", "es") in listed
    assert words(late.due_at, "j b", "es") in listed
    for url in ("/console/?queue=all", "/console/overdue/", "/console/transfers/", "/console/not-placed/"):
        page = get(client, url, "es")
        assert not ENGLISH_ORDER_IN_SPANISH.findall(page), url
    assert words(late.due_at, "N j, Y", "en") in get(client, "/console/overdue/", "en")


def test_a_changed_due_date_reads_in_the_pages_language() -> None:
    changes = {"due_at": ["2026-12-10T05:00:00+00:00", "2026-12-10T06:00:00+00:00"]}
    with translation.override("es"):
        (row,) = shown_changes(changes)
    assert (row.before, row.after) == ("9 dic 2026", "10 dic 2026")
    with translation.override("en"):
        (row,) = shown_changes(changes)
    assert (row.before, row.after) == ("Dec. 9, 2026", "Dec. 10, 2026")
