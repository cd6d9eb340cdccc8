"""The console keeps a person's place in the case list for the rest of their sign-in: a
supervisor who filtered their department's list to potholes, opened a case and assigned it,
goes back through "Cases" (or the case page's "Back to …", which names the list) to the same
filtered list. A new sign-in opens the role's default; an address with its own list wins; a
kept filter or page that no longer holds is dropped quietly; each city has its own."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from civicdesk.accounts.models import Role
from civicdesk.cases import services
from civicdesk.cases.models import Status
from civicdesk.console.remembered import SESSION_KEY
from civicdesk.core.paging import KeysetPaginator
from civicdesk.tenants.models import District

pytestmark = pytest.mark.django_db

HOME = reverse("console:home")


def listed(response) -> set[int]:
    return {case.number for case in response.context["page"].object_list}


def case_page(case) -> str:
    return reverse("console:case", kwargs={"city": case.city.slug, "number": case.number})


def back_link(response) -> tuple[str, str]:
    """The case page's way back to the list: its address and its words, tags dropped."""
    found = re.search(r'<p class="back-to-list"><a href="([^"]+)">(.*?)</a></p>', response.content.decode(), re.S)
    assert found, "the case page has no way back to the list"
    return found.group(1), re.sub(r"<[^>]+>", "", found.group(2)).replace("← ", "").strip()


@pytest.fixture
def cases_of_two_types(report, pothole, supervisor):
    """Three open trash cases and two open potholes (one in progress), none assigned."""
    trash = [report() for _ in range(3)]
    potholes = [report(service_type=pothole), report(service_type=pothole)]
    services.case_change_status(case=potholes[1], actor=supervisor, status=Status.IN_PROGRESS)
    return {"trash": trash, "potholes": potholes}


@pytest.fixture
def pothole_list(pothole) -> dict[str, str]:
    return {"queue": "all", "service_type": str(pothole.pk), "status": Status.NEW}


def test_cases_goes_back_to_the_filtered_list_after_opening_a_case_and_assigning_it(
    signed_in, supervisor, worker, cases_of_two_types, pothole
):
    client = signed_in(supervisor)
    potholes = cases_of_two_types["potholes"]
    filtered = client.get(HOME, {"queue": "unassigned", "service_type": str(pothole.pk)})
    assert listed(filtered) == {case.number for case in potholes}

    assert client.get(case_page(potholes[0])).status_code == 200
    client.post(case_page(potholes[0]) + "assign/", {"assignee": worker.pk, "note": "Yours"})
    potholes[0].refresh_from_db()
    assert potholes[0].assignee == worker

    again = client.get(HOME)  # "Cases" in the menu, or the case page's "Back to …"
    assert again.context["queue"] == "unassigned"
    assert again.context["form"]["service_type"].value() == str(pothole.pk)
    # The same list, without the case just handed out: the next one is there to open.
    assert listed(again) == {potholes[1].number}
    # The address is then the list's own (console.js puts it in the address bar).
    assert again.context["list_address"] == f"{HOME}?queue=unassigned&service_type={pothole.pk}"


def test_the_case_page_says_which_list_it_goes_back_to(signed_in, supervisor, cases_of_two_types, pothole_list):
    client = signed_in(supervisor)
    first = cases_of_two_types["potholes"][0]
    # Before any list is looked at: the role's default.
    assert back_link(client.get(case_page(first))) == (HOME, "Back to My department")
    client.get(HOME, {**pothole_list, "queue": "department"})
    assert back_link(client.get(case_page(first))) == (HOME, "Back to My department · Pothole · New")
    client.get(HOME, {"queue": "unassigned", "q": "curb"})
    assert back_link(client.get(case_page(first))) == (HOME, "Back to Unassigned · “curb”")


def test_a_new_sign_in_opens_the_roles_default_list(supervisor, cases_of_two_types, pothole_list):
    client = Client()
    client.force_login(supervisor)
    client.get(HOME, pothole_list)
    assert client.get(HOME).context["queue"] == "all"

    client.post(reverse("console:logout"))
    client.force_login(supervisor)
    landing = client.get(HOME)
    assert landing.context["queue"] == "department"  # a supervisor's default
    assert landing.context["form"]["service_type"].value() in (None, "")
    assert listed(landing) == {case.number for case in cases_of_two_types["trash"]}


