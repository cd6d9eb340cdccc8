from typing import Any

from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import gettext_lazy as _

# field → {value: label}: each choice field's labels, tabled once per process.
_choice_labels: dict[models.Field, dict[Any, Any]] = {}  # type: ignore[type-arg]


class ChoiceLabels(models.Model):
    """``get_FOO_display()`` from each field's labels tabled once per process.

    Django's own builds a dictionary of the field's choices on every call, hashing each
    label, a lazy translation, so translating them all: a case's status, channel and
    priority are shown on every page and in every email, several times each. The labels stay
    lazy in the table, so each is translated into the language of the moment it is shown.
    """

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field: models.Field) -> Any:  # type: ignore[type-arg]
        labels = _choice_labels.get(field)
        if labels is None:
            labels = _choice_labels[field] = {make_hashable(value): label for value, label in field.flatchoices}
        value = getattr(self, field.attname)
        return force_str(labels.get(make_hashable(value), value), strings_only=True)


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class AppendOnlyError(RuntimeError):
    """Raised on any attempt to change or delete a row of an append-only log."""


class AppendOnlyQuerySet(models.QuerySet):  # type: ignore[type-arg]
    """Rows are read and added, never rewritten: bulk ``update()`` and ``delete()`` refuse."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError(f"{self.model._meta.verbose_name_plural} are append-only and cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{self.model._meta.verbose_name_plural} are append-only and cannot be deleted.")

    update.alters_data = True  # type: ignore[attr-defined]
    delete.alters_data = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]


class AppendOnlyModel(models.Model):
    """An audit log's row: written once, then never changed or deleted, singly or in bulk."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError(f"{self._meta.verbose_name_plural} are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError(f"{self._meta.verbose_name_plural} are append-only and cannot be deleted.")


class RateLimitCounter(models.Model):
    """One caller's count of requests under one rate limit, in its current fixed window.

    Counted with one ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` (core/ratelimit.py), so
    simultaneous requests from any number of workers or servers each get their own number
    and exactly ``limit`` of them pass. Django's database cache could not do this: its
    ``incr`` is a read then a write.
    """

    key = models.CharField(_("key"), max_length=120, primary_key=True)  # "<rule>:<keyed hash of the caller>"
    count = models.PositiveIntegerField(_("count"), default=0)
    # Seconds since the epoch: compared inside the one SQL statement on SQLite and PostgreSQL alike.
    window_end = models.FloatField(_("window end"), db_index=True)

    class Meta:
        verbose_name_plural = _("rate-limit counters")
        db_table = "core_ratelimitcounter"  # named in ratelimit._COUNT_SQL
        verbose_name = _("rate-limit counter")

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
