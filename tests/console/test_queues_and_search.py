"""The case list: each queue, each filter, search by number, address and words, sorting,
pages and counts, through HTTP as staff use them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from civicdesk.cases import services
from civicdesk.cases.models import Channel
from civicdesk.core import clock
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

HOME = reverse("console:home")


def listed(response) -> set[int]:
    """Case numbers on the page, as the rows link to them."""
    return {case.number for case in response.context["page"].object_list}


@pytest.fixture
def world(report, supervisor, worker, pothole, raytown, make_service_type):
    """Independence cases in each queue, and a Raytown case no Independence user sees."""
    ten_days_ago = clock.now() - dt.timedelta(days=10)
    with clock.frozen_at(ten_days_ago):
        late = report(description="Old mattress", address="100 N Main St")
    mine = services.case_assign(case=report(address="1042 W Truman Rd"), actor=supervisor, assignee=worker)
    unassigned_pothole = report(service_type=pothole, description="Deep pothole by the school", channel=Channel.PHONE)
    closed = services.case_close(case=report(description="Tires"), actor=supervisor, note="Picked up")
    ray_type = make_service_type(raytown, "trash")
    lat, lng = INSIDE["raytown"]
    other_city = services.case_create(service_type=ray_type, lat=lat, lng=lng, description="Old mattress")
    return {"late": late, "mine": mine, "pothole": unassigned_pothole, "closed": closed, "raytown": other_city}


def test_each_queue_holds_its_cases_and_counts_them(signed_in, worker, world):
    client = signed_in(worker)
    expected = {
        "mine": {world["mine"].number},
        # The worker's department is the trash department: not the pothole.
        "department": {world["late"].number, world["mine"].number},
        "unassigned": {world["late"].number, world["pothole"].number},
        "overdue": {world["late"].number},
        "all": {world["late"].number, world["mine"].number, world["pothole"].number, world["closed"].number},
    }
    for queue, numbers in expected.items():
        response = client.get(HOME, {"queue": queue})
        assert response.status_code == 200
        assert listed(response) == numbers, queue
        assert response.context["queues"][list(expected).index(queue)][2] == len(numbers)


def test_the_default_queue_is_mine(signed_in, worker, world):
    assert listed(signed_in(worker).get(HOME)) == {world["mine"].number}


def test_filters_by_type_status_channel_district_and_dates(signed_in, supervisor, world, pothole):
    client = signed_in(supervisor)
    assert listed(client.get(HOME, {"queue": "all", "service_type": pothole.pk})) == {world["pothole"].number}
    assert listed(client.get(HOME, {"queue": "all", "status": "closed"})) == {world["closed"].number}
    assert listed(client.get(HOME, {"queue": "all", "channel": "phone"})) == {world["pothole"].number}
    district = world["mine"].district
    if district is not None:
        in_district = client.get(HOME, {"queue": "all", "district": district.pk})
        assert world["mine"].number in listed(in_district)
    today = clock.now().astimezone(world["mine"].city.tz).date()
    recent = client.get(HOME, {"queue": "all", "opened_from": (today - dt.timedelta(days=1)).isoformat()})
    assert world["late"].number not in listed(recent) and world["mine"].number in listed(recent)
    old = client.get(HOME, {"queue": "all", "opened_to": (today - dt.timedelta(days=5)).isoformat()})
    assert listed(old) == {world["late"].number}


def test_a_backwards_date_range_is_explained_not_crashed(signed_in, supervisor, world):
    response = signed_in(supervisor).get(HOME, {"queue": "all", "opened_from": "2025-05-02", "opened_to": "2025-05-01"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "The end date is before the start date." in body
    # The field says it is wrong and points at the message, which a screen reader then reads;
    # the dates typed stay in their fields.
    field = re.search(r'<input type="date" name="opened_to"[^>]*>', body)
    assert field and 'aria-invalid="true"' in field.group(0) and 'value="2025-05-01"' in field.group(0)
    described = re.search(r'aria-describedby="([^"]+)"', field.group(0))
    assert described and re.search(
        rf'<p class="field-error" id="{described.group(1)}">The end date is before the start date.</p>', body
    )
    assert re.search(r'<input type="date" name="opened_from" value="2025-05-02"', body)
    # One summary above the filters, linked to the box, focused on load (portal.js); the title says so.
    summary = re.search(
        r'<div id="filter-errors"><div class="error-summary"[^>]*data-error-summary>(.*?)</div>', body, re.S
    )
    assert summary and '<a href="#id_opened_to">Opened to: The end date is before the start date.</a>' in summary.group(
        1
    )
    assert body.count("data-error-summary") == 1
    assert re.search(r"<title>Error: Cases", body)


def test_a_backwards_date_range_loaded_by_htmx_brings_the_summary_and_the_message(signed_in, supervisor, world):
    client = signed_in(supervisor)
    asked = {"queue": "all", "status": "new", "opened_from": "2025-05-02", "opened_to": "2025-05-01"}
    body = client.get(HOME, asked, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results").content.decode()
    summary = re.search(r'<div id="filter-errors" hx-swap-oob="innerHTML">(.*?)</div>\s*</div>', body, re.S)
    assert summary and 'href="#id_opened_to"' in summary.group(1)
    assert re.search(
        r'<p class="field-error" id="id_opened_to_error" hx-swap-oob="true">The end date is before the start date.</p>',
        body,
    )
    assert re.search(r'<p class="field-error" id="id_opened_from_error" hx-swap-oob="true" hidden></p>', body)
    assert re.search(r"<title>Error: Cases", body)
    # Corrected: the summary and the message are emptied, the title is plain again.
    asked["opened_to"] = "2025-05-03"
    body = client.get(HOME, asked, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results").content.decode()
    assert re.search(r'<div id="filter-errors" hx-swap-oob="innerHTML">\s*</div>', body)
    assert re.search(r'<p class="field-error" id="id_opened_to_error" hx-swap-oob="true" hidden></p>', body)
    assert re.search(r"<title>Cases", body)


def test_a_backwards_date_range_in_spanish(signed_in, supervisor, world):
    body = (
        signed_in(supervisor)
        .get(HOME, {"queue": "all", "opened_from": "2025-05-02", "opened_to": "2025-05-01"}, HTTP_ACCEPT_LANGUAGE="es")
        .content.decode()
    )
    assert "Se omitió un filtro de la lista. Por favor, revise:" in body
    assert re.search(r"<title>Error: ", body)


def test_search_by_case_number_with_or_without_the_prefix(signed_in, supervisor, world):
    client = signed_in(supervisor)
    case = world["pothole"]
    assert listed(client.get(HOME, {"queue": "all", "q": case.reference})) == {case.number}
    assert listed(client.get(HOME, {"queue": "all", "q": case.reference.lower()})) == {case.number}
    assert case.number in listed(client.get(HOME, {"queue": "all", "q": str(case.number)}))


def test_search_by_address_and_by_words(signed_in, supervisor, world):
    client = signed_in(supervisor)
    assert listed(client.get(HOME, {"queue": "all", "q": "truman"})) == {world["mine"].number}
    # A bare number also finds a house number.
    assert world["mine"].number in listed(client.get(HOME, {"queue": "all", "q": "1042"}))
    assert listed(client.get(HOME, {"queue": "all", "q": "pothole school"})) == {world["pothole"].number}
    # Another city's case with the same words stays invisible.
    assert listed(client.get(HOME, {"queue": "all", "q": "mattress"})) == {world["late"].number}
    assert listed(client.get(HOME, {"queue": "all", "q": world["raytown"].reference})) == set()


def test_columns_sort_both_ways(signed_in, supervisor, world):
    client = signed_in(supervisor)
    ascending = [c.number for c in client.get(HOME, {"queue": "all", "sort": "opened"}).context["page"]]
    descending = [c.number for c in client.get(HOME, {"queue": "all", "sort": "-opened"}).context["page"]]
    assert ascending[0] == world["late"].number and descending == ascending[::-1]
    by_type = [c.service_type.name for c in client.get(HOME, {"queue": "all", "sort": "type"}).context["page"]]
    assert by_type == sorted(by_type)
    # An unknown sort falls back to the newest first instead of failing.
    assert client.get(HOME, {"queue": "all", "sort": "password"}).status_code == 200


def headings(html: str) -> list[str]:
    """The case list's column headings, as read (sort arrows left out)."""
    head = html.split("<thead>")[1].split("</thead>")[0]
    return [re.sub(r"<[^>]+>|[▲▼]", "", cell).strip() for cell in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)][1:]


