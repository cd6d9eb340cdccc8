"""The operational report of a city with nothing closed yet, or nothing at all (a member just
onboarded), says so in words in place of charts with nothing to draw, in English and Spanish,
and keeps the tables that do have figures.

Before, such a page drew empty time-to-close, channel and trend charts and empty tables with
no word why."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from civicdesk.accounts.models import Role
from civicdesk.cases import services
from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.core import clock
from civicdesk.notifications.outbox import suppressed
from civicdesk.tenants.models import City
from tests.conftest import INSIDE
from tests.reports.test_operational import FROM, NOW, TO, local

pytestmark = pytest.mark.django_db
QUERY = {"from": FROM.isoformat(), "to": TO.isoformat()}
CHART = 'src="data:image/svg+xml;base64,'


def page_of(client: Client, url: str, language: str, at: dt.datetime = NOW) -> str:
    """The page as a reader of ``language`` sees it at ``at``, for the period of 3/1–3/14/2024."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with clock.frozen_at(at):
        response = client.get(url, QUERY)
    assert response.status_code == 200, url
    return response.content.decode()


def words(html: str) -> str:
    """The page's text, tags removed and spaces squeezed, to find a sentence in."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def table_rows(html: str, table: str) -> list[list[str]]:
    """A table's body rows, each its cells' text."""
    start = html.index(f'id="{table}"')
    body = html[html.index("<tbody>", start) : html.index("</tbody>", start)]
    return [
        [words(cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body)
    ]


@pytest.fixture
def new_city_with_types(
    cities: dict[str, City], make_service_type: Callable[..., ServiceType]
) -> tuple[City, ServiceType]:
    """Raytown as a city just onboarded: its catalogue, and no case yet."""
    city = cities["raytown"]
    pothole = make_service_type(city, "pothole", name="Pothole", name_es="Bache", target_days=3)
    make_service_type(city, "graffiti", name="Graffiti", name_es="Grafiti", target_days=5)
    return city, pothole


def file_case(city: City, service_type: ServiceType, at: dt.datetime) -> None:
    lat, lng = INSIDE[city.slug]
    with clock.frozen_at(at), suppressed():
        services.case_create(service_type=service_type, lat=lat, lng=lng, opened_at=at, description="A hole")


# --- no case closed in the period -------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "said"),
    [
        (
            "en",
            "No case has been closed in this period yet, so there are no times to close to chart. "
            "The tables count the cases opened, with “—” where a time would be.",
        ),
        (
            "es",
            "Todavía no se ha cerrado ningún caso en este período, así que no hay tiempos de cierre que "
            "graficar. Las tablas cuentan los casos abiertos, con “—” donde iría un tiempo.",
        ),
    ],
)
def test_a_city_with_cases_opened_and_none_closed_says_why_there_is_no_time_to_close_chart(
    client: Client, new_city_with_types: tuple[City, ServiceType], language: str, said: str
) -> None:
    city, pothole = new_city_with_types
    file_case(city, pothole, local(2024, 3, 4, 9, 0))
    file_case(city, pothole, local(2024, 3, 11, 15, 0))
    html = page_of(client, f"/{city.slug}/reports/operations/", language)
    assert said in words(html)
    # No time-to-close chart: what is drawn is the backlog, the channels and the two trends,
    # all of which have figures.
    for table in ("by-type", "by-department", "by-district"):
        section = html[html.index(f'id="{table}-heading"') : html.index("</section>", html.index(f'id="{table}"'))]
        assert CHART not in section
    assert html.count(CHART) == 4
    # The tables still count the cases opened, "—" for the times.
    type_name = "Pothole" if language == "en" else "Bache"
    assert table_rows(html, "by-type") == [[type_name, "2", "0", "—", "—", "—"]]
    assert [row[1:3] for row in table_rows(html, "by-district")] == [["2", "0"]]
    assert 'id="empty-period"' not in html and 'id="channels-empty"' not in html
    # Both still open on March 14: 3 days old (0–7) and 10 (8–30).
    assert [row[1] for row in table_rows(html, "backlog")] == ["1", "1", "0", "0"]
    assert sum(int(row[1]) for row in table_rows(html, "weekly")) == 2


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "No case was closed between 3/1/2024 and 3/14/2024, so there are no times to close to chart."),
        ("es", "No se cerró ningún caso entre el 1 mar 2024 y el 14 mar 2024, así que no hay tiempos de cierre"),
    ],
)
def test_a_past_period_with_nothing_closed_names_its_days_and_suggests_a_longer_one(
    client: Client, new_city_with_types: tuple[City, ServiceType], language: str, said: str
) -> None:
    city, pothole = new_city_with_types
    file_case(city, pothole, local(2024, 3, 4, 9, 0))
    html = page_of(client, f"/{city.slug}/reports/operations/", language, at=local(2024, 5, 1, 12, 0))
    text = words(html)
    assert said in text
    assert ("a longer period may include closings" if language == "en" else "un período más largo") in text
    assert "yet" not in text.split(said)[1][:40]


# --- no case in the period, or none at all --------------------------------------------------


@pytest.mark.parametrize(
    ("language", "said", "backlog"),
    [
        (
            "en",
            "No cases have been reported to Raytown yet, so there are no times to close, channels or trends to show.",
            "As of 3/14/2024, noon, no case is open.",
        ),
        (
            "es",
            "Todavía no se ha reportado ningún caso a Raytown, así que no hay tiempos de cierre, canales ni "
            "tendencias que mostrar.",
            "Al 14 mar 2024, 12:00, no hay ningún caso abierto.",
        ),
    ],
)
def test_a_city_with_no_case_at_all_says_so_and_draws_no_chart(
    client: Client, new_city_with_types: tuple[City, ServiceType], language: str, said: str, backlog: str
) -> None:
    city, _pothole = new_city_with_types
    html = page_of(client, f"/{city.slug}/reports/operations/", language)
    text = words(html)
    assert said in text and backlog in text
    assert CHART not in html and "<svg" not in html and "<canvas" not in html
    # Nothing left of the sections with nothing to show; the comparison is still there.
    for gone in ("by-type", "by-department", "by-district", "channels", "weekly", "monthly", "backlog"):
        assert f'id="{gone}"' not in html
    assert [row[1:3] for row in table_rows(html, "comparison")][:2] == [["0", "0"], ["0", "0"]]
    # The page is whole: its form and download link.
    assert 'name="from"' in html and f"/{city.slug}/reports/operations.csv?" in html


@pytest.mark.parametrize(
    ("language", "said"),
    [
        (
            "en",
            "No cases were opened between 3/1/2024 and 3/14/2024, and none was closed, so there are no times "
            "to close, channels or trends to show. To see some, choose an earlier “From” date.",
        ),
        (
            "es",
            "No se abrió ningún caso entre el 1 mar 2024 y el 14 mar 2024, ni se cerró ninguno, así que no hay "
            "tiempos de cierre, canales ni tendencias que mostrar. Para verlos, elija una fecha “Desde” anterior.",
        ),
    ],
)
def test_a_period_with_no_case_suggests_an_earlier_start_and_keeps_the_backlog(
    client: Client, new_city_with_types: tuple[City, ServiceType], language: str, said: str
) -> None:
    city, pothole = new_city_with_types
    file_case(city, pothole, local(2024, 1, 10, 9, 0))  # before the period, still open
    html = page_of(client, f"/{city.slug}/reports/operations/", language)
    assert said in words(html)
    # The backlog has a figure: its chart and table stay; nothing else is drawn.
    assert html.count(CHART) == 1 and 'id="backlog"' in html
    assert [row[1] for row in table_rows(html, "backlog")] == ["0", "0", "1", "0"]
    assert 'id="by-type"' not in html and 'id="weekly"' not in html


def test_the_collaborative_with_no_case_anywhere_says_so(client: Client, cities: dict[str, City]) -> None:
    html = page_of(client, "/reports/operations/", "en")
    assert "No cases have been reported to any member city yet" in words(html)
    assert CHART not in html
    es = page_of(client, "/reports/operations/", "es")
    assert "Todavía no se ha reportado ningún caso a ninguna ciudad miembro" in words(es)


def test_closings_without_openings_say_there_is_no_intake_and_keep_the_time_to_close(
    client: Client, new_city_with_types: tuple[City, ServiceType], make_staff: Callable[..., Any]
) -> None:
    """Cases opened before the period and closed in it: times to close, but no new request."""
    city, pothole = new_city_with_types
    file_case(city, pothole, local(2024, 2, 20, 9, 0))
    boss = make_staff(city, Role.SUPERVISOR)
    with clock.frozen_at(local(2024, 3, 5, 9, 0)), suppressed():
        services.case_close(case=ServiceRequest.objects.get(city=city), actor=boss, note="Filled.")
    for language, said in (
        ("en", "No case was opened in this period, so there is no intake by channel to show."),
        ("es", "No se abrió ningún caso en este período, así que no hay recepción por canal que mostrar."),
    ):
        html = page_of(client, f"/{city.slug}/reports/operations/", language)
        assert said in words(html)
        assert 'id="channels"' not in html and 'id="no-closings"' not in html
        # Three time-to-close charts and the two trends; no backlog (nothing open) nor channels.
        assert html.count(CHART) == 5
        assert table_rows(html, "by-type")[0][1:3] == ["0", "1"]
