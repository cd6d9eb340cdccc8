"""Which emails a change to a case causes, and to whom. Written to the outbox inside the
caller's transaction; nothing is sent here.

Residents hear of their report (acknowledgement with a tracking link), of public notes and
of a reopening if they asked for updates, and of the closing. Staff hear of cases assigned to them; a
department's shared address hears of cases assigned to the department only; a city's
supervisors hear of emailed reports waiting in triage, which no department has yet. Internal
notes never produce a message to a resident.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop

from civicdesk.cases import event_words
from civicdesk.catalog.templatetags.service_types import awaits_triage, type_name_for_resident
from civicdesk.notifications import plaintext
from civicdesk.notifications.models import AlertOn
from civicdesk.notifications.outbox import Email, city_sender, is_suppressed, outbox_enqueue_all

if TYPE_CHECKING:
    from civicdesk.accounts.models import User
    from civicdesk.cases.models import CaseEvent, ServiceRequest
    from civicdesk.expected.selectors import Expectation


def tracking_url(case: ServiceRequest) -> str:
    """The resident's link to their report (no login; the token is the key)."""
    return settings.SITE_URL + reverse("portal:track", kwargs={"token": case.tracking_token})


def console_url(case: ServiceRequest) -> str:
    """The staff console's page of the case."""
    return settings.SITE_URL + reverse("console:case", kwargs={"city": case.city.slug, "number": case.number})


def resident_language(case: ServiceRequest) -> str:
    """The language of the reporter's emails: the one they reported in, else the site's."""
    return case.language or settings.LANGUAGE_CODE


# What a confidential case's notice tells the reporter happened, by the message it stands in
# for: the subject, and the sentence of the email (translated when the notice is written, in
# the reporter's language).
_CONFIDENTIAL_NEWS = {
    "case_created": gettext_noop("We received your report"),
    "case_updated": gettext_noop("There is a reply to your report"),
    "case_closed": gettext_noop("Your report is closed"),
    "case_reopened": gettext_noop("Your report was reopened"),
}
_CONFIDENTIAL_NEWS_ELSE = gettext_noop("There is news about your report")

# What it tells staff (the investigators, the unit's shared address): the subject, and the
# email's sentence, which names the confidential type (%(type)s) and nothing of the report.
_CONFIDENTIAL_NEWS_TO_STAFF = {
    "case_assigned": (
        gettext_noop("A confidential report is waiting"),
        gettext_noop("A confidential report (%(type)s) is waiting for you in the console."),
    ),
    "case_resident_note": (
        gettext_noop("The reporter of a confidential report added information"),
        gettext_noop("The reporter of a confidential report (%(type)s) added information."),
    ),
    "case_closed": (
        gettext_noop("A confidential report was closed"),
        gettext_noop("A confidential report (%(type)s) was closed."),
    ),
    "case_reopened_staff": (
        gettext_noop("A confidential report was reopened"),
        gettext_noop("A confidential report (%(type)s) was reopened and is waiting for you in the console."),
    ),
}
_CONFIDENTIAL_NEWS_TO_STAFF_ELSE = (
    gettext_noop("There is news about a confidential report"),
    gettext_noop("There is news about a confidential report (%(type)s)."),
)


def _prepare_confidential(
    template: str, case: ServiceRequest, recipient: str, *, for_staff: bool, language: str
) -> Email:
    """A confidential case (a fraud hotline) is never described in an email: mailboxes are
    shared and forwarded. The reporter is told that something happened and where to use
    their access code; staff get a link to the console. No case number, no content."""
    with translation.override(language):
        if for_staff:
            subject, sentence = _CONFIDENTIAL_NEWS_TO_STAFF.get(template, _CONFIDENTIAL_NEWS_TO_STAFF_ELSE)
            what = gettext(subject)
            sentence = gettext(sentence) % {"type": case.service_type.name}
        else:
            what = gettext(_CONFIDENTIAL_NEWS.get(template, _CONFIDENTIAL_NEWS_ELSE))
            sentence = what + "."
    context = {
        "case": case,
        "city": case.city,
        "for_staff": for_staff,
        "what": what,
        "sentence": sentence,
        "console_url": console_url(case),
        "confidential_url": settings.SITE_URL + reverse("portal:confidential"),
    }
    with translation.override(language), timezone.override(case.city.tz):
        body_text = plaintext.wrap(render_to_string("notifications/email/confidential_notice.txt", context))
        body_html = render_to_string("notifications/email/confidential_notice.html", context)
    return Email(
        kind=f"{template}_confidential",
        recipient=recipient,
        subject=f"{case.city.name} 311: {what}",
        body_text=body_text,
        body_html=body_html,
        reply_to=case.city.email,
        sender=city_sender(case.city),
    )


