"""The console's case page marks what a person typed with its language where it differs from
the page's (WCAG 3.1.2): the resident's description, notes public and internal, the closing
note, a reason; so does the staff's email that quotes a note. Text in the page's language, or
too short to tell, is left unmarked."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from civicdesk.accounts.models import Role, User
from civicdesk.cases import services
from civicdesk.catalog.models import ServiceType

pytestmark = pytest.mark.django_db

ENGLISH_NOTE = "Crew sent, the couch will be picked up this afternoon."
SPANISH_NOTE = "El sofá sigue en la acera, por favor vengan a recogerlo."
SPANISH_DESCRIPTION = "Hay un sofá tirado en la acera frente a mi casa desde el lunes."
SPANISH_REASON = "El vecino dice que el sofá no se recogió."


def marked(html: str, text: str) -> str:
    """The ``lang`` of the span that holds ``text``, "" when it stands unmarked."""
    assert text in html, text
    found = re.search(r'<span lang="(\w+)">' + re.escape(text), html)
    return found.group(1) if found else ""


def test_the_case_page_marks_the_description_and_notes_in_the_other_language(
    client: Client, report: Callable[..., Any], supervisor: User
) -> None:
    case = report(description=SPANISH_DESCRIPTION)
    services.case_add_note(case=case, actor=supervisor, text=ENGLISH_NOTE, public=True)
    services.case_add_note(case=case, actor=supervisor, text=SPANISH_NOTE, public=False)
    services.case_close(case=case, actor=supervisor, note=ENGLISH_NOTE + " Done.")
    services.case_reopen(case=case, actor=supervisor, reason=SPANISH_REASON)
    services.case_close(case=case, actor=supervisor, note="Done.")
    client.force_login(supervisor)
    url = f"/console/cases/{case.city.slug}/{case.number}/"

    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert marked(english, SPANISH_DESCRIPTION) == "es"
    assert marked(english, SPANISH_NOTE) == "es"  # an internal note too
    assert marked(english, SPANISH_REASON) == "es"
    assert marked(english, ENGLISH_NOTE) == ""

    spanish = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert marked(spanish, SPANISH_DESCRIPTION) == "" and marked(spanish, SPANISH_NOTE) == ""
    assert marked(spanish, ENGLISH_NOTE) == "en"
    assert f'<span lang="en">{ENGLISH_NOTE} Done.' in spanish  # the first closing note, on the timeline
    # The last closing note says too little to tell: the page's, on both.
    assert '<span lang="en">Done.' not in spanish and '<span lang="es">Done.' not in english


def test_the_staff_email_marks_a_spanish_note_and_description(
    report: Callable[..., Any],
    supervisor: User,
    trash: ServiceType,
    make_staff: Callable[..., User],
    outbox: Callable[[], list[Any]],
) -> None:
    case = report(description=SPANISH_DESCRIPTION)
    worker = make_staff(case.city, Role.WORKER, department=trash.department)
    services.case_assign(case=case, actor=supervisor, assignee=worker, note=SPANISH_NOTE)
    (email,) = [m for m in outbox() if worker.email in m.to]
    (html, _kind), *_ = email.alternatives
    assert marked(html, SPANISH_DESCRIPTION) == "es" and marked(html, SPANISH_NOTE) == "es"
    assert "<span" not in email.body
