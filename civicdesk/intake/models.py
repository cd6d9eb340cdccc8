"""What the email channel has seen: one row per inbound message (by Message-ID), so a
message delivered twice — a poller that died before flagging it, a mail server that
retried — makes nothing twice, and a message that failed is retried a bounded number of
times with its error kept for staff."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    CREATED = "created", _("New case")
    NOTE = "note", _("Public note on a case")
    INTERNAL_NOTE = "internal_note", _("Internal note on a case")
    IGNORED = "ignored", _("Ignored (automatic reply or bounce)")
    UNKNOWN_RECIPIENT = "unknown_recipient", _("Not addressed to any city")
    FAILED = "failed", _("Failed; retried")
    GAVE_UP = "gave_up", _("Failed too often; left for staff")


# Outcomes after which the message is done: feeding it again changes nothing.
FINAL_OUTCOMES = frozenset(
    {Outcome.CREATED, Outcome.NOTE, Outcome.INTERNAL_NOTE, Outcome.IGNORED, Outcome.UNKNOWN_RECIPIENT, Outcome.GAVE_UP}
)


class InboundMessage(models.Model):
    message_id = models.CharField(
        _("message id"),
        max_length=300,
        unique=True,
        help_text=_("The message's Message-ID, or a digest of it when it has none."),
    )
    received_at = models.DateTimeField(_("received at"))
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    city = models.ForeignKey(
        "tenants.City", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("city")
    )
    case = models.ForeignKey(
        "cases.ServiceRequest",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_messages",
        verbose_name=_("case"),
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    sender = models.CharField(_("sender"), max_length=300, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["outcome", "received_at"])]

    def __str__(self) -> str:
        return f"{self.message_id} ({self.outcome})"

    @property
    def is_done(self) -> bool:
        return self.outcome in FINAL_OUTCOMES
