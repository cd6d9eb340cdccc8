"""Each city's staff act on their own city's cases only; regional administrators and
inactive accounts read and change no case.

The role × action × city matrix is generated from ``permissions.ALLOWED``, so a change
to the rules is tested as soon as it is made.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from civicdesk.accounts.models import Role, User
from civicdesk.cases import selectors, services
from civicdesk.cases.models import ServiceRequest, Status
from civicdesk.cases.permissions import ALLOWED, Action
from tests.cases import images
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

QUEUES = ["mine", "department", "unassigned", "overdue", "all"]


class Rollback(Exception):
    """Raised to undo one attempt, so each cell of the matrix starts from the same case."""


@pytest.fixture
def setting(report, supervisor, independence, trash, make_service_type):
    """An open and a closed Independence case, and a second Independence type."""
    return {
        "open": report(),
        "closed": services.case_close(case=report(), actor=supervisor, note="Done"),
        "other_type": make_service_type(independence, "other", department=trash.department),
        "trash": trash,
    }


def _act(action: Action, who: User, s: dict[str, Any]) -> Any:
    """Do ``action`` as ``who`` to an Independence case, the way the console would."""
    case = s["open"]
    if action == Action.VIEW:
        found = selectors.case_get_for_staff(user=who, city_slug="independence", number=case.number)
        return list(selectors.case_timeline(user=who, case=found))
    if action == Action.CREATE:
        lat, lng = INSIDE["independence"]
        return services.case_create(service_type=s["trash"], lat=lat, lng=lng, actor=who, channel="phone")
    if action == Action.NOTE:
        return services.case_add_note(case=case, actor=who, text="Seen", public=False)
    if action == Action.PHOTO:
        return services.case_add_photo(case=case, actor=who, upload=io.BytesIO(images.webp()))
    if action == Action.ASSIGN:
        # Taking the case oneself: every role that may assign at all may do that.
        return services.case_assign(case=case, actor=who, assignee=who)
    if action == Action.CHANGE_TYPE:
        return services.case_change_type(case=case, actor=who, service_type=s["other_type"])
    if action == Action.CHANGE_STATUS:
        return services.case_change_status(case=case, actor=who, status=Status.IN_PROGRESS)
    if action == Action.CLOSE:
        return services.case_close(case=case, actor=who, note="Done")
    if action == Action.REOPEN:
        return services.case_reopen(case=s["closed"], actor=who, reason="Back")
    raise AssertionError(f"no way to try {action} yet: add it here")


def _outcome(action: Action, who: User, s: dict[str, Any]) -> str:
    try:
        with transaction.atomic():
            _act(action, who, s)
            raise Rollback
    except Rollback:
        return "allowed"
    except PermissionDenied:
        return "denied"
    except ServiceRequest.DoesNotExist:
        return "not found"


def matrix_cells() -> list[tuple[Action, str, str]]:
    return [(action, role, where) for action in Action for role in Role.values for where in ("own", "other")]


def expected(action: Action, role: str, where: str) -> set[str]:
    if where == "own" and role in ALLOWED[action]:
        return {"allowed"}
    # Call takers take calls for the whole collaborative: staff who may enter cases in their
    # own city may enter one for another member city (docs/collaborative.md).
    if action == Action.CREATE and role in ALLOWED[action]:
        return {"allowed"}
    # A staff member who may not see a case is told it does not exist.
    return {"not found"} if action == Action.VIEW else {"denied"}


@pytest.mark.parametrize("action", list(Action))
def test_the_permission_matrix_holds_for_every_role_in_their_own_and_another_city(
    action, setting, independence, raytown, make_staff, trash
):
    wrong = []
    for _action, role, where in [c for c in matrix_cells() if c[0] == action]:
        city = None if role == Role.REGIONAL_ADMIN else (independence if where == "own" else raytown)
        if role == Role.REGIONAL_ADMIN and where == "other":
            continue  # a regional administrator belongs to no city
        who = make_staff(city, role, department=trash.department if city == independence else None)
        got = _outcome(action, who, setting)
        if got not in expected(action, role, where):
            wrong.append(f"{role} of {where} city: {got}, expected {expected(action, role, where)}")
    assert wrong == []
    assert ALLOWED[action], f"no role may {action}: the matrix would test refusals only"


@pytest.mark.parametrize("action", list(Action))
def test_an_inactive_account_can_do_nothing(action, setting, independence, make_staff, trash):
    gone = make_staff(independence, Role.CITY_ADMIN, department=trash.department, is_active=False)
    assert _outcome(action, gone, setting) in {"denied", "not found"}


# Residents report and track without an account (see the create and tracking tests).
@pytest.mark.parametrize("action", [a for a in Action if a not in (Action.CREATE, Action.VIEW)])
def test_no_account_at_all_can_do_nothing_as_staff(action, setting):
    assert _outcome(action, None, setting) == "denied"


def test_raytown_staff_see_nothing_of_independence(setting, raytown_supervisor, raytown, make_service_type):
    case = setting["open"]
    theirs = _raytown_case(raytown, make_service_type)
    assert list(selectors.case_list_for_staff(user=raytown_supervisor)) == [theirs]
    for queue in QUEUES:
        assert case not in selectors.case_queue(user=raytown_supervisor, queue=queue)
    with pytest.raises(ServiceRequest.DoesNotExist):
        selectors.case_get_for_staff(user=raytown_supervisor, city_slug="independence", number=case.number)
    with pytest.raises(PermissionDenied):
        selectors.case_timeline(user=raytown_supervisor, case=case)


def test_same_number_in_two_cities_resolves_to_ones_own(setting, raytown_supervisor, raytown, make_service_type):
    theirs = _raytown_case(raytown, make_service_type)
    assert theirs.number == setting["open"].number
    found = selectors.case_get_for_staff(user=raytown_supervisor, city_slug=raytown.slug, number=theirs.number)
    assert found == theirs


def test_a_regional_administrator_reads_no_case_details(setting, regional_admin):
    case = setting["open"]
    assert not selectors.case_list_for_staff(user=regional_admin).exists()
    for queue in QUEUES:
        assert not selectors.case_queue(user=regional_admin, queue=queue).exists()
    with pytest.raises(ServiceRequest.DoesNotExist):
        selectors.case_get_for_staff(user=regional_admin, city_slug="independence", number=case.number)
    with pytest.raises(PermissionDenied):
        selectors.case_timeline(user=regional_admin, case=case)


def test_an_inactive_account_reads_nothing(setting, independence, make_staff):
    gone = make_staff(independence, Role.SUPERVISOR, is_active=False)
    assert not selectors.case_list_for_staff(user=gone).exists()
    for queue in QUEUES:
        assert not selectors.case_queue(user=gone, queue=queue).exists()


def test_the_console_answers_404_to_another_citys_staff(setting, raytown_supervisor, supervisor, client):
    url = f"/console/cases/independence/{setting['open'].number}/"
    client.force_login(raytown_supervisor)
    assert client.get(url).status_code == 404
    client.force_login(supervisor)
    assert client.get(url).status_code == 200


def test_public_reads_never_list_a_confidential_case(report, independence, make_service_type):
    fraud = make_service_type(independence, "fraud", is_confidential=True)
    secret, ordinary = report(service_type=fraud), report()
    assert list(selectors.public_case_list(city=independence)) == [ordinary]
    assert secret not in selectors.public_case_list()
    # The reporter's own tracking link still finds it.
    assert selectors.case_by_tracking_token(secret.tracking_token) == secret


def test_the_public_timeline_holds_no_internal_event(report, supervisor, worker):
    case = services.case_assign(case=report(), actor=supervisor, assignee=worker)
    services.case_add_note(case=case, actor=worker, text="internal", public=False)
    services.case_add_note(case=case, actor=worker, text="public", public=True)
    services.case_add_photo(case=case, actor=worker, upload=io.BytesIO(images.webp()), public=False)
    timeline = list(selectors.public_timeline(case))
    assert all(e.is_public for e in timeline)
    assert [e.text for e in timeline if e.text] == [case.description, "public"]


def _raytown_case(raytown, make_service_type: Callable[..., Any]) -> ServiceRequest:
    lat, lng = INSIDE["raytown"]
    return services.case_create(service_type=make_service_type(raytown, "trash"), lat=lat, lng=lng)
