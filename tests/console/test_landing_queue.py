"""The console opens where each person's work is: a supervisor on their department's open
cases (not an empty "Mine"), a worker on "Mine", a call taker on the whole city's list; a
queue asked for in the URL still opens as asked; and an empty queue says so with a link to
where there is work ("Nothing is assigned to you. 2 cases are open in …")."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from civicdesk.accounts.models import Role
from civicdesk.cases import services

pytestmark = pytest.mark.django_db

HOME = reverse("console:home")


def listed(response) -> set[int]:
    return {case.number for case in response.context["page"].object_list}


def empty_row(response) -> str:
    """The words of the list's empty row, tags dropped."""
    found = re.search(r'<td colspan="9" class="empty-queue">(.*?)</td>', response.content.decode(), re.S)
    assert found, "the list is not empty"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip()


@pytest.fixture
def department_cases(report, pothole):
    """Two open cases of the supervisors' (trash) department, no one on them; one pothole case
    of another department; nothing assigned to anyone."""
    return {"trash": {report().number, report().number}, "pothole": report(service_type=pothole).number}


def test_a_supervisor_lands_on_their_departments_open_cases(signed_in, supervisor, department_cases):
    response = signed_in(supervisor).get(HOME)
    assert response.context["queue"] == "department"
    assert listed(response) == department_cases["trash"]
    assert '<a href="?queue=department" aria-current="page">' in response.content.decode()


def test_a_city_administrator_lands_on_their_departments_open_cases(signed_in, staff, department_cases):
    response = signed_in(staff[Role.CITY_ADMIN]).get(HOME)
    assert response.context["queue"] == "department"
    assert listed(response) == department_cases["trash"]


def test_a_supervisor_of_no_department_lands_on_the_citys_unassigned_cases(
    signed_in, independence, make_staff, department_cases
):
    chief = make_staff(independence, Role.SUPERVISOR)
    response = signed_in(chief).get(HOME)
    assert response.context["queue"] == "unassigned"
    assert listed(response) == department_cases["trash"] | {department_cases["pothole"]}


def test_a_worker_lands_on_mine_and_a_call_taker_on_all_of_the_city(
    signed_in, worker, call_taker, supervisor, report, department_cases
):
    theirs = services.case_assign(case=report(), actor=supervisor, assignee=worker)
    response = signed_in(worker).get(HOME)
    assert response.context["queue"] == "mine"
    assert listed(response) == {theirs.number}
    response = signed_in(call_taker).get(HOME)
    assert response.context["queue"] == "all"
    assert listed(response) == department_cases["trash"] | {department_cases["pothole"], theirs.number}


def test_a_queue_asked_for_in_the_url_opens_as_asked(signed_in, supervisor, department_cases):
    """A bookmark of "Mine", or the tab clicked: the landing choice never overrides it."""
    client = signed_in(supervisor)
    response = client.get(HOME, {"queue": "mine"})
    assert response.context["queue"] == "mine"
    assert listed(response) == set()
    response = client.get(HOME, {"queue": "all", "sort": "number"})
    assert response.context["queue"] == "all"
    assert len(listed(response)) == 3


def test_an_empty_mine_says_so_and_links_to_the_departments_open_cases(signed_in, supervisor, department_cases):
    response = signed_in(supervisor).get(HOME, {"queue": "mine"})
    department = supervisor.department.name
    assert empty_row(response) == f"Nothing is assigned to you. 2 cases are open in {department}."
    assert '<a href="?queue=department">2 cases are open in' in response.content.decode()


def test_an_empty_department_queue_points_to_the_unassigned_cases(
    signed_in, independence, make_staff, make_department, department_cases
):
    """A supervisor of a department with nothing open is told so, and where the city's open
    cases wait for someone."""
    parks = make_department(independence, "Parks")
    supervisor = make_staff(independence, Role.SUPERVISOR, department=parks)
    response = signed_in(supervisor).get(HOME)
    assert response.context["queue"] == "department"
    assert empty_row(response) == "No case is open in Parks. 3 open cases have no one assigned."
    assert '<a href="?queue=unassigned">3 open cases have no one assigned.</a>' in response.content.decode()


def test_an_empty_queue_with_nowhere_else_to_go_says_so_alone(signed_in, supervisor):
    response = signed_in(supervisor).get(HOME)
    assert empty_row(response) == f"No case is open in {supervisor.department.name}."


def test_a_filter_that_matches_nothing_still_says_no_cases_match(signed_in, supervisor, department_cases):
    response = signed_in(supervisor).get(HOME, {"queue": "department", "q": "no such words anywhere"})
    assert empty_row(response) == "No cases match."


def test_the_empty_queue_speaks_spanish(signed_in, supervisor, department_cases):
    client = signed_in(supervisor)
    with translation.override("es"):
        response = client.get(HOME, {"queue": "mine"}, headers={"accept-language": "es"})
    said = empty_row(response)
    assert said.startswith("No tiene ningún caso asignado."), said
    assert f"2 casos abiertos en {supervisor.department.name}." in said
