"""A city's short lists on staff pages (its types, districts, departments, assignable staff,
its agreements and the confidential types) are kept per process and read again when the
city's reference version moves (civicdesk/tenants/reference.py): the second visit reads none
of them, and every kind of change shows on the next page, in this process and in any other."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from civicdesk.accounts.models import Role, User
from civicdesk.cases import selectors
from civicdesk.catalog.models import ServiceType
from civicdesk.tenants import reference
from civicdesk.tenants.models import City, Department, District

pytestmark = pytest.mark.django_db

HOME = reverse("console:home")
LIST_TABLES = ("catalog_servicetype", "tenants_district", "tenants_department", "catalog_serviceagreement")


def version(city: City) -> int:
    return City.objects.values_list("reference_version", flat=True).get(pk=city.pk)


def options(page: bytes, select_name: str) -> list[str]:
    """The labels of a <select name=…>'s options, as a person sees them."""
    html = page.decode()
    found = re.search(rf'<select name="{select_name}"[^>]*>(.*?)</select>', html, re.S)
    assert found, f"no <select name={select_name}>"
    return re.findall(r"<option[^>]*>([^<]*)</option>", found.group(1))


def tables_read(queries: CaptureQueriesContext) -> set[str]:
    read = set()
    for query in queries.captured_queries:
        read.update(table for table in LIST_TABLES if f'FROM "{table}"' in query["sql"])
        if 'FROM "accounts_user"' in query["sql"] and '"accounts_user"."role" IN' in query["sql"]:
            read.add("staff")
    return read


@pytest.fixture
def district(independence: City) -> District:
    return District.objects.create(city=independence, name="Old Town", number=99, boundary=independence.boundary)


def test_the_second_visit_reads_none_of_the_lists_and_shows_the_same(
    signed_in: Callable[[User], Any], supervisor: User, district: District, report: Callable[..., Any]
) -> None:
    report()
    client = signed_in(supervisor)
    first = client.get(HOME, {"queue": "all"})
    with CaptureQueriesContext(connection) as queries:
        second = client.get(HOME, {"queue": "all"})
    assert second.status_code == 200
    assert tables_read(queries) == set(), [q["sql"][:120] for q in queries.captured_queries]
    for name in ("service_type", "district", "assignee", "department"):
        assert options(second.content, name) == options(first.content, name), name
    assert "Old Town" in options(second.content, "district")
    assert any(label.startswith("Sue Pervisor") for label in options(second.content, "assignee"))


def test_the_signed_in_user_is_read_with_their_city_and_department_in_the_session_s_query(
    signed_in: Callable[[User], Any], supervisor: User, report: Callable[..., Any]
) -> None:
    # civicdesk/accounts/backends.py: one query for the user, the city (without its limits,
    # tens of kB of GeoJSON) and the department, not one for the user and another for the rest.
    report()
    client = signed_in(supervisor)
    client.get(HOME, {"queue": "all"})
    with CaptureQueriesContext(connection) as queries:
        page = client.get(HOME, {"queue": "all"})
    assert page.status_code == 200
    users = [q["sql"] for q in queries.captured_queries if 'FROM "accounts_user"' in q["sql"]]
    assert len(users) == 1, users
    assert 'JOIN "tenants_city"' in users[0] and 'JOIN "tenants_department"' in users[0]
    assert '"boundary"' not in users[0]
    assert not [q for q in queries.captured_queries if q["sql"].startswith('SELECT "tenants_city"')]
    assert supervisor.city.name in page.content.decode() and supervisor.department.name in page.content.decode()


def test_each_kind_of_change_shows_on_the_next_page(
    signed_in: Callable[[User], Any],
    supervisor: User,
    independence: City,
    district: District,
    make_staff: Callable[..., User],
    make_department: Callable[..., Department],
    make_service_type: Callable[..., ServiceType],
    report: Callable[..., Any],
) -> None:
    report()
    client = signed_in(supervisor)
    client.get(HOME, {"queue": "all"})  # every list kept

    district.name = "Northwest"
    district.save()
    newcomer = make_staff(independence, Role.WORKER, first_name="Nora", last_name="Newcomer")
    parks = make_department(independence, "Parks")
    make_service_type(independence, "graffiti", name="Graffiti", department=parks)

    page = client.get(HOME, {"queue": "all"}).content
    assert "Northwest" in options(page, "district") and "Old Town" not in options(page, "district")
    assert any(label.startswith("Nora Newcomer") for label in options(page, "assignee"))
    assert "Parks" in options(page, "department")
    assert "Graffiti" in options(page, "service_type")

    newcomer.is_active = False
    newcomer.save()
    parks.active = False
    parks.save()
    page = client.get(HOME, {"queue": "all"}).content
    assert not any(label.startswith("Nora Newcomer") for label in options(page, "assignee"))
    assert "Parks" not in options(page, "department")


