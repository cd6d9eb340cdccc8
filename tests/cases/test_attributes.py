"""Answers to a service type's questions (Open311 attributes), checked at intake."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from civicdesk.catalog.attributes import clean_attributes
from civicdesk.catalog.models import Datatype, ServiceAttribute
from tests.cases.helpers import fresh

pytestmark = pytest.mark.django_db

COLOURS = [{"key": "red", "name": "Red"}, {"key": "blue", "name": "Blue"}, {"key": "green", "name": "Green"}]


@pytest.fixture
def questions(trash):
    def ask(code, datatype, question, **kw):
        return ServiceAttribute.objects.create(
            service_type=trash, code=code, datatype=datatype, question=question, **kw
        )

    ask("count", Datatype.NUMBER, "How many items?", required=True, order=1)
    ask("kind", Datatype.SINGLEVALUELIST, "What colour is it?", values=COLOURS, order=2)
    ask("also", Datatype.MULTIVALUELIST, "Which colours are there?", values=COLOURS, order=3)
    ask("seen", Datatype.DATETIME, "When did you see it?", order=4)
    ask("label", Datatype.STRING, "Any writing on it?", order=5)
    ask("story", Datatype.TEXT, "Tell us more", order=6)
    ask("notice", Datatype.STRING, "Bulk pickup is on Mondays.", variable=False, order=7)
    return trash


def errors_of(trash, answers):
    with pytest.raises(ValidationError) as err:
        clean_attributes(trash, answers)
    return err.value.message_dict


def test_valid_answers_of_every_datatype_are_stored_with_the_case(report, questions):
    answers = {
        "count": "3",
        "kind": "red",
        "also": ["blue", "green", "blue"],
        "seen": "2026-03-02T14:30:00-06:00",
        "label": " FREE ",
        "story": "Left here\nlast week",
    }
    case = fresh(report(attributes=answers))
    assert case.attributes == {
        "count": 3,
        "kind": "red",
        "also": ["blue", "green"],
        "seen": "2026-03-02T14:30:00-06:00",
        "label": "FREE",
        "story": "Left here\nlast week",
    }


def test_a_required_question_left_unanswered_is_named(questions):
    assert errors_of(questions, {}) == {"count": ["“How many items?” needs an answer."]}
    assert "count" in errors_of(questions, {"count": ""})
    assert "count" in errors_of(questions, {"count": []})


def test_an_answer_to_no_question_is_refused_not_dropped(questions):
    errors = errors_of(questions, {"count": 1, "colour_of_sky": "blue"})
    assert errors == {"colour_of_sky": ["“colour_of_sky” is not a question of Trash/Rubbish."]}


def test_an_informational_note_takes_no_answer(questions):
    assert "notice" in errors_of(questions, {"count": 1, "notice": "ok"})


def test_a_choice_that_is_not_offered_is_refused(questions):
    errors = errors_of(questions, {"count": 1, "kind": "purple"})
    assert errors == {"kind": ["“What colour is it?”: purple is not one of the choices."]}


def test_a_single_choice_takes_one_answer_only(questions):
    assert "only one answer" in errors_of(questions, {"count": 1, "kind": ["red", "blue"]})["kind"][0]


def test_several_choices_are_each_checked(questions):
    assert clean_attributes(questions, {"count": 1, "also": "red"})["also"] == ["red"]
    assert "purple, pink" in errors_of(questions, {"count": 1, "also": ["red", "purple", "pink"]})["also"][0]


@pytest.mark.parametrize("given,stored", [("3", 3), ("2.5", 2.5), (" 7 ", 7), (4, 4), ("-1", -1), ("1e2", 100)])
def test_numbers_are_read_from_text_or_numbers(questions, given, stored):
    assert clean_attributes(questions, {"count": given})["count"] == stored


@pytest.mark.parametrize("given", ["three", "NaN", "Infinity", "1,5", "0x10"])
def test_what_is_not_a_number_is_refused(questions, given):
    assert "is not a number" in errors_of(questions, {"count": given})["count"][0]


@pytest.mark.parametrize(
    "given,stored",
    [
        ("2026-03-02T14:30", "2026-03-02T14:30:00"),
        ("2026-03-02", "2026-03-02T00:00:00"),
        ("2026-03-02 14:30Z", "2026-03-02T14:30:00+00:00"),
    ],
)
def test_dates_and_times_are_stored_in_iso_form(questions, given, stored):
    assert clean_attributes(questions, {"count": 1, "seen": given})["seen"] == stored


@pytest.mark.parametrize("given", ["yesterday", "2026-02-30T10:00", "2026-13-01", "2026-02-30"])
def test_what_is_not_a_date_is_refused_clearly(questions, given):
    assert "is not a date and time" in errors_of(questions, {"count": 1, "seen": given})["seen"][0]


def test_text_answers_have_limits(questions):
    assert "longer than 500" in errors_of(questions, {"count": 1, "label": "x" * 501})["label"][0]
    assert clean_attributes(questions, {"count": 1, "story": "x" * 5000})["story"] == "x" * 5000


def test_nul_bytes_are_removed_from_answers(report, questions):
    # PostgreSQL's jsonb cannot hold \u0000: it would fail at the database, not here.
    case = fresh(report(attributes={"count": 1, "label": "FR\x00EE", "also": ["red\x00"]}))
    assert case.attributes["label"] == "FREE"
    assert case.attributes["also"] == ["red"]


def test_every_bad_answer_is_reported_at_once(questions):
    errors = errors_of(questions, {"kind": "purple", "seen": "soon", "bogus": 1})
    assert set(errors) == {"count", "kind", "seen", "bogus"}


def test_a_report_with_bad_answers_is_not_recorded(report, questions):
    with pytest.raises(ValidationError):
        report(attributes={"count": "lots"})
    assert not questions.cases.exists()
