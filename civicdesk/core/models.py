from typing import Any

from django.db import models


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

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

    key = models.CharField(max_length=120, primary_key=True)  # "<rule>:<keyed hash of the caller>"
    count = models.PositiveIntegerField(default=0)
    # Seconds since the epoch: compared inside the one SQL statement on SQLite and PostgreSQL alike.
    window_end = models.FloatField(db_index=True)

    class Meta:
        db_table = "core_ratelimitcounter"  # named in ratelimit._COUNT_SQL
        verbose_name = "rate-limit counter"

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
