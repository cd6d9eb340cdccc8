"""Applications allowed to file reports through Open311, and what each report came with."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from civicdesk.core.safe_urls import MAX_LENGTH, validate_public_url


class Open311ApiKey(models.Model):
    """One third-party application's key to post reports into one city.

    Only a SHA-256 digest of the key is stored: the key is a long random token, so a fast
    digest is enough, and a copy of the database does not hand out working keys.
    """

    city = models.ForeignKey(
        "tenants.City", on_delete=models.CASCADE, related_name="open311_keys", verbose_name=_("city")
    )
    name = models.CharField(_("name"), max_length=200, help_text=_("The application, e.g. its name and its developer."))
    key_digest = models.CharField(_("key digest"), max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(
        _("key prefix"), max_length=8, editable=False, help_text=_("First characters of the key, to tell keys apart.")
    )
    active = models.BooleanField(_("active"), default=True, help_text=_("Uncheck to refuse the application's reports."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name_plural = _("Open311 API keys")
        ordering = ["city", "name"]
        verbose_name = _("Open311 API key")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"


def new_submission_token() -> str:
    return secrets.token_urlsafe(18)


class Open311Submission(models.Model):
    """What an application sent with a report beyond the case itself (which app, its media link).

    ``token`` is the spec's token for the report: every report gets its case number at once,
    so the token resolves to that number immediately (``tokens/<token>``); clients built for
    servers that approve reports first keep working. What files a report only once (its
    Idempotency-Key, its device's content) is a ``cases.SubmissionKey``.
    """

    case = models.OneToOneField(
        "cases.ServiceRequest", on_delete=models.CASCADE, related_name="open311_submission", verbose_name=_("case")
    )
    api_key = models.ForeignKey(
        Open311ApiKey, null=True, on_delete=models.SET_NULL, related_name="submissions", verbose_name=_("api key")
    )
    # Kept only if core.safe_urls passes it (checked on input; checked again on output).
    media_url = models.URLField(_("media url"), max_length=MAX_LENGTH, blank=True, validators=[validate_public_url])
    device_id = models.CharField(_("device id"), max_length=200, blank=True)
    account_id = models.CharField(_("account id"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    token = models.CharField(_("token"), max_length=32, unique=True, default=new_submission_token, editable=False)

    class Meta:
        verbose_name = _("Open311 submission")
        verbose_name_plural = _("Open311 submissions")

    def __str__(self) -> str:
        return f"Open311 submission of case {self.case_id}"
