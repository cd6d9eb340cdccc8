"""The case page: what it shows, and each action posted to it (as a plain form and as
htmx), each leaving its event in the audit log."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from civicdesk.cases import services
from civicdesk.cases.models import CaseEvent, EventKind, ServiceRequest, Status
from tests.cases import images
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true", "HX-Target": "case-body"}


def url(name: str, case: ServiceRequest) -> str:
    return reverse(f"console:{name}", kwargs={"city": case.city.slug, "number": case.number})


def kinds(case: ServiceRequest) -> list[str]:
    return list(CaseEvent.objects.filter(case_id=case.pk).order_by("at", "pk").values_list("kind", flat=True))


def fresh(case: ServiceRequest) -> ServiceRequest:
    return ServiceRequest.objects.select_related("assignee", "department", "service_type").get(pk=case.pk)


def test_the_case_page_marks_internal_notes_as_internal(signed_in, supervisor, report):
    case = report()
    services.case_add_note(case=case, actor=supervisor, text="Neighbour is the owner", public=False)
    services.case_add_note(case=case, actor=supervisor, text="Crew is coming Tuesday", public=True)
    body = signed_in(supervisor).get(url("case", case)).content.decode()
    internal = body[: body.index("Neighbour is the owner")].rsplit("<li", 1)[1]
    public = body[: body.index("Crew is coming Tuesday")].rsplit("<li", 1)[1]
    assert "event-internal" in internal and ">Internal<" in internal
    assert "event-public" in public and ">Public<" in public
    assert "A sofa dumped on the curb" in body and case.reference in body
    assert 'data-map data-lat="39.08' in body  # the pin for the map


def test_public_and_internal_notes_are_added_by_their_own_buttons(signed_in, worker, report, outbox):
    case = report(notify_reporter=True)
    client = signed_in(worker)
    outbox()
    sent_before = len(outbox())
    response = client.post(url("case_note", case), {"text": "Checked the alley", "visibility": "internal"})
    assert response.status_code == 302
    assert len(outbox()) == sent_before  # an internal note never reaches the resident
    client.post(url("case_note", case), {"text": "We will pick it up Friday", "visibility": "public"})
    assert kinds(case)[-2:] == [EventKind.INTERNAL_NOTE, EventKind.PUBLIC_NOTE]
    assert any("We will pick it up Friday" in m.body for m in outbox()[sent_before:])


def test_an_empty_note_is_refused_clearly_and_nothing_is_written(signed_in, worker, report):
    case = report()
    before = kinds(case)
    response = signed_in(worker).post(url("case_note", case), {"text": "  ", "visibility": "public"})
    assert response.status_code == 400
    assert "The note cannot be empty." in response.content.decode()
    assert kinds(case) == before


def test_htmx_actions_return_the_refreshed_case_only(signed_in, worker, report):
    case = report()
    response = signed_in(worker).post(
        url("case_note", case), {"text": "Seen it", "visibility": "internal"}, headers=HTMX
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.startswith('<div id="case-body"') and "<html" not in body
    assert "Seen it" in body and "Internal note added" in body


def test_htmx_errors_are_shown_in_the_case_with_what_was_typed(signed_in, worker, report):
    case = report()
    long = "x" * 10_001
    response = signed_in(worker).post(url("case_note", case), {"text": long, "visibility": "public"}, headers=HTMX)
    assert response.status_code == 400
    body = response.content.decode()
    assert "longer than 10,000 characters" in body and long in body


def test_photos_are_added_with_thumbnails_linking_to_the_full_photo(signed_in, worker, report):
    case = report()
    upload = SimpleUploadedFile("curb.jpg", images.jpeg_with_gps(), content_type="image/jpeg")
    response = signed_in(worker).post(url("case_photos", case), {"photos": [upload], "public": "on"})
    assert response.status_code == 302
    photo = case.photos.get()
    assert kinds(case)[-1] == EventKind.PHOTO_ADDED
    body = signed_in(worker).get(url("case", case)).content.decode()
    assert f'<a href="{photo.image.url}"><img src="{photo.thumbnail.url}"' in body


@pytest.mark.parametrize(
    ("language", "count", "public", "says"),
    [
        ("en", 1, True, "1 photo added: the resident can see it."),
        ("en", 2, False, "2 photos added (staff only)."),
        ("es", 1, False, "Se agregó 1 foto (solo personal)."),
        ("es", 3, True, "Se agregaron 3 fotos: el residente puede verlas."),
    ],
)
def test_adding_photos_says_how_many_and_who_can_see_them(signed_in, worker, report, language, count, public, says):
    case = report()
    client = signed_in(worker)
    client.cookies["django_language"] = language
    uploads = [
        SimpleUploadedFile(f"curb-{i}.jpg", images.jpeg_with_gps(), content_type="image/jpeg") for i in range(count)
    ]
    data = {"photos": uploads, **({"public": "on"} if public else {})}

    response = client.post(url("case_photos", case), data, follow=True)

    assert case.photos.count() == count
    assert [str(m) for m in response.context["messages"]] == [says]


def test_a_file_that_is_not_a_photo_is_refused(signed_in, worker, report):
    case = report()
    upload = SimpleUploadedFile("notes.jpg", b"not an image at all", content_type="image/jpeg")
    response = signed_in(worker).post(url("case_photos", case), {"photos": [upload]})
    assert response.status_code == 400
    assert case.photos.count() == 0


def test_a_supervisor_assigns_to_a_person_and_reassigns_to_a_department(
    signed_in, supervisor, worker, streets, report, outbox
):
    case = report()
    client = signed_in(supervisor)
    client.post(url("case_assign", case), {"assignee": worker.pk, "note": "Yours"})
    assert fresh(case).assignee == worker and fresh(case).status == Status.ASSIGNED
    assert any(worker.email in m.to and "Case assigned to you" in m.subject for m in outbox())
    client.post(url("case_assign", case), {"department": streets.pk})
    assert fresh(case).department == streets
    assert kinds(case).count(EventKind.ASSIGNED) == 2


def test_a_worker_can_take_a_case_but_not_give_it_to_someone_else(signed_in, worker, supervisor, report):
    case = report()
    client = signed_in(worker)
    assert client.post(url("case_assign", case), {"assignee": supervisor.pk}).status_code == 403
    assert fresh(case).assignee is None
    client.post(url("case_assign", case), {"take": "1"})
    assert fresh(case).assignee == worker


def test_assigning_to_another_citys_staff_is_refused(signed_in, supervisor, raytown, make_staff, report):
    case = report()
    stranger = make_staff(raytown)
    response = signed_in(supervisor).post(url("case_assign", case), {"assignee": stranger.pk})
    assert response.status_code == 400
    assert "Choose a person of your city." in response.content.decode()


def test_changing_the_type_reroutes_to_the_new_department(signed_in, worker, pothole, streets, report, outbox):
    case = report()
    signed_in(worker).post(url("case_type", case), {"service_type": pothole.pk})
    assert fresh(case).service_type == pothole and fresh(case).department == streets
    assert kinds(case)[-1] == EventKind.TYPE_CHANGED
    assert any(streets.email in m.to for m in outbox())


def test_changing_the_status(signed_in, worker, report):
    case = report()
    signed_in(worker).post(url("case_status", case), {"status": Status.IN_PROGRESS})
    assert fresh(case).status == Status.IN_PROGRESS
    assert kinds(case)[-1] == EventKind.STATUS_CHANGED


def test_an_invalid_transition_is_explained(signed_in, worker, report):
    case = report()
    response = signed_in(worker).post(url("case_status", case), {"status": Status.ASSIGNED})
    assert response.status_code == 400
    assert "Assign the case to someone to mark it assigned." in response.content.decode()


def test_closing_with_a_note_tells_the_resident_and_reopening_brings_it_back(signed_in, worker, report, outbox):
    case = report()
    client = signed_in(worker)
    client.post(url("case_close", case), {"resolution": "resolved", "note": "Picked up this morning"})
    assert fresh(case).status == Status.CLOSED and fresh(case).closing_note == "Picked up this morning"
    assert any("resident@example.org" in m.to and "Picked up this morning" in m.body for m in outbox())
    client.post(url("case_reopen", case), {"reason": "Dumped again"})
    assert fresh(case).status != Status.CLOSED
    assert kinds(case)[-2:] == [EventKind.CLOSED, EventKind.REOPENED]


def test_closing_without_a_note_is_refused(signed_in, worker, report):
    case = report()
    response = signed_in(worker).post(url("case_close", case), {"resolution": "resolved", "note": ""})
    assert response.status_code == 400 and fresh(case).status == Status.NEW


def test_a_closed_case_offers_reopen_not_close(signed_in, worker, report):
    case = services.case_close(case=report(), actor=worker, note="Done")
    body = signed_in(worker).get(url("case", case)).content.decode()
    assert url("case_reopen", case) in body and url("case_close", case) not in body


def test_get_on_an_action_is_not_allowed(signed_in, worker, report):
    case = report()
    assert signed_in(worker).get(url("case_close", case)).status_code == 405


def test_the_duplicate_box_gives_its_example_in_the_cases_own_city_numbers(
    signed_in, raytown, make_staff, make_service_type
):
    """A Raytown case duplicates another Raytown case: the box's example is RT-1042, not
    another member city's IND-1042."""
    lat, lng = INSIDE["raytown"]
    case = services.case_create(service_type=make_service_type(raytown, "trash"), lat=lat, lng=lng, description="Tires")
    client = signed_in(make_staff(raytown, "supervisor"))
    body = client.get(url("case", case)).content.decode()
    assert "Case number it duplicates (e.g. RT-1042)" in body and "IND-1042" not in body
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    assert "Número del caso que duplica (p. ej., RT-1042)" in client.get(url("case", case)).content.decode()


