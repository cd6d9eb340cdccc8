"""The task worker's refresh of the regional comparison's kept figures works out again only
what may have changed: nothing when no case changed, the one city whose case changed, the
figure whose case time alone has decided; and what it keeps is always what working every
figure out from the cases gives."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from civicdesk.accounts.models import Role
from civicdesk.cases import signals as case_signals
from civicdesk.cases.models import ServiceRequest
from civicdesk.core import clock
from civicdesk.performance import regional, services
from civicdesk.performance.models import CommonMeasure, RegionalFigure

from .conftest import CaseBook

pytestmark = pytest.mark.django_db

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
SLUGS = ("independence", "raytown", "blue-springs")
MEASURES = (
    ("requests", "requests_opened", "count", ""),
    ("median-days", "potholes_median_days_to_close", "days", "lower"),
    ("within-target", "closed_within_target", "percent", "higher"),
)
# Three measures × three cities × (Q2 and Q1 2024, April and March 2024).
EVERY_FIGURE = 36


def at(day: str, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute), tzinfo=CHICAGO)


@pytest.fixture
def region(cities, make_service_type, make_staff, settings):
    """Three cities, each with potholes (due in 5 days) reported in March and April 2024, most
    closed; Independence's last one, reported April 10 at 12:15, is still open and falls due
    on April 15 at 12:15. Every measure maps each city's potholes."""
    settings.REGIONAL_FIGURES_SECONDS = 900
    books = {}
    for slug in SLUGS:
        city = cities[slug]
        book = CaseBook(city, make_staff(city, Role.SUPERVISOR))
        book.pothole = make_service_type(city, "pothole", target_days=5)
        for n in range(6):
            case = book.open(book.pothole, at("2024-03-20", 9) + dt.timedelta(days=3 * n))
            book.close(case, case.opened_at + dt.timedelta(days=1 + n))  # the slower ones miss their due date
        books[slug] = book
    independence = books["independence"]
    independence.open(independence.pothole, at("2024-04-10", 12, 15))
    for order, (key, computation, unit, direction) in enumerate(MEASURES):
        common = services.common_measure_define(
            region=cities["independence"].region,
            key=key,
            name=key,
            definition="As every city agreed it.",
            computation=computation,
            unit=unit,
            direction=direction,
            decimals=1,
            minimum_cases=1,
            order=order,
        )
        for slug in SLUGS:
            services.common_measure_map(common_measure=common, city=cities[slug], service_codes=["pothole"])
    return books


@pytest.fixture
def worked_out(monkeypatch):
    """The (city slug, period key) of every figure worked out from the cases (a marker on
    ``regional.figure_of_cases``, which every figure the refresh works out goes through)."""
    calls: list[tuple[str, str]] = []
    real = regional.figure_of_cases

    def spy(common, city, period, codes, *, now=None):
        calls.append((city.slug, period.key))
        return real(common, city, period, codes, now=now)

    monkeypatch.setattr(regional, "figure_of_cases", spy)
    return calls


def refresh(moment: dt.datetime) -> int:
    with clock.frozen_at(moment):
        return services.regional_figures_refresh()


def kept() -> dict[tuple[str, str, str], tuple[object, int]]:
    return {
        (f.city.slug, f.common_measure.key, f.period): (f.value, f.cases)
        for f in RegionalFigure.objects.select_related("common_measure", "city")
    }


def assert_kept_figures_are_a_full_recomputation(moment: dt.datetime) -> None:
    """Every kept figure (value and cases behind it) is exactly what a refresh that works
    every figure out from the cases keeps at the same moment."""
    refreshed = kept()
    assert len(refreshed) == EVERY_FIGURE
    RegionalFigure.objects.all().delete()
    assert refresh(moment) == EVERY_FIGURE
    assert kept() == refreshed


def test_a_refresh_with_nothing_changed_works_nothing_out_and_reads_no_case(region, worked_out):
    assert refresh(at("2024-04-15", 12)) == EVERY_FIGURE
    worked_out.clear()
    with CaptureQueriesContext(connection) as queries:
        assert refresh(at("2024-04-15", 12, 5)) == 0
    assert worked_out == []
    # What it reads: the regions, measures, cities, mappings, kept figures, the cases' log
    # since the last check and the transfers, then one UPDATE of the checked time, one DELETE.
    assert len(queries.captured_queries) <= 10, [q["sql"] for q in queries.captured_queries]
    assert not any('FROM "cases_servicerequest"' in q["sql"] for q in queries.captured_queries)
    assert set(RegionalFigure.objects.values_list("checked_at", flat=True)) == {at("2024-04-15", 12, 5)}
    assert set(RegionalFigure.objects.values_list("computed_at", flat=True)) == {at("2024-04-15", 12)}
    # The page reads the figures checked 5 minutes ago: no case is read for it.
    with clock.frozen_at(at("2024-04-15", 12, 16)), CaptureQueriesContext(connection) as page:
        regional.regional_comparison(region["raytown"].city.region, regional.parse_period("2024-q2"), kept=True)
    assert worked_out == []
    assert not any("cases_servicerequest" in q["sql"] for q in page.captured_queries)
    assert_kept_figures_are_a_full_recomputation(at("2024-04-15", 12, 5))


