"""A client that retries a POST with the same Idempotency-Key gets the first case back,
never a second one; another key, or another application, files a new report."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from civicdesk.cases.models import ServiceRequest
from civicdesk.notifications.models import OutboxMessage
from civicdesk.open311.services import api_key_create
from tests.api.test_open311_http import body, juris
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db


def report(client: Any, city: Any, api_key: str, key: str | None) -> Any:
    lat, lng = INSIDE["independence"]
    form = {
        "api_key": api_key,
        "service_code": "trash",
        "lat": str(lat),
        "long": str(lng),
        "description": "Old mattress",
        "email": "app.user@example.org",
        "attribute[bags]": "3",
        "attribute[kind]": "tyres",
        **juris(city),
    }
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post("/open311/v2/requests.json", form, **headers)


def test_a_retried_post_with_the_same_key_returns_the_first_case(client, independence, asks_everything, api_key):
    first = report(client, independence, api_key, "retry-1")
    again = report(client, independence, api_key, "retry-1")
    assert first.status_code == again.status_code == 201
    assert body(first)[0]["service_request_id"] == body(again)[0]["service_request_id"]
    assert ServiceRequest.objects.count() == 1
    # The resident is acknowledged once, not once per attempt.
    assert OutboxMessage.objects.filter(kind="case_created").count() == 1


def test_another_key_or_no_key_files_a_new_report(client, independence, asks_everything, api_key):
    report(client, independence, api_key, "a")
    report(client, independence, api_key, "b")
    report(client, independence, api_key, None)
    report(client, independence, api_key, None)
    assert ServiceRequest.objects.count() == 4


def test_the_same_key_from_another_application_is_its_own_report(client, independence, asks_everything, api_key):
    _, other_key = api_key_create(city=independence, name="Another app")
    report(client, independence, api_key, "shared-key")
    report(client, independence, other_key, "shared-key")
    assert ServiceRequest.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_attempts_racing_with_one_key_make_one_case(independence, asks_everything, api_key):
    from django.test import Client

    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: the race needs PostgreSQL's concurrent transactions")
    answers: list[str] = []
    start = threading.Barrier(2)

    def attempt() -> None:
        try:
            start.wait()
            response = report(Client(), independence, api_key, "race")
            answers.append(body(response)[0]["service_request_id"])
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(answers) == 2 and answers[0] == answers[1]
    assert ServiceRequest.objects.count() == 1
