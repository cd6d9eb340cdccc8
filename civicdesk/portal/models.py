"""What the resident portal stores of its own: which client submission made which case."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PortalSubmission(models.Model):
    """One report form submission, by the key the browser generated for it.

    A phone that loses signal mid-send, or the offline queue replaying a report, sends the
    same ``client_token`` again; finding it here returns the case already made instead of
    making a second one.
    """

    client_token = models.UUIDField(unique=True)
    case = models.ForeignKey("cases.ServiceRequest", on_delete=models.CASCADE, related_name="portal_submissions")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("portal submission")

    def __str__(self) -> str:
        return str(self.client_token)
