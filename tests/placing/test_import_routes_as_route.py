"""The history import routes as ``invariants.route`` does, in batch form: the same city and
district for a point, and the department of the agreements of the day a case was opened."""

from __future__ import annotations

import datetime as dt

import pytest

from civicdesk.accounts.models import Role
from civicdesk.cases.bulk import CityRules
from civicdesk.cases.invariants import route
from civicdesk.catalog.services import agreement_accept, agreement_propose
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db


def test_city_rules_and_route_agree_on_city_district_department_and_due_date(
    cities, trash, make_staff, make_department
):
    independence = cities["independence"]
    shelter = make_department(cities["blue-springs"], "Shelter")
    admin = make_staff(independence, Role.CITY_ADMIN)
    start, end = dt.date(2022, 3, 1), dt.date(2022, 9, 30)
    proposed = agreement_propose(
        actor=admin, provider_department=shelter, service_types=[trash], starts_on=start, ends_on=end
    )
    agreement_accept(agreement=proposed, actor=make_staff(cities["blue-springs"], Role.CITY_ADMIN))
    rules = CityRules(independence)
    lat, lng = INSIDE["independence"]
    points = [(lat + dy, lng + dx) for dy in (-0.02, 0, 0.02) for dx in (-0.03, 0, 0.03)]
    days = [dt.datetime(2021, 12, 31, 23, 30, tzinfo=independence.tz)]
    days += [dt.datetime(d.year, d.month, d.day, 0, 15, tzinfo=independence.tz) for d in (start, end)]
    days += [dt.datetime(2022, 10, 1, 0, 15, tzinfo=independence.tz), dt.datetime(2022, 6, 1, 5, 0, tzinfo=dt.UTC)]
    cities_of = rules.cities_of([p[0] for p in points], [p[1] for p in points])
    districts_of = rules.districts_of([p[0] for p in points], [p[1] for p in points])
    seen_departments = set()
    for point, city_id, district in zip(points, cities_of, districts_of, strict=True):
        for opened in days:
            routed = route(service_type=trash, point=point, opened_at=opened)
            assert routed.city.pk == city_id
            if city_id == independence.pk:
                assert routed.district == district
                assert routed.department == rules.department(trash, opened)
                assert routed.due_at == rules.due_at(trash, opened)
                seen_departments.add(routed.department)
    assert seen_departments == {trash.department, shelter}  # before, during and after the agreement
