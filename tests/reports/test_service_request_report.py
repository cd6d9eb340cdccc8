"""The Service Request Report's figures, checked against a plain recomputation over the cases."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from typing import Any

import pytest

from civicdesk.cases import services
from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.core import clock
from civicdesk.reports import rollups
from civicdesk.reports.service_request_report import (
    ReportRangeError,
    TypeCount,
    largest_remainder_tenths,
    local_day_bounds,
    service_request_report,
)
from civicdesk.tenants.models import City
from tests.reports import expected
from tests.reports.conftest import FROM, TO, Month

pytestmark = pytest.mark.django_db
CENTRAL = zoneinfo.ZoneInfo("America/Chicago")


def all_cases() -> list[ServiceRequest]:
    return list(ServiceRequest.objects.select_related("city", "department", "district", "service_type"))


def city_cases(month: Month) -> list[ServiceRequest]:
    return [c for c in all_cases() if c.city_id == month.city.pk]


def test_a_day_is_the_citys_day_including_the_long_day_when_daylight_saving_ends() -> None:
    start, end = local_day_bounds(tz=CENTRAL, date_from=dt.date(2021, 11, 7), date_to=dt.date(2021, 11, 7))
    assert start == dt.datetime(2021, 11, 7, 5, 0, tzinfo=dt.UTC)  # midnight CDT
    assert end == dt.datetime(2021, 11, 8, 6, 0, tzinfo=dt.UTC)  # midnight CST
    assert end - start == dt.timedelta(hours=25)
    start, end = local_day_bounds(tz=CENTRAL, date_from=dt.date(2021, 3, 14), date_to=dt.date(2021, 3, 14))
    assert end - start == dt.timedelta(hours=23)


def test_the_total_counts_the_citys_local_days_at_both_edges(month: Month) -> None:
    report = service_request_report(city=month.city, date_from=FROM, date_to=TO)
    cases = expected.in_range(city_cases(month), date_from=FROM, date_to=TO)
    assert report.total == len(cases) == 24
    descriptions = {(c.opened_at, c.service_type.name) for c in cases}
    # 23:30 on the last local day counts; 00:10 the day after and the evening before the first day do not.
    assert (dt.datetime(2021, 10, 23, 4, 30, tzinfo=dt.UTC), "Basement Sewer Backup") in descriptions
    assert (dt.datetime(2021, 10, 1, 5, 0, tzinfo=dt.UTC), "Trash/Rubbish") in descriptions
    assert all(c.opened_at != dt.datetime(2021, 10, 1, 0, 0, tzinfo=dt.UTC) for c in cases)
    assert all(c.opened_at != dt.datetime(2021, 10, 23, 5, 10, tzinfo=dt.UTC) for c in cases)


def test_department_shares_match_a_plain_count_and_add_up_to_exactly_100_percent(month: Month) -> None:
    report = service_request_report(city=month.city, date_from=FROM, date_to=TO)
    cases = expected.in_range(city_cases(month), date_from=FROM, date_to=TO)
    counts = expected.departments(cases)
    assert {row.label: row.count for row in report.departments} == counts
    assert {row.label: row.tenths for row in report.departments} == expected.tenths(counts)
    assert sum(row.percent for row in report.departments) == report.share_total == 100
    assert f"{report.share_total:.1f}" == "100.0"
    # As seed 004 lists them: "No department assigned" first, then the departments by name.
    assert report.departments[0].label == "No department assigned"
    assert report.departments[0].count == 2
    named = [r.label for r in report.departments[1:]]
    assert named == sorted(named, key=str.casefold)


def test_the_top_five_problems_break_ties_by_name_and_hide_confidential_subjects(month: Month) -> None:
    report = service_request_report(city=month.city, date_from=FROM, date_to=TO)
    cases = expected.in_range(city_cases(month), date_from=FROM, date_to=TO)
    assert [(t.label, t.count) for t in report.top_types] == expected.top_types(cases)
    assert [(t.label, t.count) for t in report.top_types] == [
        ("Trash/Rubbish", 7),
        ("Excessive Vegetation", 4),
        ("Basement Sewer Backup", 3),
        ("Pothole", 3),
        ("Confidential reports", 2),
    ]
    every_label = {t.label for d in report.districts for t in d.top_types} | {t.label for t in report.top_types}
    assert "Fraud, Waste and Abuse" not in every_label


def test_districts_list_council_districts_no_district_and_others_with_their_top_three(month: Month) -> None:
    report = service_request_report(city=month.city, date_from=FROM, date_to=TO)
    cases = expected.in_range(city_cases(month), date_from=FROM, date_to=TO)
    plain = expected.districts(cases)
    shown = {d.label: (d.count, [(t.label, t.count) for t in d.top_types]) for d in report.districts}
    labels = [d.label for d in report.districts]
    assert labels[0] == "No district assigned" and labels[-1] == "Others"
    assert labels[1:-1] == [d.name for d in month.districts]
    assert {k: v for k, v in shown.items() if v[0]} == plain
    assert shown["Others"] == (2, [("Sinkhole", 2)])
    assert shown["No district assigned"] == (3, [("General Question", 2), ("Trash/Rubbish", 1)])
    assert sum(d.count for d in report.districts) == report.total
    assert all(count == 0 for label, (count, _) in shown.items() if label not in plain)


def test_the_collaborative_report_adds_every_city_on_its_own_clock(month: Month) -> None:
    report = service_request_report(city=None, date_from=FROM, date_to=TO)
    cases = expected.in_range(all_cases(), date_from=FROM, date_to=TO)
    assert report.total == len(cases) == 26
    assert [(t.label, t.count) for t in report.top_types] == expected.top_types(cases)
    assert report.top_types[0] == type(report.top_types[0])("Trash/Rubbish", 9)
    assert report.share_total == 100
    assert any(d.label.startswith(month.other_city.name + " — ") for d in report.districts)
    assert sum(d.count for d in report.districts) == report.total


def test_an_empty_period_reports_zero_everywhere(month: Month) -> None:
    report = service_request_report(city=month.city, date_from=dt.date(2020, 1, 1), date_to=dt.date(2020, 1, 31))
    assert report.total == 0
    assert report.top_types == []
    assert [r.tenths for r in report.departments] == [0]


def test_a_range_ending_before_it_starts_is_refused_in_plain_words(month: Month) -> None:
    with pytest.raises(ReportRangeError, match="before the start date"):
        service_request_report(city=month.city, date_from=TO, date_to=FROM)


@pytest.mark.parametrize(
    "counts",
    [
        [1, 1, 1],
        [2, 1, 1, 1, 1, 1, 1],
        [576 - 1 - 116 - 221, 1, 116, 221],
        [7, 0, 3],
        [1] * 7,
        [999, 1],
        [1, 1, 1, 1, 1, 1],
    ],
)
def test_largest_remainder_rounding_always_sums_to_1000_tenths(counts: list[int]) -> None:
    shares = largest_remainder_tenths(counts)
    assert sum(shares) == 1000
    for count, share in zip(counts, shares, strict=True):
        assert abs(share - count * 1000 / sum(counts)) < 1


def test_the_report_is_a_handful_of_grouped_queries_however_many_cases(
    month: Month, django_assert_max_num_queries: Callable[..., Any]
) -> None:
    # Cities, three GROUP BYs, the departments and the districts named: never a query per case.
    with django_assert_max_num_queries(6):
        report = service_request_report(city=None, date_from=FROM, date_to=TO)
    assert report.total == 26


def test_each_city_of_the_collaborative_is_counted_on_its_own_clock(month: Month) -> None:
    # Were the other city one hour behind (Mountain time), its case at 23:30 Mountain on the
    # last day falls at 00:30 Central the next day, and still counts.
    month.other_city.timezone = "America/Denver"
    month.other_city.save(update_fields=["timezone"])
    last_evening = dt.datetime(2021, 10, 22, 23, 30, tzinfo=zoneinfo.ZoneInfo("America/Denver"))
    raytown_case = ServiceRequest.objects.filter(city=month.other_city).first()
    assert raytown_case is not None
    ServiceRequest.objects.filter(pk=raytown_case.pk).update(opened_at=last_evening)
    rollups.rebuild(city=month.other_city)  # the raw update bypassed the case services

    report = service_request_report(city=None, date_from=FROM, date_to=TO)
    assert report.total == len(expected.in_range(all_cases(), date_from=FROM, date_to=TO)) == 26
    assert service_request_report(city=month.other_city, date_from=FROM, date_to=TO).total == 2

    # On Central time the same instant is the 23rd: out of the range.
    month.other_city.timezone = "America/Chicago"
    month.other_city.save(update_fields=["timezone"])
    assert service_request_report(city=None, date_from=FROM, date_to=TO).total == 25


def test_the_long_day_when_daylight_saving_ends_is_counted_whole(
    independence: City, make_service_type: Callable[..., ServiceType]
) -> None:
    pothole = make_service_type(independence, "pothole", name="Pothole")
    moments = [
        dt.datetime(2021, 11, 7, 0, 30, tzinfo=CENTRAL),  # CDT, first half hour of the day
        dt.datetime(2021, 11, 7, 1, 30, tzinfo=CENTRAL),  # the first 01:30 (CDT)
        dt.datetime(2021, 11, 7, 1, 30, fold=1, tzinfo=CENTRAL),  # the second 01:30 (CST)
        dt.datetime(2021, 11, 7, 23, 30, tzinfo=CENTRAL),  # CST, last half hour
        dt.datetime(2021, 11, 8, 0, 0, tzinfo=CENTRAL),  # next day
        dt.datetime(2021, 11, 6, 23, 59, tzinfo=CENTRAL),  # day before
    ]
    for at in moments:
        with clock.frozen_at(at):
            services.case_create(service_type=pothole, city=independence, address="Main St", opened_at=at)
    report = service_request_report(city=independence, date_from=dt.date(2021, 11, 7), date_to=dt.date(2021, 11, 7))
    assert report.total == 4
    assert report.top_types == [TypeCount("Pothole", 4)]