def test_signing_in_on_a_session_that_kept_a_list_forgets_it(client, supervisor, independence, cases_of_two_types):
    # A session that outlived its sign-in (Django keeps a session's data when the same person
    # signs in on it): the sign-in form opens the role's default all the same.
    session = client.session
    session[SESSION_KEY] = {str(independence.pk): {"cases": "queue=all&status=closed", "last": "cases"}}
    session.save()
    client.post(reverse("console:login"), {"username": supervisor.username, "password": "a-long-test-password"})
    assert SESSION_KEY not in client.session
    assert client.get(HOME).context["queue"] == "department"


def test_an_address_with_its_own_list_wins_and_becomes_the_one_kept(
    signed_in, supervisor, cases_of_two_types, pothole_list
):
    client = signed_in(supervisor)
    client.get(HOME, pothole_list)
    asked = client.get(HOME, {"queue": "unassigned"})
    assert asked.context["queue"] == "unassigned"
    assert asked.context["form"]["service_type"].value() in (None, "")
    assert asked.context["list_address"] == ""  # the address already says it
    assert client.get(HOME).context["queue"] == "unassigned"


def test_clear_filters_leaves_the_queue_alone_and_is_kept(signed_in, supervisor, cases_of_two_types, pothole_list):
    client = signed_in(supervisor)
    page = client.get(HOME, pothole_list).content.decode()
    clear = re.search(r'<a href="([^"]+)" id="clear-filters"', page)
    assert clear and clear.group(1) == "?queue=all"
    client.get(HOME + clear.group(1))
    kept = client.get(HOME)
    assert kept.context["queue"] == "all"
    assert kept.context["form"]["service_type"].value() in (None, "")
    assert len(listed(kept)) == 5


