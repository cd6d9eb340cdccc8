"""Writes of the notifications app: following a case and stopping."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from civicdesk.cases.models import ServiceRequest
from civicdesk.core.languages import offered_language
from civicdesk.notifications.models import CaseFollower


@transaction.atomic
def case_follow(*, case: ServiceRequest, email: str, language: str = "") -> CaseFollower:
    """Start (or resume) following a case by email. Following twice is harmless; the
    emails are written in ``language`` (the one the resident followed in, the latest wins)."""
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": _("%(e)s is not an email address.") % {"e": email or "“”"}}) from exc
    if case.service_type.is_confidential:
        raise ValidationError(_("This case cannot be followed."))
    language = offered_language(language)
    follower = CaseFollower.objects.filter(case=case, email__iexact=email).first()
    if follower is None:
        return CaseFollower.objects.create(case=case, email=email, language=language)
    if not follower.active or follower.language != language:
        follower.active, follower.language = True, language
        follower.save(update_fields=["active", "language"])
    return follower


@transaction.atomic
def follower_unsubscribe(*, token: str) -> CaseFollower | None:
    """Stop the emails of one follow, by the token in its unsubscribe link."""
    follower = CaseFollower.objects.filter(unsubscribe_token=token).first()
    if follower is not None and follower.active:
        follower.active = False
        follower.save(update_fields=["active"])
    return follower
