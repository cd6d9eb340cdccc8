"""``invariants.route``: where a case goes, decided by one pure function that case_create and
the transfer both use."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicdesk.cases.invariants import route
from civicdesk.cases.models import ServiceRequest
from civicdesk.core import clock
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db


def test_a_point_routes_to_the_city_type_district_department_and_due_date(trash, independence):
    opened = clock.now()
    with CaptureQueriesContext(connection) as queries:
        routed = route(service_type=trash, point=INSIDE["independence"], opened_at=opened)
    assert routed.city == independence
    assert routed.service_type == trash
    assert routed.district is not None and routed.district.city == independence
    assert routed.department == trash.department
    assert routed.due_at == opened + dt.timedelta(days=trash.target_days)
    # Pure: it reads, it writes nothing.
    assert not [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert not ServiceRequest.objects.exists()


def test_a_point_in_another_member_city_takes_that_citys_type_of_the_same_code(trash, raytown, make_service_type):
    raytown_trash = make_service_type(raytown, "trash", name="Rubbish", target_days=2)
    opened = clock.now()
    routed = route(service_type=trash, point=INSIDE["raytown"], opened_at=opened)
    assert (routed.city, routed.service_type, routed.department) == (raytown, raytown_trash, raytown_trash.department)
    assert routed.due_at == opened + dt.timedelta(days=2)


def test_without_a_point_the_case_goes_to_the_types_city_with_no_district(trash, independence):
    routed = route(service_type=trash, point=None, opened_at=clock.now())
    assert (routed.city, routed.district) == (independence, None)


def test_a_given_city_takes_the_case_with_its_district_at_the_point(trash, raytown, make_service_type):
    # A transfer: the receiving city is chosen by staff, not by the point.
    raytown_trash = make_service_type(raytown, "trash")
    routed = route(service_type=trash, point=INSIDE["raytown"], opened_at=clock.now(), city=raytown)
    assert (routed.city, routed.service_type) == (raytown, raytown_trash)
    assert routed.district is None or routed.district.city == raytown


def test_a_type_without_target_days_has_no_due_date(independence, make_service_type):
    untimed = make_service_type(independence, target_days=None)
    assert route(service_type=untimed, point=None, opened_at=clock.now()).due_at is None


def _imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_cases_imports_no_app_above_it():
    """cases announces through its signals; notifications and reports listen. (The history
    import, being moved out of cases, is the one exception left.)"""
    above = ("notifications", "reports", "performance", "console", "portal", "open311", "intake", "demo")
    root = Path(__file__).resolve().parents[2] / "civicdesk" / "cases"
    upward = {
        f"{path.name}: {module}"
        for path in root.glob("*.py")
        if path.name != "imports.py"
        for module in _imported_modules(path)
        if module.startswith(tuple(f"civicdesk.{app}" for app in above))
    }
    assert upward == set()
