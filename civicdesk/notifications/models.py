"""The transactional outbox: every email is a row written in the same transaction as the
change that caused it, and delivered afterwards by a worker.

The row, not the task queue, is the truth: its status, attempts, next attempt and last
error say where delivery stands, so a dead worker or a down SMTP server loses nothing.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    DEAD = "dead", _("Given up")


class OutboxMessage(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=40, help_text=_("What the message is about, e.g. case_created."))
    case = models.ForeignKey(
        "cases.ServiceRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="outbox_messages"
    )
    recipient = models.EmailField()
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    reply_to = models.CharField(max_length=300, blank=True)
    # Fixed when the row is written, so a message delivered again after a crash at the
    # very moment of acceptance can be recognised by the receiver as the same message.
    message_id = models.CharField(max_length=200, unique=True)
    status = models.CharField(max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient} ({self.status})"


def _unsubscribe_token() -> str:
    import secrets

    return secrets.token_urlsafe(24)


class CaseFollower(models.Model):
    """A resident who asked to hear of a case they did not report themselves (for example
    one they found nearby instead of filing a duplicate). Every email they get carries a
    one-click unsubscribe link."""

    case = models.ForeignKey("cases.ServiceRequest", on_delete=models.CASCADE, related_name="followers")
    email = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)
    unsubscribe_token = models.CharField(max_length=64, unique=True, default=_unsubscribe_token, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["case", "email"], name="one_follow_per_case_and_email")]

    def __str__(self) -> str:
        return f"{self.email} follows {self.case_id}"