def test_the_unassigned_queue_heads_its_department_column_as_such_and_sorts_by_it(signed_in, supervisor, world):
    client = signed_in(supervisor)
    response = client.get(HOME, {"queue": "unassigned"})
    assert headings(response.content.decode()) == [
        "Case",
        "Type",
        "Status",
        "Where",
        "District",
        "Department",
        "Opened",
        "Due",
    ]
    # Elsewhere the column holds the person who has the case, else its department.
    assert "Assigned to" in headings(client.get(HOME, {"queue": "all"}).content.decode())
    up = [c.department.name for c in client.get(HOME, {"queue": "unassigned", "sort": "department"}).context["page"]]
    down = [c.department.name for c in client.get(HOME, {"queue": "unassigned", "sort": "-department"}).context["page"]]
    assert len(set(up)) == 2 and up == sorted(up) and down == sorted(up, reverse=True)
    spanish = client.get(HOME, {"queue": "unassigned"}, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Departamento" in headings(spanish) and "Asignado a" not in headings(spanish)
    spanish = client.get(HOME, {"queue": "all"}, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Asignado a" in headings(spanish)


def test_the_list_is_paged(signed_in, supervisor, report):
    for n in range(27):
        report(description=f"Bag {n}")
    client = signed_in(supervisor)
    first = client.get(HOME, {"queue": "all"})
    second = client.get(HOME, {"queue": "all", "page": 2})
    assert len(first.context["page"]) == 25 and len(second.context["page"]) == 2
    assert listed(first).isdisjoint(listed(second))
    assert "Page 1 of 2" in first.content.decode()


def test_htmx_filtering_returns_only_the_results(signed_in, supervisor, world):
    response = signed_in(supervisor).get(HOME, {"queue": "all"}, headers={"HX-Request": "true", "HX-Target": "results"})
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results">') and "<html" not in body


def test_overdue_view_says_how_late_against_the_target(signed_in, supervisor, world):
    response = signed_in(supervisor).get(reverse("console:overdue"))
    rows = response.context["rows"]
    assert [row["case"].number for row in rows] == [world["late"].number]
    assert rows[0]["late"].days == 5  # opened 10 days ago, 5 target days
    body = response.content.decode()
    assert "5 days" in body and world["late"].reference in body
    # The case has no one yet: its department is named, under a heading that fits both.
    assert "Assigned to" in headings(body) and world["late"].department.name in body


def test_each_row_names_its_assignee_type_district_and_links_to_its_case(
    signed_in, supervisor, worker, world, make_staff, independence
):
    # The list's query joins the type, department and district; the city is the staff member's
    # and the assignees are the city's staff the page lists anyway. Someone no longer active
    # is not among those: their row still names them, read once for the page.
    gone = make_staff(independence, first_name="Dana", last_name="Left")
    services.case_assign(case=world["pothole"], actor=supervisor, assignee=gone)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    client = signed_in(supervisor)
    client.get(HOME, {"queue": "all"})  # the session and caches warmed
    with CaptureQueriesContext(connection) as queries:
        page = client.get(HOME, {"queue": "all"}).content.decode()
    sqls = [q["sql"] for q in queries.captured_queries]  # the next request clears the log
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    rows = {
        int(m["number"]): m["row"]
        for m in re.finditer(r'(?P<row><tr.*?href="/console/cases/[^/]+/(?P<number>\d+)/".*?</tr>)', body, re.S)
    }
    assert set(rows) == listed(client.get(HOME, {"queue": "all"}))
    assert str(worker) in rows[world["mine"].number] and str(gone) in rows[world["pothole"].number]
    assert world["pothole"].service_type.name in rows[world["pothole"].number]
    assert f'href="/console/cases/independence/{world["late"].number}/"' in rows[world["late"].number]
    # No query of the cases joins the city or the assignee; no row asks for its own.
    listing = [sql for sql in sqls if "ORDER BY" in sql and 'FROM "cases_servicerequest"' in sql]
    assert listing and all('JOIN "tenants_city"' not in sql and 'JOIN "accounts_user"' not in sql for sql in listing)
    # The signed-in user, their city and department, the staff listed, the inactive assignee.
    assert sum('FROM "accounts_user"' in sql for sql in sqls) <= 4


@pytest.mark.parametrize(
    ("language", "words"), [("en", "Search: case number ({} or 1042)"), ("es", "Buscar: número de caso ({} o 1042)")]
)
def test_the_search_gives_its_example_in_the_readers_own_citys_case_numbers(
    client, independence, raytown, make_staff, language, words
):
    """A Raytown supervisor's cases are RT-…: the box's example is RT-1042, not another
    member city's IND-1042, which would find nothing of theirs."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(make_staff(raytown, "supervisor"))
    html = client.get(HOME).content.decode()
    assert words.format("RT-1042") in html
    assert "IND-1042" not in html
    client.force_login(make_staff(independence, "supervisor"))
    assert words.format("IND-1042") in client.get(HOME).content.decode()
