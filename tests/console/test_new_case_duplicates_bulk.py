"""Cases entered for callers, duplicates, bulk assignment and canned closing notes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicdesk.cases import services
from civicdesk.cases.models import CaseEvent, Channel, EventKind, Resolution, ServiceRequest, Status
from civicdesk.catalog.models import CannedResponse
from civicdesk.notifications.models import CaseFollower
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

NEW = reverse("console:new")


def url(name: str, case: ServiceRequest) -> str:
    return reverse(f"console:{name}", kwargs={"city": case.city.slug, "number": case.number})


def caller_form(service_type, **kw):
    lat, lng = INSIDE["independence"]
    data = {
        "service_type": service_type.pk,
        "lat": lat,
        "lng": lng,
        "address": "215 N Main St",
        "description": "Pothole swallowing tyres",
        "reporter_name": "Carla Caller",
        "reporter_email": "carla@example.org",
        "reporter_phone": "816-555-0101",
        "notify_reporter": "on",
        "channel": Channel.PHONE,
        "priority": "high",
    }
    data.update(kw)
    return data


def test_a_call_taker_enters_a_case_for_another_department(signed_in, call_taker, pothole, streets, outbox):
    assert call_taker.department != streets
    response = signed_in(call_taker).post(NEW, caller_form(pothole))
    case = ServiceRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == url("case", case)
    assert case.department == streets and case.service_type == pothole
    assert case.channel == Channel.PHONE and case.priority == "high" and case.created_by == call_taker
    assert case.reporter_name == "Carla Caller" and case.reporter_phone == "816-555-0101"
    assert case.events.get().kind == EventKind.CREATED
    mails = outbox()
    to_department = [m for m in mails if "streets@independence.test" in m.to]
    assert to_department and case.reference in to_department[0].subject
    assert any("carla@example.org" in m.to and "We received your report" in m.subject for m in mails)


def test_a_case_can_be_entered_with_an_address_only(signed_in, call_taker, pothole):
    response = signed_in(call_taker).post(NEW, caller_form(pothole, lat="", lng="", address="Truman Rd & Noland Rd"))
    assert response.status_code == 302
    case = ServiceRequest.objects.get()
    assert case.lat is None and case.address == "Truman Rd & Noland Rd" and case.city == call_taker.city


def test_the_form_says_what_is_missing_and_keeps_what_was_typed(signed_in, call_taker, pothole):
    response = signed_in(call_taker).post(
        NEW, caller_form(pothole, lat="", lng="", address="", reporter_email="carla@")
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Say where the problem is" in body and "Enter a valid email address." in body
    assert "Pothole swallowing tyres" in body
    assert not ServiceRequest.objects.exists()


def test_a_point_in_another_member_city_makes_that_citys_case_and_shows_its_reference(
    signed_in, call_taker, pothole, raytown, make_service_type
):
    make_service_type(raytown, "pothole")
    lat, lng = INSIDE["raytown"]
    client = signed_in(call_taker)
    response = client.post(NEW, caller_form(pothole, lat=lat, lng=lng))
    case = ServiceRequest.objects.get()
    assert case.city == raytown
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert case.reference in page and "Raytown" in page


def test_similar_open_cases_nearby_are_shown_before_saving(signed_in, call_taker, pothole, report):
    lat, lng = INSIDE["independence"]
    existing = report(service_type=pothole, lat=lat + 0.0005, lng=lng)  # about 55 m north
    report(service_type=pothole, lat=lat + 0.01, lng=lng)  # over a kilometre away
    client = signed_in(call_taker)
    response = client.post(NEW, caller_form(pothole))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Found similar open cases nearby" in body and existing.reference in body
    assert [n.case.pk for n in response.context["similar"]] == [existing.pk]
    assert ServiceRequest.objects.count() == 2  # nothing saved yet
    # The call taker decides it is a different pothole after all.
    client.post(NEW, {**caller_form(pothole), "confirm": "1"})
    assert ServiceRequest.objects.count() == 3


def test_the_similar_panel_refreshes_for_a_type_and_pin(signed_in, call_taker, pothole, trash, report):
    lat, lng = INSIDE["independence"]
    existing = report(service_type=pothole, lat=lat, lng=lng + 0.001)
    client = signed_in(call_taker)
    same = client.get(reverse("console:new_similar"), {"service_type": pothole.pk, "lat": lat, "lng": lng})
    other = client.get(reverse("console:new_similar"), {"service_type": trash.pk, "lat": lat, "lng": lng})
    assert existing.reference in same.content.decode()
    assert existing.reference not in other.content.decode()


def test_the_caller_can_follow_an_existing_case_instead(signed_in, call_taker, pothole, report):
    lat, lng = INSIDE["independence"]
    existing = report(service_type=pothole, lat=lat, lng=lng)
    response = signed_in(call_taker).post(url("case_follow", existing), caller_form(pothole, follow=existing.pk))
    assert response.status_code == 302
    assert CaseFollower.objects.filter(case=existing, email="carla@example.org", active=True).exists()
    note = existing.events.order_by("-pk").first()
    assert note.kind == EventKind.INTERNAL_NOTE and "carla@example.org" in note.text
    assert ServiceRequest.objects.count() == 1


def test_marking_a_duplicate_closes_it_and_its_reporter_follows_the_original(signed_in, worker, report, outbox):
    original = report(reporter_email="first@example.org")
    duplicate = report(reporter_email="second@example.org", reporter_name="Sam Second")
    outbox()
    response = signed_in(worker).post(url("case_duplicate", duplicate), {"original": str(original.number)})
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == Status.CLOSED and duplicate.resolution == Resolution.DUPLICATE
    assert duplicate.duplicate_of == original
    assert original.reference in duplicate.closing_note
    assert CaseFollower.objects.filter(case=original, email="second@example.org", active=True).exists()
    told = [m for m in outbox() if "second@example.org" in m.to and "closed" in m.subject]
    assert told and original.reference in told[0].body and "Duplicate" in told[0].body
    # And they hear of the original's next public note as a follower.
    services.case_add_note(case=original, actor=worker, text="Crew booked", public=True)
    assert any("second@example.org" in m.to and "Crew booked" in m.body for m in outbox())


def test_a_duplicate_of_an_unknown_case_is_explained(signed_in, worker, report):
    case = report()
    response = signed_in(worker).post(url("case_duplicate", case), {"original": "IND-99999"})
    assert response.status_code == 400
    assert "There is no case IND-99999 in your city." in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.NEW


def test_bulk_assign_assigns_each_case_and_reports_failures(signed_in, supervisor, worker, report):
    first, second = report(), report()
    closed = services.case_close(case=report(), actor=supervisor, note="Done")
    response = signed_in(supervisor).post(
        reverse("console:bulk_assign"),
        {"case": [first.pk, second.pk, closed.pk], "assignee": worker.pk, "next": "/console/overdue/"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/console/overdue/"
    for case in (first, second):
        case.refresh_from_db()
        assert case.assignee == worker
        assert case.events.filter(kind=EventKind.ASSIGNED).count() == 1
    closed.refresh_from_db()
    assert closed.assignee is None
    shown = [str(m) for m in response.context["messages"]]
    assert f"2 cases assigned to Will Worker: {first.reference}, {second.reference}." in shown
    assert any(closed.reference in m and "closed; reopen it first" in m for m in shown)


def test_bulk_assign_names_one_case_in_the_singular_and_the_department(signed_in, supervisor, streets, report):
    case = report()
    response = signed_in(supervisor).post(
        reverse("console:bulk_assign"), {"case": [case.pk], "department": streets.pk}, follow=True
    )
    shown = [str(m) for m in response.context["messages"]]
    assert shown == [f"1 case assigned to {streets.name}: {case.reference}."]


def test_bulk_assign_to_a_person_and_a_department_names_both(signed_in, supervisor, worker, streets, report):
    case = report()
    response = signed_in(supervisor).post(
        reverse("console:bulk_assign"),
        {"case": [case.pk], "assignee": worker.pk, "department": streets.pk},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == [
        f"1 case assigned to Will Worker ({streets.name}): {case.reference}."
    ]


def test_bulk_assign_of_many_cases_names_ten_and_counts_the_rest(signed_in, supervisor, worker, report):
    made = [report() for _ in range(12)]
    response = signed_in(supervisor).post(
        reverse("console:bulk_assign"), {"case": [c.pk for c in made], "assignee": worker.pk}, follow=True
    )
    named = ", ".join(c.reference for c in made[:10])
    assert [str(m) for m in response.context["messages"]] == [f"12 cases assigned to Will Worker: {named} and 2 more."]


def test_a_worker_taking_cases_in_bulk_is_told_they_are_theirs(signed_in, worker, report):
    first, second = report(), report()
    response = signed_in(worker).post(
        reverse("console:bulk_assign"), {"case": [first.pk, second.pk], "take": "1"}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == [
        f"2 cases are now yours: {first.reference}, {second.reference}."
    ]


def test_bulk_assign_in_spanish_says_casos_and_names_them(signed_in, supervisor, worker, report):
    first, second = report(), report()
    response = signed_in(supervisor).post(
        reverse("console:bulk_assign"),
        {"case": [first.pk, second.pk], "assignee": worker.pk},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert [str(m) for m in response.context["messages"]] == [
        f"2 casos asignados a Will Worker: {first.reference}, {second.reference}."
    ]


def test_bulk_assign_to_a_department_and_never_to_another_citys_case(
    signed_in, supervisor, streets, report, raytown, make_service_type
):
    mine = report()
    ray_type = make_service_type(raytown, "trash")
    lat, lng = INSIDE["raytown"]
    theirs = services.case_create(service_type=ray_type, lat=lat, lng=lng, description="x")
    response = signed_in(supervisor).post(
        reverse("console:bulk_assign"), {"case": [mine.pk, theirs.pk], "department": streets.pk}, follow=True
    )
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.department == streets and theirs.department != streets
    assert any("is not a case of your city" in str(m) for m in response.context["messages"])


def test_a_worker_bulk_assigning_to_others_is_told_per_case(signed_in, worker, supervisor, report):
    case = report()
    response = signed_in(worker).post(
        reverse("console:bulk_assign"), {"case": [case.pk], "assignee": supervisor.pk}, follow=True
    )
    case.refresh_from_db()
    assert case.assignee is None
    assert any("a supervisor assigns it to others" in str(m) for m in response.context["messages"])


def test_canned_responses_fill_the_closing_note(signed_in, worker, report, trash, pothole, independence):
    case = report()
    for_trash = CannedResponse.objects.create(
        city=independence, service_type=trash, title="Picked up", text="Our crew removed the items. Thank you!"
    )
    general = CannedResponse.objects.create(city=independence, title="No violation", text="We found no violation.")
    CannedResponse.objects.create(city=independence, service_type=pothole, title="Patched", text="Patched.")
    client = signed_in(worker)
    page = client.get(url("case", case))
    # The type's own responses first, then the city's general ones; never another type's.
    assert [c.pk for c in page.context["canned"]] == [for_trash.pk, general.pk]
    assert "Patched." not in page.content.decode()
    chosen = client.get(url("case", case), {"canned": for_trash.pk}).content.decode()
    assert (
        '<textarea name="note" id="close-note" rows="4" maxlength="10000" aria-describedby="close-note-help">Our crew removed the items. Thank you!</textarea>'
        in chosen
    )
    # Without JavaScript: picking the response and leaving the note empty closes with its text.
    client.post(url("case_close", case), {"resolution": "resolved", "canned": for_trash.pk, "note": ""})
    case.refresh_from_db()
    assert case.closing_note == "Our crew removed the items. Thank you!"
    assert CaseEvent.objects.filter(case=case, kind=EventKind.CLOSED).get().text == case.closing_note


def _submit_buttons(html: str, form_id: str) -> list[dict[str, str | None]]:
    """The submit buttons of the form ``form_id``, in the page's order."""
    from html.parser import HTMLParser

    class Buttons(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.depth, self.found = 0, []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            named = dict(attrs)
            if tag == "form":
                self.depth += 1 if named.get("id") == form_id or self.depth else 0
            elif self.depth and tag == "button" and named.get("type", "submit") == "submit":
                self.found.append(named)

        def handle_endtag(self, tag: str) -> None:
            if tag == "form" and self.depth:
                self.depth -= 1

    parser = Buttons()
    parser.feed(html)
    return parser.found


def test_enter_in_the_new_case_form_never_follows_a_similar_case(signed_in, call_taker, pothole, report):
    """A browser submits a form on Enter with its first submit button. The similar cases' "Add
    the caller as a follower" buttons come before "None of these: save as a new case": the first
    must be none of them, or Enter in the caller's email adds a follower and drops the call (it
    is a disabled one: Enter saves nothing either, test_call_taker_form.py)."""
    lat, lng = INSIDE["independence"]
    existing = report(service_type=pothole, lat=lat + 0.0005, lng=lng)
    client = signed_in(call_taker)
    for response in (
        client.post(NEW, caller_form(pothole)),  # the similar cases, shown before saving
        client.get(reverse("console:new")),
    ):
        buttons = _submit_buttons(response.content.decode(), "new-case-form")
        assert buttons, "the form has no submit button"
        first = buttons[0]
        assert first.get("formaction") is None and first.get("name") is None, first
    shown = _submit_buttons(client.post(NEW, caller_form(pothole)).content.decode(), "new-case-form")
    assert any(b.get("value") == str(existing.pk) and b.get("formaction") for b in shown)  # the follow is offered
    # That first button posts the form as typed: with similar cases nearby, it asks again, saves nothing.
    client.post(NEW, caller_form(pothole))
    assert ServiceRequest.objects.count() == 1