_STAFF_TEMPLATES = {"case_assigned", "case_reopened_staff", "case_resident_note", "case_triage"}


def _numbered(email: Email, stand_in: int, number: int) -> Email:
    """The same email with the case's stand-in number replaced by its number."""
    was, now = str(stand_in), str(number)
    return replace(
        email,
        subject=email.subject.replace(was, now),
        body_text=email.body_text.replace(was, now),
        body_html=email.body_html.replace(was, now),
        headers={k: v.replace(was, now) for k, v in email.headers.items()},
    )


def _send(
    template: str,
    case: ServiceRequest,
    recipient: str,
    subject: str,
    *,
    language: str = "",
    **extra: Any,
) -> None:
    """Write one email to the outbox, in ``language`` (empty: the site's). ``subject`` is a
    msgid (marked with gettext_noop) with %(type)s for the service type's name, translated here."""
    if is_suppressed():
        return  # replaying history: nothing will be written, so render nothing
    outbox_enqueue_all(
        [replace(_prepare(template, case, recipient, subject, language=language, **extra), case_id=case.pk)]
    )


def _prepare(
    template: str,
    case: ServiceRequest,
    recipient: str,
    subject: str,
    *,
    language: str = "",
    **extra: Any,
) -> Email:
    """Render one email (``_send``'s arguments), for the outbox; its ``case_id`` is the
    writer's to give (a new case has none yet)."""
    language = language or settings.LANGUAGE_CODE
    for_staff = template in _STAFF_TEMPLATES or bool(extra.get("for_staff"))
    if case.service_type.is_confidential:
        return _prepare_confidential(
            template, case, recipient, for_staff=for_staff, language=settings.LANGUAGE_CODE if for_staff else language
        )
    context = {
        "case": case,
        "city": case.city,
        "tracking_url": tracking_url(case),
        "console_url": console_url(case),
        "public_url": settings.SITE_URL
        + reverse("portal:case", kwargs={"city": case.city.slug, "number": case.number}),
        "site_url": settings.SITE_URL,
        **extra,
    }
    # Dates in a message are the city's local dates.
    with translation.override(language), timezone.override(case.city.tz):
        subject = gettext(subject) % {
            # The resident's name of the type (its Spanish name in Spanish; a report waiting in
            # triage says so in their words); staff keep the city's.
            "type": case.service_type.name if for_staff else type_name_for_resident(case.service_type),
            "department": case.department.name if case.department else "",
        }
        body_text = plaintext.wrap(render_to_string(f"notifications/email/{template}.txt", context))
        body_html = render_to_string(f"notifications/email/{template}.html", context)
    return Email(
        kind=template,
        recipient=recipient,
        subject=f"[{case.reference}] {subject}",
        body_text=body_text,
        body_html=body_html,
        reply_to=case.city.email,
        headers=_unsubscribe_headers(extra.get("unsubscribe_url")),
        sender=city_sender(case.city),
    )


def _unsubscribe_headers(url: object) -> dict[str, str]:
    """List-Unsubscribe (RFC 2369) for a follower's emails: mail programs offer the link,
    whose page has the button (no one-click POST: that page asks for a CSRF token)."""
    if not url:
        return {}
    return {"List-Unsubscribe": f"<{url}>"}


def _staff_recipients(case: ServiceRequest) -> list[str]:
    """The assignee if there is one, else the department's shared address."""
    if case.assignee is not None and case.assignee.email:
        return [case.assignee.email]
    if case.department is not None and case.department.email:
        return [case.department.email]
    return []


def _staff_subject(case: ServiceRequest, *, new: bool) -> str:
    """The subject of a case's email to the staff who are to work it (``_staff_recipients``):
    a person reads that it is theirs; a department's shared mailbox, read by several people,
    that it is the department's."""
    if case.assignee is not None and case.assignee.email:
        return gettext_noop("New case for you: %(type)s") if new else gettext_noop("Case assigned to you: %(type)s")
    return gettext_noop("New case for %(department)s: %(type)s")


def _distinct(addresses: list[str]) -> list[str]:
    """Addresses in order, without repeats; mailboxes are compared without case."""
    seen: set[str] = set()
    kept = []
    for address in addresses:
        key = address.strip().lower()
        if key and key not in seen:
            seen.add(key)
            kept.append(address.strip())
    return kept