def test_the_htmx_list_loaded_in_place_is_kept(signed_in, supervisor, cases_of_two_types, pothole_list):
    client = signed_in(supervisor)
    # The filters' form sends every box, the empty ones too.
    sent = {**pothole_list, "q": "", "district": "", "channel": "", "opened_from": "", "opened_to": "", "sort": ""}
    loaded = client.get(HOME, sent, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    assert loaded.templates[0].name == "console/_results.html"
    kept = client.get(HOME)
    assert kept.context["form"]["service_type"].value() == pothole_list["service_type"]
    assert kept.context["form"]["status"].value() == Status.NEW
    # Only the boxes that hold something are kept.
    assert "q=" not in kept.context["list_address"]


def test_an_htmx_load_with_no_parameters_is_not_taken_for_a_return(
    signed_in, supervisor, cases_of_two_types, pothole_list
):
    client = signed_in(supervisor)
    client.get(HOME, pothole_list)
    loaded = client.get(HOME, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    assert loaded.context["queue"] == "department"


def test_a_kept_district_since_deleted_is_dropped_quietly(signed_in, supervisor, independence, cases_of_two_types):
    old_town = District.objects.create(city=independence, name="Old Town", number=99, boundary=independence.boundary)
    client = signed_in(supervisor)
    client.get(HOME, {"queue": "all", "district": str(old_town.pk), "status": Status.NEW})
    old_town.delete()
    kept = client.get(HOME)
    assert kept.status_code == 200
    assert not kept.context["form"].errors
    assert "A filter was left out" not in kept.content.decode()
    assert kept.context["form"]["status"].value() == Status.NEW  # the rest of the list is kept
    assert "district" not in kept.context["list_address"]
    assert listed(kept) == {c.number for c in cases_of_two_types["trash"]} | {cases_of_two_types["potholes"][0].number}


def test_a_kept_type_since_removed_is_dropped_quietly(
    signed_in, supervisor, independence, cases_of_two_types, make_service_type
):
    graffiti = make_service_type(independence, "graffiti", name="Graffiti")
    client = signed_in(supervisor)
    client.get(HOME, {"queue": "all", "service_type": str(graffiti.pk)})
    graffiti.delete()
    kept = client.get(HOME)
    assert not kept.context["form"].errors
    assert kept.context["queue"] == "all"
    assert len(listed(kept)) == 5
    # And what is kept now is the list shown.
    assert "service_type" not in client.session[SESSION_KEY][str(independence.pk)]["cases"]


def test_the_same_filter_in_the_address_is_still_said_to_be_wrong(signed_in, supervisor, cases_of_two_types):
    client = signed_in(supervisor)
    asked = client.get(HOME, {"queue": "all", "service_type": "999999"})
    assert "service_type" in asked.context["form"].errors  # what a person asked for is answered


def test_a_kept_page_past_a_list_that_shrank_opens_its_first_page(signed_in, supervisor, report, independence):
    for _ in range(27):
        report()
    client = signed_in(supervisor)
    second = client.get(HOME, {"queue": "all", "page": "2"})
    assert second.context["page"].number == 2
    for case in list(second.context["page"].object_list):
        services.case_close(case=case, actor=supervisor, note="Done")
    client.get(HOME, {"queue": "department", "page": "2"})
    # The department's open cases are now 25: one page.
    kept = client.get(HOME)
    assert kept.context["page"].number == 1
    assert "page" not in client.session[SESSION_KEY][str(independence.pk)]["cases"]


def test_a_kept_cursor_the_list_cannot_use_opens_the_first_page_without_a_word(
    signed_in, supervisor, report, independence, monkeypatch
):
    from civicdesk.core import paging

    for _ in range(4):
        report()
    # Lists of more than 2 cases page by keyset here (as lists of more than 10,000 do).
    monkeypatch.setattr(paging.CappedPaginator, "cap", 2)
    client = signed_in(supervisor)
    first = client.get(HOME, {"queue": "all", "status": Status.NEW})
    assert first.context["keyset"] is not None
    # A cursor made for another order of the list (the list changed its order since).
    other = KeysetPaginator(
        first.context["paginator"].object_list, 25, fields=["status", "pk"], descending=False
    ).cursor(first.context["page"].object_list[0], after=True)
    asked = client.get(HOME, {"queue": "all", "status": Status.NEW, "cursor": other})
    assert asked.context["keyset"].problem  # asked for in the address: said
    kept = client.get(HOME)
    assert kept.context["keyset"].problem == ""
    assert "no longer works" not in kept.content.decode()
    assert "cursor" not in client.session[SESSION_KEY][str(independence.pk)]["cases"]


def test_each_city_has_its_own_list(signed_in, supervisor, raytown, cases_of_two_types, pothole_list):
    client = signed_in(supervisor)
    client.get(HOME, pothole_list)
    # The account moved to another member city: that city's default, not a list of the other's types.
    supervisor.city = raytown
    supervisor.department = None
    supervisor.save()
    there = client.get(HOME)
    assert there.context["queue"] == "unassigned"  # a supervisor of no department's default
    assert there.context["form"]["service_type"].value() in (None, "")
    assert there.context["list_address"] == ""


def test_another_persons_session_keeps_nothing_of_this_one(supervisor, staff, cases_of_two_types, pothole_list):
    one, other = Client(), Client()
    one.force_login(supervisor)
    one.get(HOME, pothole_list)
    other.force_login(staff[Role.CITY_ADMIN])
    assert other.get(HOME).context["queue"] == "department"


def test_a_tab_keeps_the_filters_as_the_phones_choice_does(signed_in, supervisor, cases_of_two_types, pothole_list):
    client = signed_in(supervisor)
    page = client.get(HOME, {**pothole_list, "page": "1"}).content.decode()
    tabs = re.search(r'<nav class="queues" id="queue-tabs".*?</nav>', page, re.S)
    assert tabs
    unassigned = re.search(r'<a href="\?([^"]+)"[^>]*>Unassigned', tabs.group(0))
    assert unassigned
    query = unassigned.group(1).replace("&amp;", "&")
    assert f"service_type={pothole_list['service_type']}" in query
    assert "queue=unassigned" in query
    assert "page=" not in query  # a new queue opens at its first page
    shown = client.get(HOME + "?" + query)
    assert shown.context["queue"] == "unassigned"
    assert listed(shown) == {cases_of_two_types["potholes"][0].number}


def test_the_way_back_speaks_spanish(client, supervisor, cases_of_two_types, pothole_list):
    client.force_login(supervisor)
    client.get(HOME, {**pothole_list, "queue": "department"})
    with translation.override("es"):
        page = client.get(case_page(cases_of_two_types["potholes"][0]), headers={"accept-language": "es"})
    href, words = back_link(page)
    assert href == HOME
    # The city's type name is the city's words, marked English on a Spanish page.
    assert words == "Volver a Mi departamento · Pothole · Nuevo"
    assert 'lang="en">Pothole' in page.content.decode()
