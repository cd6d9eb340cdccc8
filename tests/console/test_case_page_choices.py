"""What the case page and the lists offer each person, and what each choice does: a department
alone takes the case from whoever had it; a worker is offered only what they may do; a refusal
names its box; a message is shown once."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from civicdesk.accounts.models import Role
from civicdesk.cases import services, transfers
from civicdesk.cases.models import ServiceRequest, Status
from civicdesk.cases.services import MAX_DESCRIPTION

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true", "HX-Target": "case-body"}


def url(name: str, case: ServiceRequest) -> str:
    return reverse(f"console:{name}", kwargs={"city": case.city.slug, "number": case.number})


def fresh(case: ServiceRequest) -> ServiceRequest:
    return ServiceRequest.objects.select_related("assignee", "department").get(pk=case.pk)


def _assign_form(body: str) -> str:
    return body[body.index('id="assign-person"') : body.index("</select>", body.index('id="assign-person"'))]


def test_reassigning_to_a_department_alone_takes_the_case_from_its_person(
    signed_in, supervisor, worker, streets, report
):
    case = services.case_assign(case=report(), actor=supervisor, assignee=worker)
    client = signed_in(supervisor)
    # The person list does not come with the current assignee chosen: a department alone means it.
    assert " selected" not in _assign_form(client.get(url("case", case)).content.decode())
    response = client.post(url("case_assign", case), {"assignee": "", "department": streets.pk}, headers=HTMX)
    assert response.status_code == 200
    assert f"Assigned to {streets.name}." in response.content.decode()
    case = fresh(case)
    assert (case.assignee, case.department, case.status) == (None, streets, Status.NEW)


def test_a_person_and_a_department_chosen_together_are_both_kept(signed_in, supervisor, worker, streets, report):
    case = report()
    signed_in(supervisor).post(url("case_assign", case), {"assignee": worker.pk, "department": streets.pk})
    case = fresh(case)
    assert (case.assignee, case.department) == (worker, streets)


def test_a_workers_own_case_does_not_offer_to_take_it(signed_in, worker, supervisor, report):
    case = report()
    client = signed_in(worker)
    assert "Take it myself" in client.get(url("case", case)).content.decode()
    services.case_assign(case=case, actor=worker, assignee=worker)
    assert "Take it myself" not in client.get(url("case", case)).content.decode()
    # A supervisor's own case: assigning to others stays, taking it is gone.
    services.case_assign(case=case, actor=supervisor, assignee=supervisor)
    body = signed_in(supervisor).get(url("case", case)).content.decode()
    assert 'id="assign-person"' in body and "Take it myself" not in body


@pytest.mark.parametrize(
    ("action", "data", "words"),
    [
        ("case_note", {"text": " ", "visibility": "public"}, "The note cannot be empty."),
        ("case_note", {"text": "n" * 10_001, "visibility": "public"}, "The note is longer than 10,000 characters."),
        (
            "case_close",
            {"note": ""},
            "The closing note cannot be empty: write one or choose a canned response.",
        ),
    ],
)
def test_a_refusal_names_the_box(signed_in, worker, report, action, data, words):
    case = report()
    response = signed_in(worker).post(url(action, case), data, headers=HTMX)
    body = response.content.decode()
    assert response.status_code == 400 and words in body and "This cannot be empty." not in body


def test_reopening_without_a_reason_names_the_reason(signed_in, worker, report):
    case = services.case_close(case=report(), actor=worker, note="Picked up")
    response = signed_in(worker).post(url("case_reopen", case), {"reason": ""}, headers=HTMX)
    assert response.status_code == 400 and "The reason cannot be empty." in response.content.decode()


def test_the_text_boxes_stop_at_the_servers_limit(signed_in, worker, supervisor, report):
    case = report()
    body = signed_in(supervisor).get(url("case", case)).content.decode()
    for box in ("note-text", "close-note", "assign-note", "dup-note"):
        assert re.search(rf'<textarea [^>]*id="{box}"[^>]*maxlength="{MAX_DESCRIPTION}"', body), box
    assert "Required: write a note or choose a canned response." in body
    services.case_close(case=case, actor=supervisor, note="Picked up")
    body = signed_in(worker).get(url("case", case)).content.decode()
    assert re.search(rf'<textarea [^>]*id="reopen-reason"[^>]*maxlength="{MAX_DESCRIPTION}"', body)


def test_a_note_that_fills_its_box_with_line_breaks_is_not_refused_as_too_long(signed_in, worker, report):
    # The browser counts a line break as one character against maxlength and sends it as two (CR LF).
    typed = ("x" * 99 + "\r\n") * (MAX_DESCRIPTION // 100)
    assert len(typed.replace("\r\n", "\n")) == MAX_DESCRIPTION < len(typed)
    case = report()
    response = signed_in(worker).post(url("case_note", case), {"text": typed, "visibility": "internal"}, headers=HTMX)
    assert response.status_code == 200, response.content.decode()[:300]
    assert case.events.filter(text__startswith="x" * 99 + "\n").exists()


def test_a_worker_is_offered_only_to_take_cases_in_bulk(signed_in, worker, supervisor, report):
    case = report()
    page = signed_in(worker).get("/console/?queue=all").content.decode()
    assert 'id="bulk-assignee"' not in page and 'id="bulk-department"' not in page
    assert "Take the selected cases myself" in page
    response = signed_in(worker).post(
        reverse("console:bulk_assign"), {"case": [case.pk], "take": "1", "next": "/console/?queue=all"}, follow=True
    )
    assert "was not assigned" not in response.content.decode()
    assert fresh(case).assignee == worker
    page = signed_in(supervisor).get("/console/?queue=all").content.decode()
    assert 'id="bulk-assignee"' in page and "Take the selected cases myself" not in page


def test_refusing_a_transfer_says_so_once(client, supervisor, report, raytown, make_staff):
    case = report()
    transfer = transfers.case_transfer(case=case, actor=supervisor, to_city=raytown, reason="Their road")
    client.force_login(make_staff(raytown, Role.SUPERVISOR))
    response = client.post(
        reverse("console:transfer_refuse", args=[transfer.pk]), {"reason": "It is yours"}, follow=True
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count(f"{case.reference} stays with Independence") == 1


def test_a_case_of_a_retired_type_shows_its_own_type_as_chosen_and_is_not_rerouted_by_one_click(
    signed_in, supervisor, pothole, trash, report
):
    case = report()
    trash.active = False
    trash.save()
    client = signed_in(supervisor)
    body = client.get(url("case", case)).content.decode()
    select = body[body.index('id="type-select"') : body.index("</select>", body.index('id="type-select"'))]
    assert re.findall(r'<option value="(\d+)" selected>([^<]*)<', select) == [
        (str(trash.pk), f"{trash.name} (retired)")
    ]
    # Pressing "Change type" without choosing another leaves the case where it is.
    response = client.post(url("case_type", case), {"service_type": trash.pk}, headers=HTMX)
    assert response.status_code == 400
    assert "The case is already of this type" in response.content.decode()
    assert fresh(case).service_type_id == trash.pk and fresh(case).department == trash.department


def test_the_case_list_still_filters_by_a_retired_type_that_has_cases(signed_in, supervisor, pothole, trash, report):
    case = report()
    trash.active = False
    trash.save()
    client = signed_in(supervisor)
    page = client.get("/console/?queue=all").content.decode()
    assert f'<option value="{trash.pk}">{trash.name} (retired)</option>' in page
    assert f">{pothole.name} (retired)<" not in page  # an active type is not marked
    listed = client.get(f"/console/?queue=all&service_type={trash.pk}").content.decode()
    assert case.reference in listed and "Select a valid choice" not in listed


def _form_of(body: str, action: str) -> str:
    start = body.index(f'<form method="post" action="{action}"')
    return body[start : body.index("</form>", start)]


def test_an_answer_is_written_in_the_form_used_or_above_what_replaced_it(signed_in, worker, report):
    case = report()
    client = signed_in(worker)
    noted = client.post(url("case_note", case), {"text": "Crew booked", "visibility": "public"}, headers=HTMX)
    body = noted.content.decode()
    assert body.count('id="case-answer"') == 1
    assert 'id="case-answer"' in _form_of(body, url("case_note", case)) and "data-keeps-place" in body
    assert 'role="status"' in _form_of(body, url("case_note", case))

    refused = client.post(url("case_close", case), {"note": ""}, headers=HTMX).content.decode()
    assert 'role="alert" id="case-answer"' in _form_of(refused, url("case_close", case))

    # Taking the case takes its assign form away (it is the worker's now): the answer heads the actions.
    taken = client.post(url("case_assign", case), {"take": "1"}, headers=HTMX).content.decode()
    assert 'id="assign-person"' not in taken and "Take it myself" not in taken
    actions = taken.index('id="actions-h"')
    assert actions < taken.index('id="case-answer"') < taken.index(f'action="{url("case_note", case)}"')

    closed = client.post(url("case_close", case), {"note": "Filled"}, headers=HTMX).content.decode()
    answer = closed.index('id="case-answer"')
    assert answer < closed.index(f'action="{url("case_reopen", case)}"') and "data-keeps-place" not in closed
    assert 'id="case-answer"' not in _form_of(closed, url("case_reopen", case))


def test_without_javascript_a_refusal_heads_the_page(signed_in, worker, report):
    case = report()
    body = signed_in(worker).post(url("case_close", case), {"note": ""}).content.decode()
    assert body.index('id="case-answer"') < body.index('class="case-head"')
