"""A duplicate's closing note is read by everyone (the public page, area alerts, followers):
it says only what is true for all. That the reporter now follows the original is said to the
reporter alone, in their closing email."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civicdesk.cases import services
from civicdesk.notifications import services as alert_services
from civicdesk.notifications.models import AlertOn
from civicdesk.notifications.services import case_follow

pytestmark = pytest.mark.django_db


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(
    ("language", "note", "to_reporter_only"),
    [
        (
            "en",
            "This problem was already reported as {ref}, which the city is working on, so this report is closed. "
            "News of it will be on {ref}.",
            "You now follow {ref}: we will email you its news.",
        ),
        (
            "es",
            "Este problema ya se había reportado como {ref}, en el que la ciudad está trabajando, así que este "
            "reporte está cerrado. Las novedades estarán en {ref}.",
            "Ahora usted sigue {ref}: le enviaremos por correo sus novedades.",
        ),
    ],
)
def test_only_the_reporter_is_told_they_follow_the_original(
    language, note, to_reporter_only, report, supervisor, independence, client, smtp_inbox
):
    closings = alert_services.subscription_create(email="closings@example.org", city=independence, on=AlertOn.CLOSED)
    alert_services.subscription_confirm(token=closings.confirm_token)
    original = report(reporter_email="first@example.org")
    duplicate = report(reporter_email="second@example.org", language=language)
    case_follow(case=duplicate, email="neighbor@example.org")
    smtp_inbox()
    services.case_mark_duplicate(case=duplicate, actor=supervisor, original=original, note="")
    mail = {m.to: words(m.text()) for m in smtp_inbox()}
    ref = original.reference
    note, to_reporter_only = note.format(ref=ref), to_reporter_only.format(ref=ref)
    assert set(mail) >= {"second@example.org", "neighbor@example.org", "closings@example.org"}
    assert note in mail["second@example.org"] and to_reporter_only in mail["second@example.org"]
    for someone_else in ("neighbor@example.org", "closings@example.org"):
        assert note in mail[someone_else]
        assert to_reporter_only not in mail[someone_else] and "you will now receive" not in mail[someone_else]

    page = client.get(reverse("portal:case", kwargs={"city": "independence", "number": duplicate.number}))
    assert note in words(page.content.decode()) and "follow" not in note