def _transfer_panel(body: str) -> str:
    start = body.index('<section aria-labelledby="transfer-h"')
    return body[start : body.index("</section>", start)]


def test_closing_by_htmx_takes_the_transfer_form_away_and_reopening_brings_it_back(signed_in, supervisor, report):
    """The hand-offs panel stands beside the case's body, which htmx replaces: the answer to an
    action carries the panel too (out of band), so a case closed in place no longer offers
    "Transfer to another member city", and one reopened offers it again."""
    case = report()
    client = signed_in(supervisor)
    opened = _transfer_panel(client.get(url("case", case)).content.decode())
    assert "Transfer to another member city" in opened and " hidden" not in opened.split(">", 1)[0]

    closed = client.post(url("case_close", case), {"resolution": "resolved", "note": "Picked up"}, headers=HTMX)
    assert closed.status_code == 200 and fresh(case).status == Status.CLOSED
    panel = _transfer_panel(closed.content.decode())
    opening = panel.split(">", 1)[0]
    assert 'hx-swap-oob="true"' in opening and " hidden" in opening
    assert "Transfer to another member city" not in panel
    assert 'id="case-body"' in closed.content.decode()

    reopened = client.post(url("case_reopen", case), {"reason": "Dumped again"}, headers=HTMX)
    assert reopened.status_code == 200 and fresh(case).is_open
    panel = _transfer_panel(reopened.content.decode())
    assert 'hx-swap-oob="true"' in panel.split(">", 1)[0] and " hidden" not in panel.split(">", 1)[0]
    assert "Transfer to another member city" in panel
    # A whole page (no htmx) has the panel in place, not out of band.
    assert "hx-swap-oob" not in _transfer_panel(client.get(url("case", case)).content.decode())