def _acknowledgement_subject(case: ServiceRequest) -> str:
    """The subject of the reporter's acknowledgement: the type they reported, or, for a
    report waiting in triage (no type yet), what happens next, said once, not after the
    words the pages use as a type's name ("Being reviewed: …")."""
    if awaits_triage(case.service_type):
        return gettext_noop("We received your report: staff will choose the right team")
    return gettext_noop("We received your report: %(type)s")


@dataclass(frozen=True)
class PreparedForNew:
    """A new case's emails, rendered while its number was still the stand-in ``stand_in``."""

    stand_in: int
    emails: list[Email]  # the acknowledgement, the department's, the area alerts

    def fits(self) -> bool:
        """True if every email can be numbered by replacing the stand-in's digits: no text
        shows it otherwise written (grouped into thousands by a template's filter)."""
        grouped = f"{self.stand_in:,}"
        return all(grouped not in e.body_text and grouped not in e.body_html for e in self.emails)


def case_created_prepare(case: ServiceRequest, *, expected: Expectation | None = None) -> PreparedForNew:
    """Render a new case's emails (``case_created``'s), before the case is numbered: the
    city's next report waits while a case is being numbered and written
    (cases.invariants.case_numbers_take), so the templates are rendered before that. The
    case's ``number`` is a stand-in until then, replaced in the text once it is known."""
    emails: list[Email] = []
    if not is_suppressed():
        if case.reporter_email:
            emails.append(
                _prepare(
                    "case_created",
                    case,
                    case.reporter_email,
                    _acknowledgement_subject(case),
                    language=resident_language(case),
                    expected=expected,
                )
            )
        for recipient in _staff_recipients(case):
            emails.append(_prepare("case_assigned", case, recipient, _staff_subject(case, new=True), note=""))
    from civicdesk.notifications.alerts import alert_case_emails

    # Area alerts (never for confidential types); the reporter has their own email already.
    emails += alert_case_emails(case, on=AlertOn.NEW, besides=[case.reporter_email])
    return PreparedForNew(stand_in=case.number, emails=emails)


def case_created(
    case: ServiceRequest, *, expected: Expectation | None = None, prepared: PreparedForNew | None = None
) -> None:
    """A new case: the reporter gets an acknowledgement with the tracking link and, when
    ``expected`` is given, when it is expected to be dealt with (the city's estimate, or the
    type's target saying there is too little history to estimate); the department's shared
    address (or an assignee, if there is one) gets the case. ``prepared``: these emails,
    rendered before the case had its number (``case_created_prepare``)."""
    if is_suppressed():
        return
    if prepared is None or not prepared.fits():
        prepared = case_created_prepare(case, expected=expected)
    # One statement for them all, under the city's number lock.
    outbox_enqueue_all(
        [replace(_numbered(email, prepared.stand_in, case.number), case_id=case.pk) for email in prepared.emails]
    )


def case_assigned(case: ServiceRequest, *, note: str, by: User | None = None) -> None:
    """A case given to a person tells that person; given to a department only, tells the
    department's shared address. The reporter is not told of internal routing. ``by``, who
    handed it over, is named, so that the note is someone's and the worker knows whom to ask."""
    for recipient in _staff_recipients(case):
        _send("case_assigned", case, recipient, _staff_subject(case, new=False), note=note, by=by)


def triage_recipients(case: ServiceRequest) -> list[str]:
    """Who is told of a case waiting in triage (no department has it yet): the city's
    supervisors, who route its cases; a city with none, its administrators."""
    from civicdesk.accounts.models import Role, User

    for role in (Role.SUPERVISOR, Role.CITY_ADMIN):
        emails = (
            User.objects.filter(city_id=case.city_id, role=role, is_active=True)
            .exclude(email="")
            .order_by("pk")
            .values_list("email", flat=True)
        )
        if emails:
            return _distinct(list(emails))
    return []


def case_awaiting_triage(case: ServiceRequest, *, note: str) -> None:
    """A report no department has (email intake could not tell its type or place): the
    city's supervisors (``triage_recipients``) get it, with what the intake read (``note``),
    so it does not sit unseen in the unassigned queue. ``note`` is stored English (the
    intake's note on the case); the email writes it in its own language."""
    shown = lazy(event_words.shown_text, str)("internal_note", note)
    for recipient in triage_recipients(case):
        _send("case_triage", case, recipient, gettext_noop("New report to route (waiting in triage)"), note=shown)


def unsubscribe_url(token: str) -> str:
    return settings.SITE_URL + reverse("portal:unsubscribe", kwargs={"token": token})


