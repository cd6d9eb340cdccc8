"""Which emails a change to a case causes, and to whom. Written to the outbox inside the
caller's transaction; nothing is sent here.

Residents hear of their report (acknowledgement with a tracking link), of public notes if
they asked for updates, and of the closing. Staff hear of cases assigned to them; a
department's shared address hears of cases assigned to the department only. Internal
notes never produce a message to a resident.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from civicdesk.notifications.outbox import outbox_enqueue

if TYPE_CHECKING:
    from civicdesk.cases.models import CaseEvent, ServiceRequest


def tracking_url(case: ServiceRequest) -> str:
    return settings.SITE_URL + reverse("portal:track", kwargs={"token": case.tracking_token})


def console_url(case: ServiceRequest) -> str:
    return settings.SITE_URL + reverse("console:case", kwargs={"city": case.city.slug, "number": case.number})


def _send(template: str, case: ServiceRequest, recipient: str, subject: str, **extra: Any) -> None:
    context = {
        "case": case,
        "city": case.city,
        "tracking_url": tracking_url(case),
        "console_url": console_url(case),
        "site_url": settings.SITE_URL,
        **extra,
    }
    # Dates in a message are the city's local dates.
    with translation.override(settings.LANGUAGE_CODE), timezone.override(case.city.tz):
        body_text = render_to_string(f"notifications/email/{template}.txt", context)
        body_html = render_to_string(f"notifications/email/{template}.html", context)
    outbox_enqueue(
        kind=template,
        recipient=recipient,
        subject=f"[{case.reference}] {subject}",
        body_text=body_text,
        body_html=body_html,
        reply_to=case.city.email,
        case_id=case.pk,
    )


def _staff_recipients(case: ServiceRequest) -> list[str]:
    """The assignee if there is one, else the department's shared address."""
    if case.assignee is not None and case.assignee.email:
        return [case.assignee.email]
    if case.department is not None and case.department.email:
        return [case.department.email]
    return []


def case_created(case: ServiceRequest) -> None:
    if case.reporter_email:
        _send("case_created", case, case.reporter_email, f"We received your report: {case.service_type.name}")
    for recipient in _staff_recipients(case):
        _send("case_assigned", case, recipient, f"New case for you: {case.service_type.name}", note="")


def case_assigned(case: ServiceRequest, *, note: str) -> None:
    for recipient in _staff_recipients(case):
        _send("case_assigned", case, recipient, f"Case assigned to you: {case.service_type.name}", note=note)


def case_public_note(case: ServiceRequest, event: CaseEvent) -> None:
    if case.reporter_email and case.notify_reporter:
        _send("case_updated", case, case.reporter_email, f"Update on your report: {case.service_type.name}", event=event)


def case_closed(case: ServiceRequest) -> None:
    recipients: list[str] = []
    if case.reporter_email:
        recipients.append(case.reporter_email)
    staff = []
    if case.assignee is not None and case.assignee.email:
        staff.append(case.assignee.email)
    if case.department is not None and case.department.email:
        staff.append(case.department.email)
    for recipient in recipients:
        _send("case_closed", case, recipient, f"Your report is closed: {case.service_type.name}", for_staff=False)
    for recipient in dict.fromkeys(staff):
        if recipient not in recipients:
            _send("case_closed", case, recipient, f"Case closed: {case.service_type.name}", for_staff=True)
