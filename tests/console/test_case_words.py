"""The case page in the words staff use: the timeline names a changed field ("Type", "Due"),
a status or resolution by its label and a due date as a date, never by the codes the audit
log stores; a type's answers show under the question's words, a choice by its name."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import dateformat, timezone, translation

from civicdesk.accounts.models import User
from civicdesk.cases import services
from civicdesk.cases.changes import shown_changes
from civicdesk.cases.models import Resolution, ServiceRequest, Status
from civicdesk.catalog.models import ServiceAttribute, ServiceType
from civicdesk.tenants import reference
from civicdesk.tenants.models import City

pytestmark = pytest.mark.django_db


def page(client: Client, case: ServiceRequest, **headers: str) -> str:
    url = reverse("console:case", kwargs={"city": case.city.slug, "number": case.number})
    response = client.get(url, **headers)
    assert response.status_code == 200
    return response.content.decode()


def change_lines(body: str) -> list[str]:
    """The text of each line of changes in the timeline, tags stripped."""
    return [re.sub(r"<[^>]+>", "", line).strip() for line in re.findall(r'<li data-field="[^"]+">(.*?)</li>', body)]


def answer_rows(body: str) -> dict[str, tuple[str, str]]:
    """Each answer row: its question code → (the question shown, the answer shown)."""
    rows = re.findall(r'<tr data-question="([^"]+)"><th scope="row">(.*?)</th><td>(.*?)</td></tr>', body)
    return {code: (question, answer) for code, question, answer in rows}


def due_row(body: str) -> str:
    """The date of the details table's Due row."""
    found = re.search(r'<th scope="row">Due</th><td>(?:<span class="one-line">)?([^<]*?)\s*(?:<|$)', body)
    assert found, body
    return found[1]


def test_the_timeline_reads_in_words_not_codes(
    signed_in: Callable[[User], Client], supervisor: User, report: Callable[..., Any], pothole: ServiceType
) -> None:
    case = report()
    due_before = case.due_at
    services.case_assign(case=case, actor=supervisor, assignee=supervisor)
    services.case_change_status(case=case, actor=supervisor, status=Status.IN_PROGRESS)
    # Another department's type: the assignee is let go, the status is back to New, a new due date.
    services.case_change_type(case=case, actor=supervisor, service_type=pothole)
    case.refresh_from_db()
    services.case_close(case=case, actor=supervisor, note="Filled", resolution=Resolution.NO_ACTION)

    body = page(signed_in(supervisor), case)
    lines = change_lines(body)

    assert "Type: Trash/Rubbish → Pothole" in lines
    assert "Status: In progress → New" in lines
    assert "Status: New → Closed" in lines
    assert "Resolution: — → No action needed" in lines
    # The new due date as the details table shows it; the old one in the same format.
    assert f"Due: {dateformat.format(timezone.localtime(due_before), 'N j, Y')} → {due_row(body)}" in lines
    assert "Department: CD-NEIGHBORHOOD SERVICES → Public Works - Streets" in lines
    assert any(line.startswith("Assignee: ") and line.endswith("→ —") for line in lines)
    shown = " ".join(lines)
    for code in ("service_type", "due_at", "in_progress", "no_action", "resolution:", "status:", "T0", "+00:00"):
        assert code not in shown, (code, lines)


def test_the_timeline_reads_in_spanish(
    signed_in: Callable[[User], Client], supervisor: User, report: Callable[..., Any], pothole: ServiceType
) -> None:
    case = report()
    services.case_change_status(case=case, actor=supervisor, status=Status.IN_PROGRESS)
    services.case_change_type(case=case, actor=supervisor, service_type=pothole)
    lines = change_lines(page(signed_in(supervisor), case, HTTP_ACCEPT_LANGUAGE="es"))
    with translation.override("es"):
        expected_status = f"{Status.IN_PROGRESS.label} → {Status.NEW.label}"
    assert f"Estado: {expected_status}" in lines, lines
    assert "Tipo: Trash/Rubbish → Pothole" in lines, lines
    assert any(line.startswith("Fecha límite: ") for line in lines), lines


