"""The console's expected dates: the case page (median, 80% date, chance of missing the due
date, what moves it) and the Likely late queue, filled by a backlog made to grow."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import formats, translation

from civicdesk.accounts.models import Role, User
from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.core import clock
from civicdesk.expected import selectors
from civicdesk.expected.models import ExpectedSettings
from civicdesk.tenants.models import City
from tests.expected.helpers import grow_backlog, insert_cases, trained_city

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 1, 15, 0, tzinfo=dt.UTC)
QUEUE = reverse("console:likely_late")


@pytest.fixture(autouse=True)
def _no_cached_models() -> Any:
    selectors.forget_models()
    yield
    selectors.forget_models()


@pytest.fixture
def trained(independence: City, make_service_type: Callable[..., ServiceType]) -> dict[str, ServiceType]:
    return trained_city(independence, make_service_type, now=NOW)


def _case_url(case: ServiceRequest) -> str:
    return reverse("console:case", args=[case.city.slug, case.number])


def _probabilities(html: str) -> list[float]:
    return [float(p) for p in re.findall(r'data-p-late="([0-9.]+)"', html)]


def test_the_likely_late_queue_fills_when_a_departments_backlog_grows(
    signed_in: Callable[[User], Any], supervisor: User, trained: dict[str, ServiceType]
) -> None:
    client = signed_in(supervisor)
    with clock.frozen_at(NOW):
        before = client.get(QUEUE)
    assert before.status_code == 200
    listed_before = {case.pk for case in (row["case"] for row in before.context["rows"])}

    backlog = grow_backlog(trained["pothole"], now=NOW, count=60)
    with clock.frozen_at(NOW):
        after = client.get(QUEUE)
    html = after.content.decode()
    rows = after.context["rows"]
    newly = [row for row in rows if row["case"].pk not in listed_before]
    assert backlog[-1].pk in {row["case"].pk for row in newly}  # came in behind 59 others
    assert all(row["case"].service_type_id == trained["pothole"].pk for row in newly)
    shown = _probabilities(html)
    assert shown and shown == sorted(shown, reverse=True) and all(p > 0.5 for p in shown)
    assert f"{round(rows[0]['expected'].p_late * 100)}%" in html
    assert "is over 50% (the city" in html
    assert 'aria-current="page">Likely late' in html


def test_the_queue_keeps_to_the_staffs_own_city_and_the_citys_threshold(
    signed_in: Callable[[User], Any],
    make_staff: Callable[..., User],
    raytown: City,
    independence: City,
    trained: dict[str, ServiceType],
) -> None:
    grow_backlog(trained["pothole"], now=NOW, count=60)
    with clock.frozen_at(NOW):
        ours = signed_in(make_staff(independence, Role.WORKER)).get(QUEUE)
        assert ours.context["rows"]
        # Another city's staff and an investigator (confidential cases only) see none of them.
        assert signed_in(make_staff(raytown, Role.SUPERVISOR)).get(QUEUE).context["rows"] == []
        assert signed_in(make_staff(independence, Role.INVESTIGATOR)).get(QUEUE).context["rows"] == []
        ExpectedSettings.objects.create(city=independence, likely_late_threshold=0.999)
        strict = signed_in(make_staff(independence, Role.SUPERVISOR)).get(QUEUE)
    assert strict.context["rows"] == [] and "No open case is likely to be late." in strict.content.decode()
    assert client_redirects_anonymous(QUEUE)


def client_redirects_anonymous(path: str) -> bool:
    from django.test import Client

    response = Client().get(path)
    return response.status_code == 302 and response["Location"].startswith(reverse("console:login"))


def test_the_case_page_gives_the_median_the_80_percent_date_the_chance_and_what_moves_it(
    signed_in: Callable[[User], Any], supervisor: User, trained: dict[str, ServiceType]
) -> None:
    backlog = grow_backlog(trained["pothole"], now=NOW, count=60)
    case = ServiceRequest.objects.get(pk=backlog[-1].pk)
    with clock.frozen_at(NOW):
        expectation = selectors.expected_for(case)
        html = signed_in(supervisor).get(_case_url(case)).content.decode()
    assert expectation.p_late is not None and expectation.median_at is not None
    assert 'data-expected="estimate"' in html
    assert "Median " in html and "; 8 in 10 by " in html
    assert f"{round(expectation.p_late * 100)}% chance of missing the due date" in html
    department = trained["pothole"].department.name
    assert f"Backlog in {department} is " in html
    assert "times the usual" in html or "twice the usual" in html


def test_the_case_page_of_a_type_with_no_history_shows_the_target_and_says_why(
    signed_in: Callable[[User], Any],
    supervisor: User,
    independence: City,
    trained: dict[str, ServiceType],
    make_service_type: Callable[..., ServiceType],
) -> None:
    graffiti = make_service_type(independence, "graffiti", name="Graffiti", target_days=7)
    [case] = insert_cases(graffiti, [NOW - dt.timedelta(hours=2)], [None])
    with clock.frozen_at(NOW):
        html = signed_in(supervisor).get(_case_url(case)).content.decode()
    assert 'data-expected="target"' in html
    assert "No estimate: too few past cases of this type." in html and "The target, " in html
    assert "chance of missing the due date" not in html


WEEKDAYS = re.compile(
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|lunes|martes|miércoles|jueves|viernes|sábado|domingo"
)


def _expected_cell(html: str) -> str:
    """The Expected closing cell, up to its list of what moves the date ("Opened on a Monday…"),
    its dates read without the spans that keep each on one line."""
    start = html.index('<tr class="expected">')
    cell = html[start : html.index("</tr>", start)].split('<ul class="factors"')[0]
    return re.sub(r'<span class="one-line">([^<]*)</span>', r"\1", cell)


def test_the_case_page_writes_its_expected_dates_as_it_writes_the_due_date_in_english_and_spanish(
    signed_in: Callable[[User], Any], supervisor: User, trained: dict[str, ServiceType]
) -> None:
    backlog = grow_backlog(trained["pothole"], now=NOW, count=60)
    case = ServiceRequest.objects.get(pk=backlog[-1].pk)
    client = signed_in(supervisor)
    with clock.frozen_at(NOW):
        expectation = selectors.expected_for(case)
        english = client.get(_case_url(case), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        spanish = client.get(_case_url(case), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert expectation.median_at is not None and expectation.p80_at is not None and case.due_at is not None

    def day(moment: dt.datetime, language: str) -> str:
        """The page's own short date in ``language`` ("Jun. 9, 2026"; Spanish day first)."""
        with translation.override(language):
            return formats.date_format(moment.astimezone(case.city.tz).date(), translation.gettext("N j, Y"))

    median, p80, due = expectation.median_at, expectation.p80_at, case.due_at
    # "Median Jun. 9, 2026; 8 in 10 by Jun. 15, 2026" beside "Due Jun. 11, 2026", no weekday.
    assert f"Median {day(median, 'en')}; 8 in 10 by {day(p80, 'en')}" in _expected_cell(english)
    assert f'<td><span class="one-line">{day(due, "en")}</span> ' in english
    assert not WEEKDAYS.search(_expected_cell(english))
    # "Mediana: 9 jun 2026; 8 de cada 10 a más tardar el 15 jun 2026", as the due date "11 jun 2026".
    assert f"Mediana: {day(median, 'es')}; 8 de cada 10 a más tardar el {day(p80, 'es')}" in _expected_cell(spanish)
    assert f'<td><span class="one-line">{day(due, "es")}</span> ' in spanish
    assert not WEEKDAYS.search(_expected_cell(spanish))


def test_the_target_of_a_type_with_no_history_is_written_as_the_due_date(
    signed_in: Callable[[User], Any],
    supervisor: User,
    independence: City,
    trained: dict[str, ServiceType],
    make_service_type: Callable[..., ServiceType],
) -> None:
    graffiti = make_service_type(independence, "graffiti", name="Graffiti", target_days=7)
    [case] = insert_cases(graffiti, [NOW - dt.timedelta(hours=2)], [None])
    with clock.frozen_at(NOW):
        html = signed_in(supervisor).get(_case_url(case)).content.decode()
    case.refresh_from_db()
    assert case.due_at is not None
    shown = formats.date_format(case.due_at.astimezone(case.city.tz).date(), "N j, Y")
    assert f"The target, {shown}<br>" in _expected_cell(html)
    assert not WEEKDAYS.search(_expected_cell(html))
