"""The new-case form asks the chosen type's questions, as the portal does: swapped in by
htmx when a type is picked, or shown after a first submit without JavaScript, with
everything typed kept; the answers are saved with the case."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceAttribute
from tests.console.test_new_case_duplicates_bulk import caller_form

pytestmark = pytest.mark.django_db

NEW = reverse("console:new")
QUESTIONS = reverse("console:new_questions")


@pytest.fixture
def pothole_questions(pothole):
    ServiceAttribute.objects.create(
        service_type=pothole,
        code="size",
        datatype="singlevaluelist",
        question="How big is it?",
        required=True,
        values=[{"key": "small", "name": "Smaller than a plate"}, {"key": "large", "name": "Larger than a plate"}],
        order=1,
    )
    ServiceAttribute.objects.create(
        service_type=pothole,
        code="lanes",
        datatype="multivaluelist",
        question="Which lanes?",
        values=[{"key": "left", "name": "Left"}, {"key": "right", "name": "Right"}],
        order=2,
    )
    ServiceAttribute.objects.create(
        service_type=pothole,
        code="safety",
        datatype="string",
        question="If a car is damaged, call the police.",
        variable=False,
        order=0,
    )
    return pothole


def test_picking_a_type_swaps_in_its_questions(signed_in, call_taker, pothole_questions):
    html = signed_in(call_taker).get(QUESTIONS, {"service_type": pothole_questions.pk}).content.decode()
    assert "How big is it?" in html and 'name="attr_size"' in html and "Larger than a plate" in html
    assert 'name="attr_lanes"' in html and "If a car is damaged, call the police." in html
    assert f'name="questions_for" value="{pothole_questions.pk}"' in html


def test_the_type_select_asks_for_the_questions_with_htmx(signed_in, call_taker, pothole_questions):
    html = signed_in(call_taker).get(NEW).content.decode()
    assert f'hx-get="{QUESTIONS}"' in html and 'id="questions"' in html


def test_a_type_of_another_city_or_none_has_no_questions(
    signed_in, call_taker, pothole_questions, raytown, make_service_type
):
    theirs = make_service_type(raytown, "pothole")
    ServiceAttribute.objects.create(service_type=theirs, code="size", question="Raytown's question", required=True)
    client = signed_in(call_taker)
    assert "Raytown's question" not in client.get(QUESTIONS, {"service_type": theirs.pk}).content.decode()
    assert "attr_" not in client.get(QUESTIONS, {"service_type": "nope"}).content.decode()


def test_the_answers_are_saved_with_the_case(signed_in, call_taker, pothole_questions):
    form = caller_form(pothole_questions, questions_for=pothole_questions.pk, attr_size="large")
    form["attr_lanes"] = ["left", "right"]
    response = signed_in(call_taker).post(NEW, form)
    case = ServiceRequest.objects.get()
    assert response.status_code == 302
    assert case.attributes == {"size": "large", "lanes": ["left", "right"]}


def test_without_javascript_the_questions_come_after_a_first_submit_with_everything_kept(
    signed_in, call_taker, pothole_questions
):
    client = signed_in(call_taker)
    first = client.post(NEW, caller_form(pothole_questions))
    html = first.content.decode()
    assert first.status_code == 400 and not ServiceRequest.objects.exists()
    assert "Ask the caller the questions about the Pothole below, then save." in html
    assert "How big is it?" in html and "needs an answer" not in html and "This field is required" not in html
    for typed in ("Pothole swallowing tyres", "Carla Caller", "carla@example.org", "816-555-0101", "215 N Main St"):
        assert typed in html
    assert f'name="questions_for" value="{pothole_questions.pk}"' in html
    # The call taker asks, answers and saves: the page now sends the questions it showed.
    second = client.post(NEW, caller_form(pothole_questions, questions_for=pothole_questions.pk, attr_size="small"))
    assert second.status_code == 302
    assert ServiceRequest.objects.get().attributes == {"size": "small"}


def test_an_unanswered_required_question_is_named_and_nothing_is_saved(signed_in, call_taker, pothole_questions):
    response = signed_in(call_taker).post(NEW, caller_form(pothole_questions, questions_for=pothole_questions.pk))
    html = response.content.decode()
    assert response.status_code == 400 and not ServiceRequest.objects.exists()
    assert 'href="#id_attr_size"' in html and "How big is it?" in html and "Pothole swallowing tyres" in html


def test_a_bad_answer_from_the_service_is_shown_beside_its_question(signed_in, call_taker, pothole):
    ServiceAttribute.objects.create(service_type=pothole, code="depth", datatype="number", question="Depth in inches")
    response = signed_in(call_taker).post(NEW, caller_form(pothole, questions_for=pothole.pk, attr_depth="deep"))
    assert response.status_code == 400 and not ServiceRequest.objects.exists()
    errors = response.context["form"].errors
    assert "deep is not a number." in " ".join(errors["attr_depth"])


def test_a_type_without_questions_saves_on_the_first_submit(signed_in, call_taker, pothole):
    assert signed_in(call_taker).post(NEW, caller_form(pothole)).status_code == 302
    assert ServiceRequest.objects.get().attributes == {}