def test_shown_changes_never_hide_what_they_do_not_know() -> None:
    """A field or a value written by a later version (or by hand) still shows, as stored; the
    photo line is left to the event; a field that did not change is left out; a malformed
    entry is skipped, not an error."""
    rows = shown_changes(
        {
            "status": ["in_progress", "on_hold"],
            "crew_size": [None, 3],
            "photo": [None, 12],
            "due_at": ["not a date", None],
            "broken": "no pair",
            "department": ["Streets", "Streets"],
        }
    )
    assert [(r.field, r.label, r.before, r.after) for r in rows] == [
        ("status", "Status", "In progress", "on_hold"),
        ("crew_size", "Crew size", "", "3"),
        ("due_at", "Due", "not a date", ""),
    ]
    assert shown_changes(None) == [] and shown_changes({}) == []


def test_a_due_date_is_the_day_of_the_page_time_zone() -> None:
    """Stored in UTC with its offset, shown as the city's day: 05:00 UTC on December 10 is
    still December 9 in Missouri, 06:00 UTC is December 10."""
    (row,) = shown_changes({"due_at": ["2026-12-10T05:00:00+00:00", "2026-12-10T06:00:00+00:00"]})
    assert (row.before, row.after) == ("Dec. 9, 2026", "Dec. 10, 2026")


@pytest.fixture
def questions(pothole: ServiceType) -> ServiceType:
    ServiceAttribute.objects.create(
        service_type=pothole,
        code="size",
        datatype="singlevaluelist",
        question="How big is it?",
        values=[{"key": "small", "name": "Smaller than a plate"}, {"key": "large", "name": "Larger than a plate"}],
        order=2,
    )
    ServiceAttribute.objects.create(
        service_type=pothole,
        code="lanes",
        datatype="multivaluelist",
        question="Which lanes?",
        values=[{"key": "left", "name": "Left lane"}, {"key": "right", "name": "Right lane"}],
        order=1,
    )
    ServiceAttribute.objects.create(
        service_type=pothole, code="seen", datatype="datetime", question="When did you first see it?", order=3
    )
    ServiceAttribute.objects.create(
        service_type=pothole, code="depth", datatype="number", question="How deep, in inches?", order=4
    )
    return pothole


def test_answers_show_under_their_questions_in_the_types_order(
    signed_in: Callable[[User], Client], supervisor: User, report: Callable[..., Any], questions: ServiceType
) -> None:
    case = report(
        service_type=questions,
        attributes={"size": "large", "lanes": ["right", "left"], "seen": "2026-11-23T14:30", "depth": "4"},
    )
    body = page(signed_in(supervisor), case)
    rows = answer_rows(body)
    assert list(rows) == ["lanes", "size", "seen", "depth"]
    assert rows["lanes"] == ("Which lanes?", "Right lane, Left lane")
    assert rows["size"] == ("How big is it?", "Larger than a plate")
    assert rows["seen"] == ("When did you first see it?", "Nov. 23, 2026, 2:30 p.m.")
    assert rows["depth"] == ("How deep, in inches?", "4")


def test_a_changed_question_shows_on_the_next_page_and_a_removed_one_by_its_code(
    signed_in: Callable[[User], Client], supervisor: User, report: Callable[..., Any], questions: ServiceType
) -> None:
    case = report(service_type=questions, attributes={"size": "small", "depth": "2"})
    client = signed_in(supervisor)
    assert answer_rows(page(client, case))["size"] == ("How big is it?", "Smaller than a plate")

    size = ServiceAttribute.objects.get(service_type=questions, code="size")
    size.question = "About how big is it?"
    size.values = [{"key": "small", "name": "Plate-sized or smaller"}, {"key": "large", "name": "Bigger"}]
    size.save()
    ServiceAttribute.objects.get(service_type=questions, code="depth").delete()

    rows = answer_rows(page(client, case))
    assert rows["size"] == ("About how big is it?", "Plate-sized or smaller")
    assert rows["depth"] == ("depth", "2")  # the type no longer asks it: the answer stays, by its code


