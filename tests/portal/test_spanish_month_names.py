"""Spanish writes its months in lower case, abbreviated or not: "6 dic 2026, 00:02", "1 jul –
30 sep de 2017", never "6 Dic 2026" (Django's "M" capitalizes the abbreviation; the Spanish
catalog's formats use "b"). Checked on every page that shows a date: the portal's city home,
list and case page, the console's case page and list, the dashboard, the regional comparison
and the open-data page."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from civicdesk.accounts.models import Role, User
from civicdesk.cases import services
from civicdesk.core import clock
from civicdesk.opendata import services as opendata
from civicdesk.opendata.models import Format
from civicdesk.performance import periods, regional
from civicdesk.tenants.models import City

pytestmark = pytest.mark.django_db

# A day and a capitalized Spanish month abbreviation: "6 Dic", "15 Mar".
CAPITALIZED = re.compile(r"\b\d{1,2} (?:Ene|Feb|Mar|Abr|May|Jun|Jul|Ago|Sept?|Oct|Nov|Dic)\b")
REPORTED = dt.datetime(2026, 12, 6, 6, 2, tzinfo=dt.UTC)  # 00:02 on Dec 6 in Missouri (CST)


def spanish(client: Client, url: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200, url
    return response.content.decode()


def test_spanish_pages_write_the_month_in_lower_case(
    client: Client,
    independence: City,
    report: Callable[..., Any],
    make_staff: Callable[..., User],
    settings: Any,
    tmp_path: Path,
) -> None:
    from civicdesk.demo.performance import load_performance_demo

    settings.MEDIA_ROOT = tmp_path / "media"
    supervisor = make_staff(independence, Role.SUPERVISOR)
    with clock.frozen_at(REPORTED):
        case = report()
    with clock.frozen_at(REPORTED + dt.timedelta(hours=2)):
        services.case_close(case=case, actor=supervisor, note="Picked up")
        for fmt in Format:
            opendata.open_data_export(city=independence, fmt=fmt)
    load_performance_demo(today=dt.date(2017, 11, 1))

    pages = {
        "city home": f"/{independence.slug}/",
        "list": f"/{independence.slug}/requests/",
        "case page": f"/{independence.slug}/requests/{case.number}/",
        "dashboard": f"/{independence.slug}/performance/?fy=2018",
        "comparison": "/performance/compare/?period=2026-q4",
        "open data": f"/{independence.slug}/open-data/",
    }
    read = {name: spanish(client, url) for name, url in pages.items()}
    client.force_login(supervisor)
    read["console case page"] = spanish(client, f"/console/cases/{independence.slug}/{case.number}/")
    read["console list"] = spanish(client, "/console/?queue=all")

    for name, html in read.items():
        assert not CAPITALIZED.findall(html), (name, CAPITALIZED.findall(html))
    assert "6 dic 2026" in read["city home"] and "6 dic 2026" in read["list"]
    assert "6 dic 2026" in read["case page"] and "6 dic 2026, 02:02" in read["case page"]  # closed
    assert "6 dic 2026, 00:02" in read["console case page"]
    assert "6 dic 2026" in read["console list"]
    assert "AF2018 T1 (1 jul – 30 sep de 2017)" in read["dashboard"]
    assert "T4 2026 (1 oct – 31 dic de 2026)" in read["comparison"]
    assert read["open data"].count("6 dic 2026, 02:02 CST</time>") == len(Format)


def test_a_month_s_label_is_lower_case_in_spanish_and_capitalized_in_english() -> None:
    july = periods.Period(periods.FiscalCalendar(start_month=7), 2018, periods.MONTHLY, 1)
    december = regional.parse_period("2026-m12")
    with translation.override("es"):
        assert july.label == "AF2018 jul 2017 (1 jul – 31 jul de 2017)"
        assert december.label == "diciembre 2026 (1 dic – 31 dic de 2026)"
    with translation.override("en"):
        assert july.label == "FY2018 Jul 2017 (Jul 1 – Jul 31, 2017)"
        assert december.label == "December 2026 (Dec 1 – Dec 31, 2026)"