def test_a_new_closed_case_in_one_city_works_out_that_city_only(region, worked_out):
    refresh(at("2024-04-15", 12))
    raytown = region["raytown"]
    case = raytown.open(raytown.pothole, at("2024-04-15", 12, 1))
    raytown.close(case, at("2024-04-15", 12, 3))
    worked_out.clear()
    # Raytown's three measures, for Q2 and April (a case of Q2 changes Q1's figures too, as
    # far as anyone can tell from the log: all four periods are worked out again).
    assert refresh(at("2024-04-15", 12, 5)) == 3 * 4
    assert {slug for slug, _ in worked_out} == {"raytown"}
    assert_kept_figures_are_a_full_recomputation(at("2024-04-15", 12, 5))
    # And the next refresh, with nothing new, works nothing out.
    worked_out.clear()
    assert refresh(at("2024-04-15", 12, 10)) == 0
    assert worked_out == []


def test_a_case_reaching_its_due_date_works_out_the_figure_it_decides(region, worked_out):
    refresh(at("2024-04-15", 12))
    within = RegionalFigure.objects.get(
        common_measure__key="within-target", city=region["independence"].city, period="2024-q2"
    )
    assert within.changes_at == at("2024-04-15", 12, 15)  # the open pothole's due date
    worked_out.clear()
    assert refresh(at("2024-04-15", 12, 10)) == 0
    # 12:20: the pothole is past due, a miss: Independence's % within target for Q2 and
    # April is worked out again, nothing else (no case changed).
    assert refresh(at("2024-04-15", 12, 20)) == 2
    assert worked_out == [("independence", "2024-q2"), ("independence", "2024-m4")]
    within.refresh_from_db()
    assert within.changes_at is None and within.computed_at == at("2024-04-15", 12, 20)
    assert_kept_figures_are_a_full_recomputation(at("2024-04-15", 12, 20))


def test_a_change_made_behind_the_services_back_is_seen_within_the_hour(region, worked_out):
    refresh(at("2024-04-15", 12))
    # A closing written straight to the row (no log): invisible to the check...
    case = ServiceRequest.objects.filter(city=region["blue-springs"].city).order_by("-opened_at").first()
    ServiceRequest.objects.filter(pk=case.pk).update(closed_at=case.closed_at + dt.timedelta(days=2))
    worked_out.clear()
    assert refresh(at("2024-04-15", 12, 10)) == 0
    # ... until every figure is worked out again, an hour after it last was.
    assert refresh(at("2024-04-15", 13, 0)) == EVERY_FIGURE
    assert_kept_figures_are_a_full_recomputation(at("2024-04-15", 13, 0))


def test_a_change_to_a_city_s_types_or_an_import_into_it_forgets_its_figures_at_once(region, worked_out):
    refresh(at("2024-04-15", 12))
    raytown, grandview_free = region["raytown"], region["independence"]
    raytown.pothole.name = "Pothole in the street"
    raytown.pothole.save()
    assert not RegionalFigure.objects.filter(city=raytown.city).exists()
    assert RegionalFigure.objects.filter(city=grandview_free.city).count() == 12
    case_signals.cases_written_in_bulk.send(
        sender=ServiceRequest, city=grandview_free.city, start=dt.date(2024, 4, 1), end=dt.date(2024, 4, 15)
    )
    assert not RegionalFigure.objects.filter(city=grandview_free.city).exists()
    worked_out.clear()
    assert refresh(at("2024-04-15", 12, 5)) == 24
    assert {slug for slug, _ in worked_out} == {"raytown", "independence"}
    assert_kept_figures_are_a_full_recomputation(at("2024-04-15", 12, 5))


def _change_during_the_computation(monkeypatch, slug: str, change) -> list[str]:
    """Make ``change`` (and commit it) in the middle of a computation: right after the first
    figure of ``slug`` has been worked out from the cases, before anything is kept."""
    done: list[str] = []
    real = regional.figure_of_cases

    def reading_then_changed(common, city, period, codes, *, now=None):
        result = real(common, city, period, codes, now=now)
        if city.slug == slug and not done:
            with transaction.atomic():
                change()
            done.append(slug)
        return result

    monkeypatch.setattr(regional, "figure_of_cases", reading_then_changed)
    return done