def test_a_change_committed_elsewhere_reaches_a_process_that_kept_the_old_lists(
    signed_in: Callable[[User], Any],
    supervisor: User,
    independence: City,
    district: District,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Another process's copy is simulated: the old list put back under the old version after
    the change. The version moves on commit, so the page reads the new list all the same."""
    client = signed_in(supervisor)
    client.get(HOME, {"queue": "all"})
    before = version(independence)
    stale = dict(reference._kept)
    with django_capture_on_commit_callbacks(execute=True):
        district.name = "Northeast"
        district.save()
    assert version(independence) == before + 1
    reference._kept.update(stale)  # what another process still holds
    assert "Northeast" in options(client.get(HOME, {"queue": "all"}).content, "district")


def test_a_sign_in_moves_no_version_and_a_rolled_back_change_none(
    client: Any, supervisor: User, independence: City, district: District, django_capture_on_commit_callbacks: Any
) -> None:
    before = version(independence)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.login(username=supervisor.username, password="a-long-test-password")
    assert version(independence) == before  # last_login is saved on every sign-in: nothing shown
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                district.name = "Never"
                district.save()
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert version(independence) == before


def test_a_staff_member_moved_to_another_city_leaves_the_old_citys_list(
    signed_in: Callable[[User], Any],
    supervisor: User,
    cities: dict[str, City],
    make_staff: Callable[..., User],
    report: Callable[..., Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    independence, raytown = cities["independence"], cities["raytown"]
    mover = make_staff(independence, Role.WORKER, first_name="Max", last_name="Mover")
    report()
    client = signed_in(supervisor)
    page = client.get(HOME, {"queue": "all"}).content
    assert any(label.startswith("Max Mover") for label in options(page, "assignee"))
    before = (version(independence), version(raytown))
    stale = dict(reference._kept)
    with django_capture_on_commit_callbacks(execute=True):
        mover.city = raytown
        mover.department = None
        mover.save()
    assert (version(independence), version(raytown)) == (before[0] + 1, before[1] + 1)
    reference._kept.update(stale)
    page = client.get(HOME, {"queue": "all"}).content
    assert not any(label.startswith("Max Mover") for label in options(page, "assignee"))


def test_an_agreement_and_a_confidential_type_change_what_the_list_holds(
    signed_in: Callable[[User], Any],
    supervisor: User,
    trash: ServiceType,
    report: Callable[..., Any],
) -> None:
    """The list's scope is kept too (cases.selectors._case_scope): a type made confidential
    leaves every non-investigator's list on the next page."""
    case = report(description="A sofa")
    client = signed_in(supervisor)
    assert case.number in {c.number for c in client.get(HOME, {"queue": "all"}).context["page"].object_list}
    trash.is_confidential = True
    trash.save()
    assert case.number not in {c.number for c in client.get(HOME, {"queue": "all"}).context["page"].object_list}


def test_a_city_saved_from_an_old_copy_does_not_write_back_its_version(
    independence: City, district: District, django_capture_on_commit_callbacks: Any
) -> None:
    old_copy = City.objects.get(pk=independence.pk)
    with django_capture_on_commit_callbacks(execute=True):
        district.name = "Moved on"
        district.save()
    moved = version(independence)
    old_copy.phone = "816-325-7000"
    old_copy.save()
    assert version(independence) == moved


def test_with_no_keeping_every_page_reads_the_lists(
    signed_in: Callable[[User], Any], supervisor: User, district: District, report: Callable[..., Any], settings: Any
) -> None:
    settings.REFERENCE_CACHE_SECONDS = 0
    report()
    client = signed_in(supervisor)
    client.get(HOME, {"queue": "all"})
    with CaptureQueriesContext(connection) as queries:
        client.get(HOME, {"queue": "all"})
    assert {"catalog_servicetype", "tenants_district", "tenants_department", "staff"} <= tables_read(queries)


def test_a_case_page_keeps_its_closing_notes_and_member_cities_and_shows_each_change(
    signed_in: Callable[[User], Any],
    supervisor: User,
    cities: dict[str, City],
    trash: ServiceType,
    report: Callable[..., Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The case page's closing notes (canned responses) and the member cities it may be handed
    to are kept like the lists above: the second visit reads neither, a note added or a city
    renamed shows on the next page, here and in a process that kept the old lists."""
    from civicdesk.catalog.models import CannedResponse

    independence, raytown = cities["independence"], cities["raytown"]
    general = CannedResponse.objects.create(city=independence, title="No violation", text="We found none.")
    case = report()
    page_url = reverse("console:case", args=[independence.slug, case.number])
    client = signed_in(supervisor)
    first = client.get(page_url)
    with CaptureQueriesContext(connection) as queries:
        second = client.get(page_url)
    read = " ".join(q["sql"] for q in queries.captured_queries)
    assert 'FROM "catalog_cannedresponse"' not in read and 'FROM "tenants_city"' not in read, read[:600]
    assert (
        options(second.content, "canned")
        == options(first.content, "canned")
        == ["— write my own —", "No violation (any type)"]
    )
    assert options(second.content, "to_city") == options(first.content, "to_city")
    assert "Raytown" in options(second.content, "to_city")

    # Changes in this process show on its next page.
    own = CannedResponse.objects.create(city=independence, service_type=trash, title="Picked up", text="Removed.")
    raytown.name = "City of Raytown"
    raytown.save()
    page = client.get(page_url).content
    assert options(page, "canned") == ["— write my own —", "Picked up", "No violation (any type)"]
    assert "City of Raytown" in options(page, "to_city") and "Raytown" not in options(page, "to_city")

    # Committed elsewhere: another process's old copies are read again all the same.
    stale = dict(reference._kept)
    with django_capture_on_commit_callbacks(execute=True):
        own.delete()
        general.title = "No violation found"
        general.save()
        raytown.name = "Raytown"
        raytown.save()
    reference._kept.update(stale)
    page = client.get(page_url).content
    assert options(page, "canned") == ["— write my own —", "No violation found (any type)"]
    assert "Raytown" in options(page, "to_city")


def tab_counts(page: bytes) -> dict[str, str]:
    """The number on each queue's tab, as a person reads it."""
    found = re.findall(r'href="\?queue=(\w+)"[^>]*>[^<]*<span class="count">([^<]+)</span>', page.decode())
    return dict(found)


def test_the_queues_queries_are_compiled_once_and_again_when_the_user_or_the_city_s_lists_change(
    signed_in: Callable[[User], Any],
    supervisor: User,
    independence: City,
    make_department: Callable[..., Department],
    report: Callable[..., Any],
    trash: ServiceType,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for _ in range(3):
        report()
    compiled: list[int] = []
    real = selectors.list_query
    monkeypatch.setattr(selectors, "list_query", lambda rows: compiled.append(1) or real(rows))
    client = signed_in(supervisor)
    first = tab_counts(client.get(HOME, {"queue": "all"}).content)
    assert len(compiled) == 5 and first["all"] == "3" and first["unassigned"] == "3"
    compiled.clear()
    report()
    again = tab_counts(client.get(HOME, {"queue": "all"}).content)
    assert len(compiled) == 1  # "overdue", as of now; the other four were kept
    assert again["all"] == "4" and again["unassigned"] == "4"  # kept queries, counted afresh

    compiled.clear()
    supervisor.department = make_department(independence, "Parks")
    supervisor.save()
    moved = tab_counts(client.get(HOME, {"queue": "all"}).content)
    assert len(compiled) == 5 and moved["department"] == "0"

    compiled.clear()
    trash.is_confidential = True  # a saved type moves the city's version: its cases leave every list
    trash.save()
    hidden = tab_counts(client.get(HOME, {"queue": "all"}).content)
    assert len(compiled) == 5 and hidden["all"] == "0" and hidden["unassigned"] == "0"
