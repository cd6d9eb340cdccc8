"""Entered values: draft → submitted → approved → published, who may do each step, the audit
trail, and corrections with a visible note."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civicdesk.accounts.models import Role
from civicdesk.core.errors import InvalidTransition
from civicdesk.core.models import AppendOnlyError
from civicdesk.performance.models import MeasureValueEvent, ValueState
from civicdesk.performance.services import (
    measure_value_approve,
    measure_value_correct,
    measure_value_enter,
    measure_value_publish,
    measure_value_return,
    measure_value_submit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def dept(independence, make_department):
    return make_department(independence, "Animal Services")


@pytest.fixture
def measure(make_measure, dept):
    return make_measure(name="% of animal calls held over", department=dept, direction="lower", target="5")


@pytest.fixture
def people(independence, raytown, dept, make_department, make_staff):
    return {
        "worker": make_staff(independence, Role.WORKER, department=dept),
        "other_dept_worker": make_staff(independence, Role.WORKER, department=make_department(independence)),
        "supervisor": make_staff(independence, Role.SUPERVISOR),
        "admin": make_staff(independence, Role.CITY_ADMIN),
        "other_city_admin": make_staff(raytown, Role.CITY_ADMIN),
        "regional": make_staff(None, Role.REGIONAL_ADMIN),
    }


def test_a_value_goes_from_draft_to_published_with_every_step_in_the_audit_trail(measure, people):
    value = measure_value_enter(
        measure=measure, fiscal_year=2018, period=1, value=D(15), narrative="Summer volume.", actor=people["worker"]
    )
    assert value.state == ValueState.DRAFT
    value = measure_value_submit(measure_value=value, actor=people["worker"])
    value = measure_value_approve(measure_value=value, actor=people["supervisor"])
    value = measure_value_publish(measure_value=value, actor=people["admin"])

    assert value.state == ValueState.PUBLISHED and value.published_at is not None
    trail = [(e.action, e.actor) for e in MeasureValueEvent.objects.filter(measure_value=value)]
    assert trail == [
        ("entered", people["worker"]),
        ("submitted", people["worker"]),
        ("approved", people["supervisor"]),
        ("published", people["admin"]),
    ]


def test_steps_cannot_be_skipped_or_repeated(measure, people):
    value = measure_value_enter(measure=measure, fiscal_year=2018, period=1, value=D(15), actor=people["worker"])
    with pytest.raises(InvalidTransition):
        measure_value_publish(measure_value=value, actor=people["admin"])
    with pytest.raises(InvalidTransition):
        measure_value_approve(measure_value=value, actor=people["admin"])
    measure_value_submit(measure_value=value, actor=people["worker"])
    with pytest.raises(InvalidTransition):
        measure_value_enter(measure=measure, fiscal_year=2018, period=1, value=D(9), actor=people["worker"])


def test_a_reviewer_returns_a_submitted_value_with_a_note_and_it_can_be_changed_again(measure, people):
    value = measure_value_enter(measure=measure, fiscal_year=2018, period=1, value=D(51), actor=people["worker"])
    value = measure_value_submit(measure_value=value, actor=people["worker"])
    with pytest.raises(ValidationError):
        measure_value_return(measure_value=value, actor=people["supervisor"], note="  ")
    value = measure_value_return(measure_value=value, actor=people["supervisor"], note="51% looks like a typo.")
    assert value.state == ValueState.DRAFT
    value = measure_value_enter(measure=measure, fiscal_year=2018, period=1, value=D(15), actor=people["worker"])
    assert value.value == D(15)


def test_only_department_staff_enter_and_only_reviewers_approve_and_publish(measure, people):
    for who in ("other_dept_worker", "other_city_admin", "regional"):
        with pytest.raises(PermissionDenied):
            measure_value_enter(measure=measure, fiscal_year=2018, period=1, value=D(1), actor=people[who])
    with pytest.raises(PermissionDenied):
        measure_value_enter(measure=measure, fiscal_year=2018, period=1, value=D(1), actor=None)
    value = measure_value_enter(measure=measure, fiscal_year=2018, period=1, value=D(15), actor=people["worker"])
    value = measure_value_submit(measure_value=value, actor=people["worker"])
    for who in ("worker", "other_dept_worker", "other_city_admin", "regional"):
        with pytest.raises(PermissionDenied):
            measure_value_approve(measure_value=value, actor=people[who])
    value = measure_value_approve(measure_value=value, actor=people["admin"])
    with pytest.raises(PermissionDenied):
        measure_value_publish(measure_value=value, actor=people["worker"])
    with pytest.raises(PermissionDenied):
        measure_value_publish(measure_value=value, actor=people["regional"])


def test_a_value_cannot_be_submitted_empty_or_for_a_period_that_does_not_exist(measure, people):
    value = measure_value_enter(measure=measure, fiscal_year=2018, period=1, value=None, actor=people["worker"])
    with pytest.raises(ValidationError, match="Enter the value"):
        measure_value_submit(measure_value=value, actor=people["worker"])
    with pytest.raises(ValidationError, match="1 to 4"):
        measure_value_enter(measure=measure, fiscal_year=2018, period=5, value=D(1), actor=people["worker"])


def test_a_published_value_is_corrected_only_with_a_note_the_public_sees(client, measure, people):
    value = measure_value_enter(measure=measure, fiscal_year=2018, period=1, value=D(15), actor=people["worker"])
    value = measure_value_submit(measure_value=value, actor=people["worker"])
    value = measure_value_approve(measure_value=value, actor=people["supervisor"])
    value = measure_value_publish(measure_value=value, actor=people["supervisor"])
    with pytest.raises(InvalidTransition):
        measure_value_enter(measure=measure, fiscal_year=2018, period=1, value=D(14), actor=people["worker"])
    with pytest.raises(ValidationError):
        measure_value_correct(measure_value=value, actor=people["admin"], value=D(14), note="")
    with pytest.raises(PermissionDenied):
        measure_value_correct(measure_value=value, actor=people["worker"], value=D(14), note="Recount.")

    value = measure_value_correct(
        measure_value=value, actor=people["admin"], value=D(14), note="Two duplicate calls were counted twice."
    )

    assert value.state == ValueState.PUBLISHED and value.value == D(14)
    event = MeasureValueEvent.objects.get(measure_value=value, action="corrected")
    assert event.changes == {"value": ["15.0000", "14"]} and event.actor == people["admin"]
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        MeasureValueEvent.objects.filter(measure_value=value).update(note="")


def test_a_computed_measure_cannot_be_typed_in(make_measure, people):
    computed = make_measure(source="computed", computation="closed_within_target", service_codes=["pothole"])
    with pytest.raises(InvalidTransition, match="computed"):
        measure_value_enter(measure=computed, fiscal_year=2018, period=1, value=D(1), actor=people["admin"])
