"""The cases behind a city's figure in the regional comparison are read as a city's own
drill-down reads them: marked by the database, counted in one aggregate, a page of each group
at a time (a median's and a count's cases one group, "Counted"), only the cases of the pages
shown read; page through, they are ``compute``'s list case by case, on every definition."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicdesk.accounts.models import Role
from civicdesk.core import clock
from civicdesk.performance import drilldown, regional, services
from civicdesk.performance.measures import DEFINITIONS

from .conftest import CaseBook
from .test_figures_in_the_database import cases_built, lines

pytestmark = pytest.mark.django_db

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
US = dt.timedelta(microseconds=1)
Q1_2024 = regional.parse_period("2024-q1")
NOW = dt.datetime(2024, 3, 30, 12, tzinfo=CHICAGO)


def at(day: str, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute), tzinfo=CHICAGO)


@pytest.fixture
def region_cases(cities, make_service_type, make_staff):
    """Independence's Q1 2024: potholes (3 days) closed at their due date and a microsecond
    past it, open past it and open not yet due, a duplicate; sidewalks (3 business days) opened
    the Friday before Presidents' Day and closed at their due date and a microsecond past it,
    the week the clocks go forward; a confidential report; animal calls worked before and
    after closing; code cases inspected in time or not. Each of the five common definitions
    is agreed and mapped onto them."""
    city = cities["independence"]
    book = CaseBook(city, make_staff(city, Role.SUPERVISOR))
    pothole = make_service_type(city, "pothole", target_days=3)
    sidewalk = make_service_type(city, "sidewalk", target_days=3, target_in_business_days=True)
    hotline = make_service_type(city, "hotline", target_days=3, is_confidential=True)
    stray = make_service_type(city, "stray")
    zoning = make_service_type(city, "zoning")
    for n in range(4):
        opened = at("2024-01-08") + dt.timedelta(days=n)
        book.close(book.open(pothole, opened), opened + dt.timedelta(days=3) + n % 2 * US)
    original = book.open(pothole, at("2024-03-01"))
    book.close(book.open(pothole, at("2024-03-01", 10)), at("2024-03-01", 11), resolution="duplicate",
               duplicate_of=original)  # fmt: skip
    book.open(pothole, at("2024-03-29"))  # not yet due
    # Friday February 16: Tuesday (after Presidents' Day), Wednesday, Thursday at 17:00.
    book.close(book.open(sidewalk, at("2024-02-16", 16)), at("2024-02-22", 17))
    book.close(book.open(sidewalk, at("2024-02-16", 16)), at("2024-02-22", 17) + US)
    book.close(book.open(sidewalk, at("2024-03-09", 23)), at("2024-03-13", 17))
    book.close(book.open(sidewalk, at("2024-03-09", 23)), at("2024-03-13", 17) + US)
    book.open(hotline, at("2024-02-01"))  # open past its due date
    book.note(book.open(stray, at("2024-02-05", 9)), at("2024-02-05", 17) - US)
    book.note(book.open(stray, at("2024-02-05", 18)), at("2024-02-07", 9))
    book.note(book.open(stray, at("2024-03-29", 16)), at("2024-03-29", 17))
    book.start(book.open(zoning, at("2024-02-01")), at("2024-02-06", 9))
    book.start(book.open(zoning, at("2024-02-01", 10)), at("2024-02-02"))
    book.open(zoning, at("2024-03-28"))
    commons = []
    for key in DEFINITIONS:
        module = DEFINITIONS[key]
        common = services.common_measure_define(
            region=city.region, key=key.replace("_", "-"), name=module.TITLE, definition="As agreed.",
            computation=key, unit=module.UNIT, direction=module.DIRECTION, minimum_cases=1,
        )  # fmt: skip
        codes = {"animal_calls_held_over": ["stray"], "code_enforcement_inspected": ["zoning"]}.get(
            key, ["pothole", "sidewalk", "hotline"]
        )
        services.common_measure_map(common_measure=common, city=city, service_codes=codes)
        commons.append(common)
    return city, commons


def read_through(common, city, size: int) -> tuple[dict[str, list], drilldown.DrillDown]:
    """Every page of every group, read one page number at a time."""
    every: dict[str, list] = {}
    number = 1
    while True:
        pages = dict.fromkeys((*drilldown.GROUPS, drilldown.COUNTED), number)
        _, drill = regional.city_cases(common, city, Q1_2024, pages, size=size, now=NOW)
        assert drill is not None and drill.from_the_database
        done = True
        for key, page in drill.groups.items():
            every.setdefault(key, [])
            if number <= page.pages:
                every[key] += lines(page)
                assert len(page) == min(size, page.total - (number - 1) * size)
                done = done and number == page.pages
        if done:
            return every, drill
        number += 1


def test_every_page_of_a_citys_cases_is_computes_list_on_every_definition(region_cases):
    city, commons = region_cases
    for common in commons:
        computed = regional.compute_figure(common, city, Q1_2024, regional._mapped_codes(common, city), now=NOW)
        shown = [r for r in computed.results if not r.case.service_type.is_confidential]
        every_case = getattr(DEFINITIONS[common.computation], "EVERY_CASE_COUNTS", False)
        if every_case:
            expected = {drilldown.COUNTED: lines(shown)}
        else:
            expected = {
                "met": lines(r for r in shown if r.met is True),
                "missed": lines(r for r in shown if r.met is False),
                "pending": lines(r for r in shown if r.met is None),
            }
        for size in (1, 2, 3, 100):
            found, drill = read_through(common, city, size)
            assert found == expected, (common.key, size)
            assert drill.withheld == len(computed.results) - len(shown)
        row, _ = regional.city_cases(common, city, Q1_2024, {}, now=NOW)
        assert (row.value, row.cases) == (computed.value, regional.cases_counted(common, computed)), common.key
    # The median's list: the four potholes and four sidewalks closed (the duplicate left out).
    median = next(c for c in commons if c.computation == "potholes_median_days_to_close")
    _, drill = regional.city_cases(median, city, Q1_2024, {}, now=NOW)
    assert drill.groups[drilldown.COUNTED].total == 8


def test_a_page_past_the_last_reads_as_the_last(region_cases):
    city, commons = region_cases
    closed = next(c for c in commons if c.computation == "closed_within_target")
    _, drill = regional.city_cases(closed, city, Q1_2024, {"missed": 9}, size=2, now=NOW)
    missed = drill.groups["missed"]
    assert (missed.total, missed.number, missed.pages, missed.first, missed.last) == (5, 3, 3, 5, 5)


def test_the_list_reads_the_cases_of_its_page_only_however_many_there_are(
    client, cities, make_service_type, make_staff, monkeypatch
):
    """Four times the cases, the same queries, and only the page's cases built from a row,
    none of their log: a page costs its own cases, not every case of the city's quarter."""
    city = cities["independence"]
    book = CaseBook(city, make_staff(city, Role.SUPERVISOR))
    pothole = make_service_type(city, "pothole", target_days=3)
    sidewalk = make_service_type(city, "sidewalk", target_days=2, target_in_business_days=True)

    def add(cases: int) -> None:
        for n in range(cases):
            opened = at("2024-01-08") + dt.timedelta(hours=n)
            book.close(book.open(pothole if n % 3 else sidewalk, opened), opened + dt.timedelta(days=n % 5))

    for key, computation in (("closed", "closed_within_target"), ("median", "potholes_median_days_to_close")):
        module = DEFINITIONS[computation]
        common = services.common_measure_define(
            region=city.region, key=key, name=key, definition="As agreed.", computation=computation,
            unit=module.UNIT, direction=module.DIRECTION, minimum_cases=1,
        )  # fmt: skip
        services.common_measure_map(common_measure=common, city=city, service_codes=["pothole", "sidewalk"])
    monkeypatch.setattr(drilldown, "CASES_PER_PAGE", 3)
    built = cases_built(monkeypatch)
    queries_of: dict[tuple[str, int], int] = {}
    for total, more in ((6, 6), (24, 18)):
        add(more)
        for key, groups in (("closed", 3), ("median", 1)):
            built.clear()
            with clock.frozen_at(NOW), CaptureQueriesContext(connection) as queries:
                response = client.get(f"/performance/compare/{key}/independence/2024-q1/cases/", {"met_page": "2"})
            assert response.status_code == 200
            assert built.count("ServiceRequest") <= 3 * groups and "CaseEvent" not in built, (key, total)
            queries_of[(key, total)] = len(queries)
        assert f"Cases 1–3 of {total}" in response.content.decode()
    assert queries_of[("closed", 6)] == queries_of[("closed", 24)]
    assert queries_of[("median", 6)] == queries_of[("median", 24)]