def _followers(case: ServiceRequest, *, besides: list[str]) -> list[tuple[str, str, str]]:
    """Active followers' (address, unsubscribe token, language), leaving out addresses
    already told."""
    from civicdesk.notifications.models import CaseFollower

    told = {a.strip().lower() for a in besides}
    rows = CaseFollower.objects.filter(case=case, active=True).values_list("email", "unsubscribe_token", "language")
    kept = []
    for email, token, language in rows:
        if email.strip().lower() not in told:
            told.add(email.strip().lower())
            kept.append((email, token, language))
    return kept


def case_public_note(case: ServiceRequest, event: CaseEvent, *, author_email: str = "") -> None:
    """A public note goes to the reporter, only if they asked for updates, and to the
    case's followers, but never back to the resident who wrote it. An internal note never
    leaves the city, whoever calls this."""
    if not event.is_public:
        return
    told = [author_email] if author_email else []
    if (
        case.reporter_email
        and case.notify_reporter
        and case.reporter_email.strip().lower() not in {a.strip().lower() for a in told}
    ):
        told.append(case.reporter_email)
        _send(
            "case_updated",
            case,
            case.reporter_email,
            gettext_noop("Update on your report: %(type)s"),
            language=resident_language(case),
            event=event,
        )
    for email, token, language in _followers(
        case, besides=[*told, *([case.reporter_email] if case.reporter_email else [])]
    ):
        _send(
            "case_updated",
            case,
            email,
            gettext_noop("Update on a report you follow: %(type)s"),
            language=language,
            event=event,
            follower=True,
            unsubscribe_url=unsubscribe_url(token),
        )


def case_reopened(case: ServiceRequest, event: CaseEvent) -> None:
    """A closed case reopened: the residents told of its closing hear that it is open again,
    and why, under the rule of public notes (the reporter if they asked for updates, the
    followers). A reason not made public tells nobody outside the city. The assignee, whose
    case it is again, hears that it was reopened, by whom, when and why, whether the reason
    is public or not, unless the assignee reopened it themselves."""
    if case.assignee is not None and case.assignee.email and case.assignee_id != event.actor_id:
        _send("case_reopened_staff", case, case.assignee.email, gettext_noop("Case reopened: %(type)s"), event=event)
    if not event.is_public:
        return
    told = []
    if case.reporter_email and case.notify_reporter:
        told.append(case.reporter_email)
        _send(
            "case_reopened",
            case,
            case.reporter_email,
            gettext_noop("Your report was reopened: %(type)s"),
            language=resident_language(case),
            event=event,
        )
    for email, token, language in _followers(
        case, besides=[*told, *([case.reporter_email] if case.reporter_email else [])]
    ):
        _send(
            "case_reopened",
            case,
            email,
            gettext_noop("A report you follow was reopened: %(type)s"),
            language=language,
            event=event,
            follower=True,
            unsubscribe_url=unsubscribe_url(token),
        )


def case_resident_note(case: ServiceRequest, event: CaseEvent, *, author_email: str) -> None:
    """A resident added information (a reply by email): the staff working the case hear of
    it, so it is not left unread on the timeline."""
    for recipient in _staff_recipients(case):
        _send(
            "case_resident_note",
            case,
            recipient,
            gettext_noop("New information from a resident: %(type)s"),
            event=event,
            author_email=author_email,
        )


def case_closed(case: ServiceRequest) -> None:
    """Closing tells the reporter (always: they asked to hear at least of the closing) and
    the staff: the assignee and the department's shared address. Each address gets one
    email; a reporter who is also staff gets the resident's version."""
    if is_suppressed():
        return  # replaying history: no reads for messages that will not be written
    reporter = _distinct([case.reporter_email] if case.reporter_email else [])
    staff = []
    if case.assignee is not None and case.assignee.email:
        staff.append(case.assignee.email)
    if case.department is not None and case.department.email:
        staff.append(case.department.email)
    for recipient in reporter:
        _send(
            "case_closed",
            case,
            recipient,
            gettext_noop("Your report is closed: %(type)s"),
            language=resident_language(case),
            for_staff=False,
        )
    for recipient in _distinct(reporter + staff)[len(reporter) :]:
        _send("case_closed", case, recipient, gettext_noop("Case closed: %(type)s"), for_staff=True)
    for email, token, language in _followers(case, besides=reporter + staff):
        _send(
            "case_closed",
            case,
            email,
            gettext_noop("A report you follow is closed: %(type)s"),
            language=language,
            for_staff=False,
            follower=True,
            unsubscribe_url=unsubscribe_url(token),
        )
    from civicdesk.notifications.alerts import alert_case

    followers = [email for email, _token, _language in _followers(case, besides=[])]
    alert_case(case, on="closed", besides=[*reporter, *staff, *followers])
