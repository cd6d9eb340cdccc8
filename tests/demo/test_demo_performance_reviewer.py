"""The demo's performance data needs a reviewer of the plan's values. In a city with an
administrator it is that administrator; in one without (the demo's performance data loaded
without its staff) it is an account of the demo, not a person: inactive once the values are
published, so it cannot sign in, is emailed nothing, is no one to assign a case to, and the
setup checklist neither counts nor names it; the staff admin shows it for what it is."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth import authenticate
from django.test import Client
from django.urls import reverse

from civicdesk.accounts.models import Role, User
from civicdesk.console.selectors import assignable_staff
from civicdesk.demo.performance import load_performance_demo
from civicdesk.performance.models import MeasureValue, MeasureValueEvent
from civicdesk.tenants.models import City
from civicdesk.tenants.selectors import city_setup_steps

pytestmark = pytest.mark.django_db

DEMO_NAME = "Demo: reviewer of the plan's values"


def _staff_step(city: City):
    return next(s for s in city_setup_steps(city=city) if s.key == "staff")


def _approvers(city: City) -> set[str]:
    events = MeasureValueEvent.objects.filter(measure_value__measure__city=city, action="approved")
    return {e.actor.display_name() for e in events.select_related("actor")}


def test_without_an_administrator_the_reviewer_is_the_demos_inactive_account(independence: City) -> None:
    load_performance_demo(today=dt.date(2017, 11, 1))

    reviewer = User.objects.get(username="independence-performance")
    assert reviewer.display_name() == DEMO_NAME
    assert not reviewer.is_active and not reviewer.has_usable_password() and reviewer.email == ""
    assert authenticate(username="independence-performance", password="") is None
    # The values went through the workflow all the same, approved and published by it.
    published = MeasureValue.objects.filter(measure__city=independence, state="published", source="entered")
    assert published.count() == 7
    assert _approvers(independence) == {DEMO_NAME}

    # The checklist counts no account the city never made, and names none.
    step = _staff_step(independence)
    assert step.detail == "0 active" and not step.done

    # Loaded again, nothing changes and it stays inactive.
    load_performance_demo(today=dt.date(2017, 11, 1))
    assert User.objects.filter(city=independence).count() == 1
    assert not User.objects.get(username="independence-performance").is_active


def test_it_is_no_one_to_assign_a_case_to_nor_in_the_checklist_page(
    independence: City,
    make_staff: Callable[..., User],
) -> None:
    load_performance_demo(today=dt.date(2017, 11, 1))
    admin = make_staff(independence, Role.CITY_ADMIN, username="ind-admin", is_staff=True)
    worker = make_staff(independence, Role.WORKER, username="pat", first_name="Pat", last_name="Lee")

    assert set(assignable_staff(user=admin)) == {admin, worker}
    assert _staff_step(independence).detail == "2 active" and _staff_step(independence).done

    client = Client()
    client.force_login(User.objects.create_superuser(username="operator", email="ops@example.org", password=None))
    checklist = client.get(reverse("admin:tenants_city_setup", args=[independence.pk])).content.decode()
    assert "reviewer of the plan" not in checklist and "independence-performance" not in checklist

    # The staff admin lists it for what it is, inactive: the list's "Active" column says no.
    client.force_login(admin)
    listed = client.get(reverse("admin:accounts_user_changelist")).content.decode()
    row = listed[listed.index("independence-performance") :]
    row = row[: row.index("</tr>")]
    assert "Demo: reviewer of the plan&#x27;s values" in row
    assert row.count('alt="False"') == 2  # neither active nor staff
    assert "pat" in listed


def test_with_an_administrator_the_administrator_reviews_and_no_account_is_made(
    independence: City, make_staff: Callable[..., User]
) -> None:
    admin = make_staff(independence, Role.CITY_ADMIN, username="ind-admin", first_name="Ada", last_name="Admin")
    load_performance_demo(today=dt.date(2017, 11, 1))
    assert not User.objects.filter(username__startswith="independence-performance").exists()
    assert _approvers(independence) == {"Ada Admin"}
    assert _staff_step(independence).detail == "1 active"
    assert admin.is_active


def test_an_account_an_earlier_demo_left_active_is_made_inactive_and_named(independence: City) -> None:
    load_performance_demo(today=dt.date(2017, 11, 1))
    # As the demo made it before: active, no password, no email, no name.
    User.objects.filter(username="independence-performance").update(first_name="", last_name="", is_active=True)
    assert "independence-performance" in _staff_step(independence).detail

    load_performance_demo(today=dt.date(2017, 11, 1))  # the plan exists: only the account is put right
    reviewer = User.objects.get(username="independence-performance")
    assert not reviewer.is_active and reviewer.display_name() == DEMO_NAME
    assert _staff_step(independence).detail == "0 active"


def test_someones_own_account_of_that_name_is_never_taken_over(independence: City) -> None:
    own = User.objects.create_user(
        username="independence-performance", password="a-long-test-password", email="perf@independence.test"
    )
    load_performance_demo(today=dt.date(2017, 11, 1))
    own.refresh_from_db()
    assert own.is_active and own.check_password("a-long-test-password") and own.city is None
    demo = User.objects.get(username="independence-performance-demo")
    assert demo.display_name() == DEMO_NAME and not demo.is_active
