"""Console actions that combine two services into one step staff take.

Each calls the case and notification services, which check the actor's permission
themselves; nothing here decides who may do what.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from civicdesk.accounts.models import User
from civicdesk.cases import services as cases
from civicdesk.cases.models import Resolution, ServiceRequest
from civicdesk.notifications.messages import resident_language
from civicdesk.notifications.services import case_follow


def duplicate_note(*, original: ServiceRequest) -> str:
    """The closing note offered when a case duplicates another: the reporter reads it in
    the closing email, so it says which case to follow now."""
    return _(
        "Thank you. This problem was already reported as %(ref)s, which the city is working on. "
        "We have closed this report and you will now receive the updates of %(ref)s."
    ) % {"ref": original.reference}


@transaction.atomic
def case_mark_duplicate(*, case: ServiceRequest, actor: User, original: ServiceRequest, note: str) -> ServiceRequest:
    """Close ``case`` as a duplicate of ``original``; its reporter follows the original.

    The reporter learns of it from the closing email, so the note always names the
    original case, whatever the staff member wrote.
    """
    # The standard words are the reporter's: written in the language they reported in.
    with translation.override(resident_language(case)):
        standard = duplicate_note(original=original)
    note = (note or "").strip() or standard
    if original.reference not in note:
        note = f"{note}\n\n{standard}"
    closed = cases.case_close(case=case, actor=actor, note=note, resolution=Resolution.DUPLICATE, duplicate_of=original)
    if closed.reporter_email and not original.service_type.is_confidential:
        case_follow(case=original, email=closed.reporter_email, language=closed.language)
    return closed


@transaction.atomic
def case_add_caller(
    *, case: ServiceRequest, actor: User, email: str, name: str = "", language: str = ""
) -> ServiceRequest:
    """A caller reporting a problem already on file follows that case instead of filing a
    duplicate, hearing of it in ``language``. An internal note records who was added, for
    the audit log."""
    who = f"{name.strip()} <{email.strip()}>" if name.strip() else email.strip()
    # The note first: it checks the actor's permission before anything is written.
    cases.case_add_note(
        case=case,
        actor=actor,
        text=_("Caller %(who)s reported this again and now follows the case.") % {"who": who},
        public=False,
    )
    case_follow(case=case, email=email, language=language)
    return case
