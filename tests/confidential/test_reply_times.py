"""The confidential reporter's page writes each entry's time as the public pages do:
"Dec. 6, 2026, 12:05 a.m." in English (not "Dec. 6, 2026 00:05"), "6 dic 2026, 00:05" in
Spanish."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import dateformat, timezone, translation

from civicdesk.core import clock
from civicdesk.notifications import confidential

pytestmark = pytest.mark.django_db

AFTER_MIDNIGHT = dt.datetime(2026, 12, 6, 6, 5, tzinfo=dt.UTC)  # 00:05 in Missouri


def test_the_reporters_page_writes_times_on_the_readers_clock(client, tip):
    with clock.frozen_at(AFTER_MIDNIGHT):
        case = tip()
    code = confidential.confidential_access_issue(case=case)
    english = client.post("/confidential/", {"code": code}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    local = timezone.localtime(case.opened_at)
    assert local.hour == 0 and local.minute == 5
    assert "Dec. 6, 2026, 12:05 a.m." in english and "00:05" not in english
    spanish = client.post("/confidential/", {"code": code}, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    with translation.override("es"):
        assert dateformat.format(local, "j b Y, H:i") in spanish  # "6 dic 2026, 00:05"
    assert "a.m." not in spanish
