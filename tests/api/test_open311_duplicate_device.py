"""A client that sends the same report from the same device again within the duplicate window
(OPEN311_DUPLICATE_WINDOW_SECONDS), without an Idempotency-Key, gets the first case back.
Without a device_id, with other content, from another device or application, or after the
window, it is a new report."""

from __future__ import annotations

import datetime as dt
import io
import threading
from typing import Any

import pytest
from django.db import connection
from django.db.models import F
from django.test import Client
from PIL import Image

from civicdesk.cases.models import ServiceRequest, SubmissionKey
from civicdesk.notifications.models import OutboxMessage
from civicdesk.open311.services import api_key_create
from tests.api.test_open311_http import body, juris
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db


def form(city: Any, api_key: str, **changes: Any) -> dict[str, Any]:
    lat, lng = INSIDE["independence"]
    fields = {
        "api_key": api_key,
        "service_code": "trash",
        "lat": str(lat),
        "long": str(lng),
        "description": "Old mattress by the curb",
        "email": "app.user@example.org",
        "device_id": "phone-7c1e",
        "attribute[bags]": "3",
        "attribute[kind]": "tyres",
        "attribute[hazards][]": ["glass", "oil"],
        **juris(city),
    }
    fields.update(changes)
    return {name: value for name, value in fields.items() if value is not None}


def post(client: Any, fields: dict[str, Any]) -> str:
    response = client.post("/open311/v2/requests.json", fields)
    assert response.status_code == 201, response.content
    return body(response)[0]["service_request_id"]


def age_every_submission(seconds: int) -> None:
    """Move the reports already filed ``seconds`` into the past (time passing, not a shortcut
    into the rule: the service only reads when their keys were received)."""
    SubmissionKey.objects.update(received_at=F("received_at") - dt.timedelta(seconds=seconds))


def test_the_same_device_sending_the_same_report_again_gets_the_first_case(
    client, independence, asks_everything, api_key
):
    first = post(client, form(independence, api_key))
    again = post(client, form(independence, api_key))
    assert first == again
    assert ServiceRequest.objects.count() == 1
    # The resident is acknowledged once, not once per attempt.
    assert OutboxMessage.objects.filter(kind="case_created").count() == 1


def test_a_retry_differing_only_in_spacing_case_of_email_and_order_of_answers_is_the_same_report(
    client, independence, asks_everything, api_key
):
    first = post(client, form(independence, api_key))
    again = post(
        client,
        form(
            independence,
            api_key,
            description="  Old mattress\nby the   curb ",
            email="App.User@Example.org",
            **{"attribute[hazards][]": ["oil", "glass"]},
        ),
    )
    assert first == again
    assert ServiceRequest.objects.count() == 1


def test_without_a_device_id_identical_reports_are_two_cases(client, independence, asks_everything, api_key):
    # Two residents of one app may well report the same dumped mattress in the same words.
    first = post(client, form(independence, api_key, device_id=None))
    second = post(client, form(independence, api_key, device_id=None))
    assert first != second
    assert ServiceRequest.objects.count() == 2


@pytest.mark.parametrize(
    "change",
    [
        {"description": "Old sofa by the curb"},
        {"attribute[bags]": "4"},
        {"attribute[hazards][]": ["glass"]},
        {"lat": str(INSIDE["independence"][0] + 0.001)},
        {"email": "someone.else@example.org"},
        {"device_id": "tablet-99a0"},
    ],
    ids=["description", "answer", "multi-select answer", "place", "email", "another device"],
)
def test_other_content_or_another_device_is_a_new_report(client, independence, asks_everything, api_key, change):
    first = post(client, form(independence, api_key))
    second = post(client, form(independence, api_key, **change))
    assert first != second
    assert ServiceRequest.objects.count() == 2


def test_an_address_report_is_the_same_whatever_the_case_of_its_address(client, independence, asks_everything, api_key):
    first = post(client, form(independence, api_key, lat=None, long=None, address_string="1 Main St"))
    again = post(client, form(independence, api_key, lat=None, long=None, address_string="1 MAIN  st"))
    other = post(client, form(independence, api_key, lat=None, long=None, address_string="2 Main St"))
    assert first == again != other


def test_the_same_content_from_another_application_is_its_own_report(client, independence, asks_everything, api_key):
    _, other_key = api_key_create(city=independence, name="Another app")
    first = post(client, form(independence, api_key))
    second = post(client, form(independence, other_key))
    assert first != second


def test_after_the_window_the_same_report_is_a_new_case_and_opens_its_own_window(
    client, independence, asks_everything, api_key, settings
):
    settings.OPEN311_DUPLICATE_WINDOW_SECONDS = 600
    first = post(client, form(independence, api_key))
    age_every_submission(599)
    assert post(client, form(independence, api_key)) == first
    age_every_submission(2)
    second = post(client, form(independence, api_key))
    assert second != first
    # A retry now belongs to the second report, whose window has just begun.
    assert post(client, form(independence, api_key)) == second
    assert ServiceRequest.objects.count() == 2


def test_a_window_of_zero_turns_the_rule_off(client, independence, asks_everything, api_key, settings):
    settings.OPEN311_DUPLICATE_WINDOW_SECONDS = 0
    post(client, form(independence, api_key))
    post(client, form(independence, api_key))
    assert ServiceRequest.objects.count() == 2


def jpeg(colour: str) -> io.BytesIO:
    image = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(image, "JPEG")
    image.seek(0)
    image.name = "curb.jpg"
    return image


def test_the_same_photo_is_the_same_report_and_another_photo_is_not(client, independence, asks_everything, api_key):
    first = post(client, form(independence, api_key, media=jpeg("red")))
    again = post(client, form(independence, api_key, media=jpeg("red")))
    other = post(client, form(independence, api_key, media=jpeg("blue")))
    assert first == again != other
    # The retry's photo was not added a second time.
    assert [case.photos.count() for case in ServiceRequest.objects.order_by("pk")] == [1, 1]


def test_an_idempotency_key_still_returns_its_case_after_the_window(client, independence, asks_everything, api_key):
    first = client.post("/open311/v2/requests.json", form(independence, api_key), HTTP_IDEMPOTENCY_KEY="k-1")
    age_every_submission(3600)
    again = client.post("/open311/v2/requests.json", form(independence, api_key), HTTP_IDEMPOTENCY_KEY="k-1")
    assert body(first)[0]["service_request_id"] == body(again)[0]["service_request_id"]
    assert ServiceRequest.objects.count() == 1


def race(fields: dict[str, Any], attempts: int) -> list[str]:
    answers: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(attempts)

    def attempt() -> None:
        try:
            start.wait()
            answers.append(post(Client(), fields))
        except BaseException as exc:  # a thread cannot fail the test itself: the test reads these
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return answers


@pytest.mark.django_db(transaction=True)
def test_identical_posts_racing_from_one_device_make_one_case(independence, asks_everything, api_key):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: the race needs PostgreSQL's concurrent transactions")
    answers = race(form(independence, api_key), attempts=4)
    assert len(answers) == 4 and len(set(answers)) == 1
    assert ServiceRequest.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_identical_posts_racing_after_the_window_make_one_new_case(independence, asks_everything, api_key):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: the race needs PostgreSQL's concurrent transactions")
    first = post(Client(), form(independence, api_key))
    age_every_submission(3600)
    answers = race(form(independence, api_key), attempts=4)
    assert len(answers) == 4 and len(set(answers)) == 1 and answers[0] != first
    assert ServiceRequest.objects.count() == 2
