"""Staff in the console: a call taker enters a case for another department, the assignee is
emailed and works it to the end, and the resident is told along the way."""

from __future__ import annotations

import pytest

from civicdesk.accounts.models import Role
from civicdesk.cases.models import Channel, EventKind, ServiceRequest, Status
from civicdesk.cases.services import case_add_note, case_assign, case_close, case_create
from tests.browser.conftest import delivered_mail, link_in, mail_to, screenshot, sign_in
from tests.conftest import INSIDE

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def staff(independence, catalogue, make_staff):
    """A call taker of the graffiti team and a worker of the pothole team, in Independence."""
    graffiti = catalogue["independence"]["graffiti"].department
    potholes = catalogue["independence"]["pothole"].department
    return {
        "call_taker": make_staff(independence, Role.CALL_TAKER, department=graffiti, username="carla"),
        "worker": make_staff(independence, Role.WORKER, department=potholes, username="walt"),
    }


def _phoned_in_pothole(catalogue, staff) -> ServiceRequest:
    """What the call taker's journey leaves behind, made through the same service."""
    lat, lng = INSIDE["independence"]
    return case_create(
        service_type=catalogue["independence"]["pothole"],
        description="Pothole outside 200 Main, the caller's tyre burst",
        lat=lat,
        lng=lng,
        channel=Channel.PHONE,
        attributes={"size": "large"},
        reporter_name="Cal Caller",
        reporter_email="cal@example.org",
        reporter_phone="816-555-0101",
        actor=staff["call_taker"],
    )


def test_a_call_taker_enters_a_case_for_another_department_and_it_is_routed_there(page, site, catalogue, staff):
    # Pothole: a type with a required question ("How big is it?"), asked as soon as it is picked.
    pothole = catalogue["independence"]["pothole"]
    assert pothole.department != staff["call_taker"].department

    page.goto("/console/new/")
    assert "/console/login/" in page.url
    screenshot(page, "console-login")
    sign_in(page, "carla")
    page.wait_for_url("**/console/new/")

    page.select_option("#id_service_type", label="Pothole")
    page.wait_for_selector("#id_attr_size")  # htmx swapped the type's questions in
    assert "If a car is damaged, call the police." in page.inner_text("#questions")
    page.select_option("#id_attr_size", label="Larger than a plate")
    page.check("input[name=attr_lanes][value=right]")
    page.fill("#id_description", "Pothole outside 200 Main, the caller's tyre burst")
    page.wait_for_selector("[data-map] .leaflet-overlay-pane path", state="attached")  # the city limits
    page.locator("[data-map]").click()
    assert page.input_value("#id_lat") != ""
    # The caller knew the spot exactly: the call taker types it over the click.
    lat, lng = INSIDE["independence"]
    page.fill("#id_lat", str(lat))
    page.fill("#id_lng", str(lng))
    page.fill("#id_address", "200 N Main St")
    page.select_option("#id_channel", "phone")
    page.fill("#id_reporter_name", "Cal Caller")
    page.fill("#id_reporter_phone", "816-555-0101")
    page.fill("#id_reporter_email", "cal@example.org")
    screenshot(page, "console-new-case")
    page.get_by_role("button", name="Save the case").click()
    page.wait_for_url("**/console/cases/independence/*/")

    case = ServiceRequest.objects.get()
    assert case.department == pothole.department and case.attributes == {"size": "large", "lanes": ["right"]}
    assert (case.channel, case.created_by, case.reporter_phone) == (Channel.PHONE, staff["call_taker"], "816-555-0101")
    assert case.reference in page.inner_text("h1")
    assert pothole.department.name in page.inner_text(".details")
    # The pothole team's shared inbox hears of it, with a link straight to the case.
    (to_team,) = mail_to(pothole.department.email)
    assert case.reference in to_team.subject + to_team.body
    assert link_in(to_team, f"{site}/console/cases/") == f"{site}/console/cases/independence/{case.number}/"
    assert page.errors == []


