"""The plain-text part of every email: what people wrote is quoted as written, set apart by
blank lines, and the product's own lines are at most 78 columns (a link is never broken)."""

from __future__ import annotations

import pytest

from civicdesk.accounts.models import Role
from civicdesk.cases import services
from civicdesk.notifications import services as alert_services
from civicdesk.notifications.models import AlertOn, OutboxMessage
from civicdesk.notifications.services import case_follow

pytestmark = pytest.mark.django_db

LONG_LINE = "The bags are spread over the sidewalk and the alley behind the house " * 3


def test_the_acknowledgement_quotes_a_two_line_description_apart_from_the_list(report, smtp_inbox):
    case = report(description="Bags of trash by the alley.\nSecond line of the description.")
    [ack] = [m for m in smtp_inbox() if m.to == "resident@example.org"]
    text = ack.text().replace("\r\n", "\n")
    assert "It has gone to: CD-NEIGHBORHOOD SERVICES\n" in text.split("You wrote:")[0]
    assert (
        "You wrote:\n\n    Bags of trash by the alley.\n    Second line of the description.\n\n"
        "Follow your report here, at any time:\n"
    ) in text
    assert case.reference in text


def product_lines_too_long(text: str) -> list[str]:
    """Lines over 78 columns that are neither quoted (indented) nor a link alone."""
    return [
        line
        for line in text.splitlines()
        if len(line) > 78 and not line.startswith("    ") and not (len(line.split()) == 1 and "://" in line)
    ]


@pytest.mark.parametrize("language", ["en", "es"])
def test_no_line_the_product_writes_is_over_78_columns(
    language, report, supervisor, independence, make_service_type, make_department, make_staff
):
    alert_services.subscription_create(email="alerts@example.org", city=independence, language=language)
    closings = alert_services.subscription_create(
        email="closings@example.org", city=independence, on=AlertOn.BOTH, language=language
    )
    alert_services.subscription_confirm(token=closings.confirm_token)
    original = report(reporter_name="Ana Maria de la Cruz Fernandez", language=language)
    case = report(description=LONG_LINE + "\n" + LONG_LINE, language=language, notify_reporter=True)
    case_follow(case=case, email="neighbor@example.org", language=language)
    services.case_add_note(case=case, actor=supervisor, text="We will come on Tuesday morning.", public=True)
    services.case_add_note(case=case, actor=supervisor, text=LONG_LINE, public=True)
    services.case_mark_duplicate(case=case, actor=supervisor, original=original, note="")
    services.case_reopen(case=case, actor=supervisor, reason=LONG_LINE)
    services.case_close(case=case, actor=supervisor, note=LONG_LINE)
    unit = make_department(independence, "Fraud unit")
    hotline = make_service_type(
        independence, "fraud", name="Fraud, waste or abuse hotline", department=unit, is_confidential=True
    )
    investigator = make_staff(independence, Role.INVESTIGATOR, department=unit)
    tip = report(service_type=hotline, reporter_email="whistle@example.org", language=language)
    services.case_add_reporter_information(case=tip, text=LONG_LINE)
    services.case_close(case=tip, actor=investigator, note="Done")

    emails = list(OutboxMessage.objects.order_by("pk"))
    kinds = {m.kind for m in emails}
    assert {
        "alert_confirm",
        "alert_case",
        "case_created",
        "case_assigned",
        "case_updated",
        "case_closed",
        "case_reopened",
        "case_created_confidential",
        "case_assigned_confidential",
        "case_resident_note_confidential",
        "case_closed_confidential",
    } <= kinds
    for message in emails:
        assert product_lines_too_long(message.body_text) == [], (message.kind, message.recipient)
        # What people wrote is quoted whole, never folded.
        if "The bags are spread" in message.body_text:
            assert "    " + LONG_LINE.strip() in message.body_text, message.kind
