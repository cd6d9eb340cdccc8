"""Property tests of the console's note and close forms: whatever a worker types, the answer
is never a 5xx. A note or closing note is kept exactly as typed (less NUL characters, which
no database stores well, and surrounding whitespace; a line break the browser sends as CR LF
is kept as one, as the box's maxlength counted it) and reaches the resident's page when
public; an empty or over-long one is refused with the reason and the case left as it was."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils.html import escape
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from civicdesk.accounts.models import User
from civicdesk.cases.models import CaseEvent, EventKind, ServiceRequest, Status

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
notes = st.one_of(
    st.text(max_size=300),
    st.integers(min_value=9_995, max_value=10_005).map(lambda n: "ß" * n),
    st.sampled_from(["", "   ", "\x00", "حفرة 🕳️", '<b>bold</b> & "quotes"', "line\r\nbreaks\n"]),
)


def expected(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\x00", "").strip()


@given(text=notes, public=st.booleans())
@EXAMPLES
def test_a_note_is_kept_exactly_or_refused_with_the_reason(
    client: Client, report: Callable[..., ServiceRequest], worker: User, text: str, public: bool
) -> None:
    case = report()
    client.force_login(worker)
    response = client.post(
        f"/console/cases/independence/{case.number}/note/", {"text": text, "visibility": "public" if public else ""}
    )
    event(f"answered {response.status_code}")
    assert response.status_code in (302, 400), response.status_code
    kind = EventKind.PUBLIC_NOTE if public else EventKind.INTERNAL_NOTE
    if response.status_code == 400:
        page = response.content.decode()
        assert "The note cannot be empty." in page or "The note is longer than 10,000 characters." in page
        assert not CaseEvent.objects.filter(case=case, kind=kind).exists()
        return
    assert CaseEvent.objects.get(case=case, kind=kind).text == expected(text)
    if public and "\r" not in text:
        tracking = client.get(f"/track/{case.tracking_token}/").content.decode()
        assert escape(expected(text)).replace("\n", "<br>") in tracking


@given(text=notes, resolution=st.one_of(st.sampled_from(["resolved", "no_action", ""]), st.text(max_size=10)))
@EXAMPLES
def test_a_closing_note_is_kept_exactly_or_the_case_stays_open(
    client: Client, report: Callable[..., ServiceRequest], worker: User, text: str, resolution: str
) -> None:
    case = report()
    client.force_login(worker)
    response = client.post(
        f"/console/cases/independence/{case.number}/close/", {"note": text, "resolution": resolution}
    )
    event(f"answered {response.status_code}")
    assert response.status_code in (302, 400), response.status_code
    case.refresh_from_db()
    if response.status_code == 400:
        assert case.status != Status.CLOSED and case.closing_note == ""
        return
    assert case.status == Status.CLOSED and case.closing_note == expected(text)


def test_the_cases_these_tests_file_are_in_the_workers_department(report: Callable[..., Any], worker: User) -> None:
    assert report().department == worker.department