def test_each_group_pages_on_its_own_and_a_bad_page_is_refused_in_words(client, region_cases, monkeypatch):
    monkeypatch.setattr(drilldown, "CASES_PER_PAGE", 2)
    url = "/performance/compare/closed-within-target/independence/2024-q1/cases/"
    with clock.frozen_at(NOW):
        first = client.get(url).content.decode()
        second = client.get(url, {"missed_page": "2", "met_page": "1"}).content.decode()
        spanish = client.get(url, {"missed_page": "2"}, HTTP_ACCEPT_LANGUAGE="es").content.decode()
        for bad in ("two", "0", "-1", "1.5"):
            refused = client.get(url, {"met_page": bad})
            assert refused.status_code == 400
            assert f"“{bad}” is not a page number: give a whole number from 1." in refused.content.decode()
        kept = client.get(url, {"missed_page": "2", "met_page": "two"}).content.decode()
        en_espanol = client.get(url, {"counted_page": "dos"}, HTTP_ACCEPT_LANGUAGE="es")
        median = client.get("/performance/compare/potholes-median-days-to-close/independence/2024-q1/cases/",
                            {"counted_page": "2"}).content.decode()  # fmt: skip
    # Missed: the pothole a microsecond late, the one open past its due date, the duplicate's
    # original, the two sidewalks a microsecond late: 5, two a page.
    assert "Missed (5)" in first and "Cases 1–2 of 5" in first
    assert 'href="?missed_page=2#cases-missed" rel="next"' in first
    assert "Cases 3–4 of 5" in second
    assert 'href="?missed_page=1&amp;met_page=1#cases-missed" rel="prev"' in second
    assert "Casos 3–4 de 5" in spanish and "Anterior" in spanish and "Siguiente" in spanish
    # The way back drops the bad number only: the missed cases' page is kept.
    assert f'<a href="{url}?missed_page=2">Back to the cases</a>' in kept
    assert en_espanol.status_code == 400
    assert "“dos” no es un número de página" in en_espanol.content.decode()
    assert f'<a href="{url}">Volver a los casos</a>' in en_espanol.content.decode()
    assert "Counted (8)" in median and "Cases 3–4 of 8" in median
    assert "1 confidential report is counted in the figure but not listed." in first