def _raytown_target_to_one_day(region):
    def change():
        pothole = region["raytown"].pothole
        pothole.target_days = 1
        pothole.save()

    return change


@pytest.mark.django_db(transaction=True)
def test_a_change_committed_while_the_refresh_works_a_city_out_is_never_kept_as_holding(region, monkeypatch):
    done = _change_during_the_computation(monkeypatch, "raytown", _raytown_target_to_one_day(region))
    refresh(at("2024-04-15", 12, 5))
    assert done == ["raytown"]
    # Raytown's figures were worked out from what was read before its pothole's target changed:
    # none is kept; the other cities' are.
    assert not RegionalFigure.objects.filter(city=region["raytown"].city).exists()
    assert RegionalFigure.objects.count() == EVERY_FIGURE - 12
    # The next refresh, with nothing else changed, works Raytown's out again.
    assert refresh(at("2024-04-15", 12, 10)) == 12
    assert_kept_figures_are_a_full_recomputation(at("2024-04-15", 12, 10))


@pytest.mark.django_db(transaction=True)
def test_a_change_committed_while_a_visitor_s_figures_are_worked_out_is_not_kept(region, monkeypatch):
    done = _change_during_the_computation(monkeypatch, "raytown", _raytown_target_to_one_day(region))
    q2 = regional.parse_period("2024-q2")
    with clock.frozen_at(at("2024-04-15", 12)):
        regional.regional_comparison(region["raytown"].city.region, q2, kept=True)
    assert done == ["raytown"]
    assert not RegionalFigure.objects.filter(city=region["raytown"].city).exists()
    assert RegionalFigure.objects.filter(period="2024-q2").count() == 6
    # The next visitor gets Raytown's figures as the cases now give them.
    with clock.frozen_at(at("2024-04-15", 12, 1)):
        page = regional.regional_comparison(region["raytown"].city.region, q2, kept=True)
        live = regional.regional_comparison(region["raytown"].city.region, q2, now=at("2024-04-15", 12, 1))
    assert [[(r.city.slug, r.value, r.cases) for r in c.rows] for c in page] == [
        [(r.city.slug, r.value, r.cases) for r in c.rows] for c in live
    ]


def test_a_figure_kept_from_before_a_change_is_neither_served_nor_left_as_it_is(region, worked_out):
    """However a figure from before a change got kept (it slipped in between the change and
    the deletion), the page does not use it and the next refresh works it out again."""
    refresh(at("2024-04-15", 12))
    raytown = region["raytown"]
    regional.forget_figures([raytown.city.pk])
    with clock.frozen_at(at("2024-04-15", 12, 1)):
        figure, _ = regional.work_out_figure(
            CommonMeasure.objects.get(key="requests"),
            raytown.city,
            regional.parse_period("2024-q2"),
            ["pothole"],
            moment=at("2024-04-15", 12, 1),
            forgotten={},  # read before the change
        )
    figure.save()
    worked_out.clear()
    with clock.frozen_at(at("2024-04-15", 12, 2)):
        regional.regional_comparison(raytown.city.region, regional.parse_period("2024-q2"), kept=True)
    assert ("raytown", "2024-q2") in worked_out
    RegionalFigure.objects.filter(pk=figure.pk).update(forgotten_times=0)  # slipped in again
    worked_out.clear()
    assert refresh(at("2024-04-15", 12, 5)) >= 1
    assert ("raytown", "2024-q2") in worked_out


def test_closed_cases_of_a_type_without_a_target_do_not_make_a_figure_change_with_time(
    cities, make_service_type, make_staff, worked_out
):
    raytown = cities["raytown"]
    book = CaseBook(raytown, make_staff(raytown, Role.SUPERVISOR))
    pothole = make_service_type(raytown, "pothole", target_days=None)
    for n in range(4):
        case = book.open(pothole, at("2024-04-01", 9) + dt.timedelta(days=n))
        book.close(case, case.opened_at + dt.timedelta(days=1 + n))
    common = services.common_measure_define(
        region=raytown.region,
        key="median-days",
        name="Median days to close potholes",
        definition="As every city agreed it.",
        computation="potholes_median_days_to_close",
        unit="days",
        direction="lower",
        minimum_cases=1,
    )
    services.common_measure_map(common_measure=common, city=raytown, service_codes=["pothole"])
    assert refresh(at("2024-04-15", 12)) == 4  # Q2 and Q1, April and March
    assert set(RegionalFigure.objects.values_list("changes_at", flat=True)) == {None}
    worked_out.clear()
    assert refresh(at("2024-04-15", 12, 5)) == 0
    assert worked_out == []
