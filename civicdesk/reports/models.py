"""Roll-ups of the cases: counts per city, per local day and per local month, kept current by
the case services (``civicdesk.reports.rollups``). Reports read these instead of scanning
millions of cases; ``manage.py rollups_verify`` proves they still equal the cases."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Grain(models.TextChoices):
    DAY = "D", _("Day")
    MONTH = "M", _("Month")


class Dimension(models.TextChoices):
    """What a tally row is broken down by; its ``key`` is the value of that dimension."""

    ALL = "all", _("All cases")
    TYPE = "type", _("Service type")  # key: service type id
    DEPARTMENT = "department", _("Department")  # key: department id, "" for none
    DISTRICT = "district", _("District")  # key: district id, "" for none
    CHANNEL = "channel", _("Channel")  # key: channel value
    DISTRICT_TYPE = "district_type", _("District and type")  # key: "<district id or ''>:<type id>"


OPENED = -1  # ``days`` of a row that counts openings; closings carry their whole days to close


class CaseTally(models.Model):
    """How many cases of a city were opened, or closed after ``days`` whole days, in one local
    day or month, for one value of one dimension.

    A case adds 1 to ``opened`` of the rows of the day and the month it was opened (one per
    dimension), and, once closed, 1 to ``closed`` of the rows of the day and month it was
    closed, keyed by its whole days to close, so percentiles come out of a histogram.
    """

    grain = models.CharField(max_length=1, choices=Grain.choices)
    start = models.DateField(help_text=_("The local day, or the first day of the local month."))
    city = models.ForeignKey("tenants.City", on_delete=models.CASCADE, related_name="+")
    dimension = models.CharField(max_length=16, choices=Dimension.choices)
    key = models.CharField(max_length=40, blank=True)
    days = models.IntegerField(default=OPENED)
    opened = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    closed_on_time = models.IntegerField(default=0, help_text=_("Closed by the due date."))
    closed_with_target = models.IntegerField(default=0, help_text=_("Closed, and had a due date."))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["city", "dimension", "grain", "start", "key", "days"], name="case_tally_unique_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.city_id} {self.grain} {self.start} {self.dimension}={self.key} days={self.days}"
