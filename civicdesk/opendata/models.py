"""The open-data files: which stored file is the current one of each scope and format.

The files themselves live in Django's storage (``OPEN_DATA_STORAGE``, under
``OPEN_DATA_PREFIX``); a row here is switched to a new file only once that file is complete,
so a download never reads half a file (civicdesk/opendata/services.py).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Format(models.TextChoices):
    CSV = "csv", _("CSV")
    GEOJSON = "geojson", _("GeoJSON")


class OpenDataFile(models.Model):
    """The current file of one scope (a city, or the collaborative when ``city`` is empty) and format."""

    city = models.ForeignKey(
        "tenants.City", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("city")
    )
    format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    name = models.CharField(_("name"), max_length=300, help_text=_("The file's name in the storage."))
    size = models.PositiveBigIntegerField(_("size"), help_text=_("Bytes, compressed."))
    rows = models.PositiveIntegerField(_("rows"), help_text=_("Cases in the file."))
    sha256 = models.CharField(_("sha256"), max_length=64, help_text=_("SHA-256 of the compressed file, in hex."))
    generated_at = models.DateTimeField(_("generated at"))

    class Meta:
        verbose_name = _("open data file")
        verbose_name_plural = _("open data files")
        constraints = [
            models.UniqueConstraint(
                fields=["city", "format"], condition=models.Q(city__isnull=False), name="open_data_one_file_per_city"
            ),
            models.UniqueConstraint(
                fields=["format"], condition=models.Q(city__isnull=True), name="open_data_one_collaborative_file"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class NightlyRun(models.Model):
    """When the next nightly export is due: one row, so several sweepers queue it once."""

    next_run_at = models.DateTimeField(_("next run at"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("nightly run")
        verbose_name_plural = _("nightly runs")

    def __str__(self) -> str:
        return f"next open-data export {self.next_run_at}"
