"""A Service Request Report of a period with no request says why, and, as the operational
report does, that a wider period may show some: on the page (with how to choose it), in the
PDF and in the CSV, the same words, in English and Spanish. A city with no request at all is
not told to widen the period."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.test import Client

from civicdesk.reports.service_request_report import service_request_report
from civicdesk.tenants.models import City
from tests.reports.conftest import Month
from tests.reports.test_exports_and_pages import pdf_text

pytestmark = pytest.mark.django_db

EMPTY_FROM, EMPTY_TO = dt.date(2020, 1, 1), dt.date(2020, 1, 31)  # before any of the month's cases
EMPTY = {"from": EMPTY_FROM.isoformat(), "to": EMPTY_TO.isoformat()}
WORDS = {
    "en": (
        "No service requests were opened in this period: there are no departments, problems or districts to "
        "show. A longer period may include some.",
        "To see some, choose an earlier “From” date.",
    ),
    "es": (
        "No se abrió ninguna solicitud de servicio en este período: no hay departamentos, problemas ni distritos "
        "que mostrar. Un período más largo puede incluir algunas.",
        "Para verlas, elija una fecha “Desde” anterior.",
    ),
}


def said_on_page(html: str) -> str:
    found = re.search(r'<p class="no-requests" id="nothing-opened">(.*?)</p>', html, re.S)
    assert found, html
    return " ".join(found.group(1).replace("&#x27;", "'").split())


def csv_note(text: str) -> list[str]:
    return [row[1] for row in csv.reader(io.StringIO(text)) if row and row[0] in ("Note", "Nota")]


@pytest.mark.parametrize("language", ["en", "es"])
def test_an_empty_period_says_a_longer_one_may_include_some_on_the_page_the_pdf_and_the_csv(
    month: Month, client: Client, language: str
) -> None:
    sentence, how = WORDS[language]
    base = "/independence/reports/service-requests"
    page = client.get(f"{base}/", EMPTY, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert said_on_page(page) == f"{sentence} {how}"
    pdf = " ".join(pdf_text(client.get(f"{base}.pdf", EMPTY, HTTP_ACCEPT_LANGUAGE=language).content).split())
    assert sentence in pdf
    assert how not in pdf  # a printed page has no "From" to choose
    data = client.get(f"{base}.csv", EMPTY, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert csv_note(data) == [sentence]


def test_a_period_with_requests_has_no_note_in_its_csv(month: Month, client: Client) -> None:
    data = client.get("/independence/reports/service-requests.csv", {"from": "2021-10-01", "to": "2021-10-22"})
    assert csv_note(data.content.decode()) == []


def test_a_period_running_to_today_says_so_far(month: Month) -> None:
    report = service_request_report(city=month.city, date_from=EMPTY_FROM, date_to=EMPTY_TO, today=EMPTY_TO)
    assert report.nothing_opened == (
        "No service requests have been opened in this period so far: there are no departments, problems or "
        "districts to show. A longer period may include some."
    )


def test_a_city_with_no_request_yet_is_not_told_to_widen_the_period(client: Client, cities: dict[str, City]) -> None:
    for language, expected in (
        (
            "en",
            "No service requests have been reported to Raytown yet, so there are no departments, problems or "
            "districts to show. They will be counted as requests come in.",
        ),
        (
            "es",
            "Todavía no se ha reportado ninguna solicitud de servicio a Raytown, así que no hay departamentos, "
            "problemas ni distritos que mostrar. Se contarán a medida que lleguen solicitudes.",
        ),
    ):
        page = client.get("/raytown/reports/service-requests/", EMPTY, HTTP_ACCEPT_LANGUAGE=language)
        assert said_on_page(page.content.decode()) == expected
        data = client.get("/raytown/reports/service-requests.csv", EMPTY, HTTP_ACCEPT_LANGUAGE=language)
        assert csv_note(data.content.decode()) == [expected]
