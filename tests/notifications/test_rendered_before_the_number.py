"""A new case's emails are rendered before the city's number lock is taken, and written with
the case's own number.

Rendering the acknowledgement and the department's email takes longer than writing the case's
rows; under the lock, every other report of the city would wait for it
(cases.invariants.case_numbers_take). They are rendered while the case's number is a stand-in
(``signals.case_numbering``) and the stand-in is replaced once the number is taken.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.signals import template_rendered
from django.utils import timezone

from civicdesk.cases import services
from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.notifications.models import OutboxMessage
from civicdesk.tenants.models import City
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

STAND_IN = re.compile(r"\d{18}")


@pytest.fixture
def order() -> Iterator[list[str]]:
    """What happened, in order: "render <template>" for each email template rendered, "number"
    when the city's next case number is taken."""
    seen: list[str] = []

    def rendered(sender: Any, template: Any, **kwargs: Any) -> None:
        if (template.name or "").startswith("notifications/email/"):
            seen.append(f"render {template.name}")

    def watch(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append("number" if "next_case_number = next_case_number +" in sql else f"sql {sql}")
        return execute(sql, params, many, context)

    template_rendered.connect(rendered)
    try:
        with connection.execute_wrapper(watch):
            yield seen
    finally:
        template_rendered.disconnect(rendered)


def file(service_type: ServiceType, **kw: Any) -> ServiceRequest:
    lat, lng = INSIDE[service_type.city.slug]
    return services.case_create(service_type=service_type, lat=lat, lng=lng, **kw)


def test_the_emails_are_rendered_before_the_number_is_taken_and_carry_the_number(
    trash: ServiceType, order: list[str]
) -> None:
    case = file(trash, description="Bags by the curb", reporter_email="ana@resident.test", language="es")
    assert "number" in order
    taken = order.index("number")
    renders = [step for step in order if step.startswith("render ")]
    assert {"render notifications/email/case_created.txt", "render notifications/email/case_assigned.txt"} <= set(
        renders
    )
    assert all(order.index(step) < taken for step in renders), order

    messages = {m.recipient: m for m in OutboxMessage.objects.filter(case=case)}
    assert set(messages) == {"ana@resident.test", "neighborhood@independence.test"}
    ack, staff = messages["ana@resident.test"], messages["neighborhood@independence.test"]
    assert ack.subject.startswith(f"[{case.reference}] ")
    assert case.reference in ack.body_text and case.reference in ack.body_html
    tracking = f"{settings.SITE_URL}/track/{case.tracking_token}/"
    assert tracking in ack.body_text, ack.body_text
    assert f"/console/cases/{case.city.slug}/{case.number}/" in staff.body_text
    assert staff.subject.startswith(f"[{case.reference}] ")
    for message in messages.values():
        for text in (message.subject, message.body_text, message.body_html):
            assert not STAND_IN.search(text), text


def test_a_confidential_cases_notices_are_rendered_before_the_number_too(
    independence: City, make_service_type: Callable[..., ServiceType], order: list[str]
) -> None:
    fraud = make_service_type(independence, "fraud", name="Fraud hotline", is_confidential=True)
    case = file(fraud, description="Someone is billing for work not done", reporter_email="tip@resident.test")
    taken = order.index("number")
    assert "render notifications/email/confidential_notice.txt" in order[:taken]
    notices = list(OutboxMessage.objects.filter(case=case))
    assert notices and all(m.kind.endswith("_confidential") for m in notices)
    staff = next(m for m in notices if m.recipient != "tip@resident.test")
    assert f"/console/cases/{case.city.slug}/{case.number}/" in staff.body_text
    for message in notices:
        # No case number in a confidential notice's subject or words, stand-in or real.
        assert case.reference not in message.subject and not STAND_IN.search(message.body_text)


def test_under_the_number_lock_only_rows_are_written(trash: ServiceType, order: list[str]) -> None:
    """Once the number is taken, nothing is read or rendered: the area alerts' subscribers
    were found and their emails rendered before, and every email is written with one
    statement."""
    from civicdesk.notifications.models import AlertOn, AreaKind, AreaSubscription

    AreaSubscription.objects.create(
        email="watcher@resident.test",
        area=AreaKind.CITY,
        city=trash.city,
        on=AlertOn.BOTH,
        active=True,
        confirmed_at=timezone.now(),
    )
    case = file(trash, description="Bags", reporter_email="ana@resident.test")
    after = [step for step in order[order.index("number") + 1 :] if step.startswith("sql ")]
    assert not [step for step in after if step.startswith("sql SELECT")], after
    outbox_inserts = [step for step in after if step.startswith('sql INSERT INTO "notifications_outboxmessage"')]
    # The acknowledgement, the department's email and the alert: one statement.
    assert len(outbox_inserts) == 1
    assert "render notifications/email/alert_case.txt" in order[: order.index("number")]
    assert sorted(OutboxMessage.objects.filter(case=case).values_list("kind", flat=True)) == [
        "alert_case",
        "case_assigned",
        "case_created",
    ]
