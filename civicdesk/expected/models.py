"""A city's time-to-close model: its training window, data, evaluation and parameters."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class ModelStatus(models.TextChoices):
    CURRENT = "current", _("In use")
    RETIRED = "retired", _("Replaced by a newer model")
    REJECTED = "rejected", _("Not used: worse than the model in use on the held-out months")
    FAILED = "failed", _("Not trained: no model could be fitted to the history (see the reason)")


class ExpectedModel(models.Model):
    """One training of a city's model. At most one per city is in use (``current``). A training
    whose fit could not be made is stored too (``failed``, empty ``params``), with its ``reason``.

    ``params`` is plain JSON (coefficients, levels, usual backlogs: civicdesk/expected/
    survival.py); nothing is pickled, so a row read back can never run code.
    """

    city = models.ForeignKey(
        "tenants.City", on_delete=models.CASCADE, related_name="expected_models", verbose_name=_("city")
    )
    status = models.CharField(_("status"), max_length=20, choices=ModelStatus.choices)
    kind = models.CharField(_("kind"), max_length=20, help_text=_("The model family, e.g. lognormal."))
    trained_at = models.DateTimeField(_("trained at"))
    window_start = models.DateTimeField(_("window start"), help_text=_("Opening of the earliest case it learned from."))
    window_end = models.DateTimeField(
        _("window end"), help_text=_("The moment its data stood at (open cases censored there).")
    )
    holdout_start = models.DateTimeField(
        _("holdout start"), help_text=_("Start of the held-out months it was evaluated on.")
    )
    cases = models.PositiveIntegerField(_("cases"), help_text=_("Cases it learned from."))
    closed_cases = models.PositiveIntegerField(_("closed cases"))
    open_cases = models.PositiveIntegerField(
        _("open cases"), help_text=_("Cases still open at window_end: censored, not dropped.")
    )
    evaluation = models.JSONField(_("evaluation"), default=dict, help_text=_("Figures on the held-out months."))
    comparison = models.JSONField(
        _("comparison"),
        default=dict,
        blank=True,
        help_text=_("The model in use, scored on the same months, when there was one."),
    )
    params = models.JSONField(_("params"), help_text=_("The fitted parameters (JSON)."))
    reason = models.TextField(
        _("reason"),
        blank=True,
        help_text=_(
            "What came of the training, in words: in use, the model in use kept, or why no model could be fitted."
        ),
    )

    class Meta:
        verbose_name = _("expected model")
        verbose_name_plural = _("expected models")
        ordering = ["city", "-trained_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["city"], condition=models.Q(status="current"), name="one_current_expected_model_per_city"
            )
        ]

    def __str__(self) -> str:
        return f"{self.city} {self.kind} {self.trained_at:%Y-%m-%d} ({self.get_status_display()})"


class ExpectedSettings(models.Model):
    """What a city decides about its expected dates."""

    city = models.OneToOneField(
        "tenants.City", on_delete=models.CASCADE, related_name="expected_settings", verbose_name=_("city")
    )
    likely_late_threshold = models.FloatField(
        _("likely late threshold"),
        default=0.5,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=_("An open case is listed as likely late when its probability of missing its due date is over this."),
    )

    class Meta:
        verbose_name = _("expected settings")
        verbose_name_plural = _("expected settings")

    def __str__(self) -> str:
        return f"{self.city}: likely late over {self.likely_late_threshold:.0%}"