def test_the_assignee_follows_the_emailed_link_adds_a_public_note_and_closes_the_case(page, site, catalogue, staff):
    case = _phoned_in_pothole(catalogue, staff)
    case_assign(case=case, actor=staff["call_taker"], assignee=staff["worker"], note="Caller is waiting on this one")
    delivered_mail()

    (assigned,) = [m for m in mail_to(staff["worker"].email) if "Caller is waiting" in m.body]
    page.goto(link_in(assigned, f"{site}/console/"))
    sign_in(page, "walt")
    page.wait_for_url(f"**/console/cases/independence/{case.number}/")
    details = page.inner_text(".details")
    assert str(staff["worker"]) in details  # the assignee
    # The caller's answer, under the question they were asked and by the choice's name.
    assert "How big is it?\tLarger than a plate" in details and "size" not in details

    page.fill("#note-text", "Crew booked for Tuesday morning")
    page.click("button[name=visibility][value=internal]")
    page.wait_for_selector(".event-internal >> text=Crew booked for Tuesday morning")
    page.fill("#note-text", "We will fill this pothole on Tuesday")
    page.click("button[name=visibility][value=public]")
    page.wait_for_selector(".event-public >> text=We will fill this pothole on Tuesday")
    screenshot(page, "console-case")

    page.fill("#close-note", "Filled with hot asphalt on Tuesday. Thank you for calling.")
    page.click("form[action$='/close/'] button[type=submit]")
    page.wait_for_selector("#reopen-reason")  # a closed case offers to reopen it
    changes = page.inner_text("#case-body .changes >> nth=-1")
    assert "Status: Assigned → Closed" in changes and "Resolution: — → Resolved" in changes, changes
    screenshot(page, "console-case-closed")
    page.set_viewport_size({"width": 360, "height": 780})
    screenshot(page, "console-case-closed-360")

    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.closing_note == "Filled with hot asphalt on Tuesday. Thank you for calling."
    kinds = list(case.events.values_list("kind", "is_public", "actor"))
    assert (EventKind.PUBLIC_NOTE, True, staff["worker"].pk) in kinds
    assert (EventKind.INTERNAL_NOTE, False, staff["worker"].pk) in kinds
    assert page.errors == []


def test_the_resident_is_emailed_the_public_note_and_the_closing_and_tracks_it_to_the_end(page, site, catalogue, staff):
    case = _phoned_in_pothole(catalogue, staff)
    worker = staff["worker"]
    case_assign(case=case, actor=staff["call_taker"], assignee=worker)
    case_add_note(case=case, actor=worker, text="Crew booked for Tuesday morning", public=False)
    case_add_note(case=case, actor=worker, text="We will fill this pothole on Tuesday", public=True)
    case_close(case=case, actor=worker, note="Filled with hot asphalt on Tuesday.")

    acknowledged, updated, closed = mail_to("cal@example.org")
    assert case.reference in acknowledged.subject
    assert "We will fill this pothole on Tuesday" in updated.body
    assert "Filled with hot asphalt on Tuesday." in closed.body
    for message in (acknowledged, updated, closed):
        assert "Crew booked" not in message.body
        assert "Crew booked" not in "".join(str(alt[0]) for alt in getattr(message, "alternatives", []))

    tracking = link_in(closed, f"{site}/track/")
    assert link_in(updated, f"{site}/track/") == tracking
    page.goto(tracking)
    text = page.inner_text("main")
    assert page.inner_text("h1 .badge") == Status.CLOSED.label
    assert "Filled with hot asphalt on Tuesday." in text
    assert "We will fill this pothole on Tuesday" in text
    assert "Crew booked" not in page.content()
    assert "cal@example.org" not in page.content() and "816-555-0101" not in page.content()
    screenshot(page, "tracking-closed")
    assert page.errors == []