def test_after_a_type_change_the_earlier_types_answers_keep_their_words(
    signed_in: Callable[[User], Client],
    supervisor: User,
    report: Callable[..., Any],
    questions: ServiceType,
    trash: ServiceType,
) -> None:
    """A pothole re-typed as trash: the new type asks none of the pothole's questions, and the
    answers still read as the resident was asked them, "How big is it?" "Larger than a plate",
    not "size" "large", on an English page and on a Spanish one, after the new type's own."""
    ServiceAttribute.objects.create(service_type=trash, code="bags", datatype="number", question="How many bags?")
    case = report(service_type=questions, attributes={"size": "large", "lanes": ["left"], "depth": "4"})
    services.case_change_type(case=case, actor=supervisor, service_type=trash)
    case.refresh_from_db()
    case.attributes = {**case.attributes, "bags": "3"}
    case.save(update_fields=["attributes"])
    client = signed_in(supervisor)
    for language in ("en", "es"):
        rows = answer_rows(page(client, case, HTTP_ACCEPT_LANGUAGE=language))
        assert next(iter(rows)) == "bags"
        # On the Spanish page the city's words are marked as its English, the earlier type's too.
        assert "How many bags?" in rows["bags"][0] and rows["bags"][1] == "3"
        assert "How big is it?" in rows["size"][0] and "Larger than a plate" in rows["size"][1]
        assert "Which lanes?" in rows["lanes"][0] and "Left lane" in rows["lanes"][1]
        assert "How deep, in inches?" in rows["depth"][0] and rows["depth"][1] == "4"
    assert answer_rows(page(client, case))["size"] == ("How big is it?", "Larger than a plate")


def test_a_code_two_types_ask_differently_stays_a_code_after_a_type_change(
    signed_in: Callable[[User], Client],
    supervisor: User,
    report: Callable[..., Any],
    questions: ServiceType,
    trash: ServiceType,
    make_service_type: Callable[..., ServiceType],
) -> None:
    """ "size" means a pothole's size to one type and a sign's to another: on a case whose type
    asks neither, the answer cannot say which was asked, and reads as stored."""
    sign = make_service_type(questions.city, "sign", name="Damaged sign", department=questions.department)
    ServiceAttribute.objects.create(
        service_type=sign,
        code="size",
        datatype="singlevaluelist",
        question="How big is the sign?",
        values=[{"key": "large", "name": "Taller than a person"}],
    )
    case = report(service_type=questions, attributes={"size": "large", "depth": "4"})
    services.case_change_type(case=case, actor=supervisor, service_type=trash)
    rows = answer_rows(page(signed_in(supervisor), case))
    assert rows["size"] == ("size", "large")
    assert rows["depth"] == ("How deep, in inches?", "4")


def test_the_questions_are_read_once_per_city_and_not_at_all_without_answers(
    signed_in: Callable[[User], Client],
    supervisor: User,
    report: Callable[..., Any],
    questions: ServiceType,
    independence: City,
) -> None:
    answered = report(service_type=questions, attributes={"size": "small"})
    unanswered = report()
    client = signed_in(supervisor)
    reference.clear()

    def question_reads(case: ServiceRequest) -> int:
        with CaptureQueriesContext(connection) as queries:
            page(client, case)
        return sum(1 for q in queries.captured_queries if "catalog_serviceattribute" in q["sql"])

    assert question_reads(unanswered) == 0
    assert question_reads(answered) == 1
    assert question_reads(answered) == 0  # kept under the city's version
