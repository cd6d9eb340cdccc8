"""Small helpers shared by the case tests."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import FileSystemStorage

from civicdesk.cases.models import CaseEvent, ServiceRequest


def fresh(case: ServiceRequest) -> ServiceRequest:
    """The case as the database has it now."""
    return ServiceRequest.objects.select_related("city", "assignee", "department", "service_type").get(pk=case.pk)


def events_of(case: ServiceRequest) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case_id=case.pk).order_by("at", "pk"))


class BrokenStorage(FileSystemStorage):
    """A file store that is down: every save fails as a full disk or lost mount would."""

    def _save(self, name: str, content: Any) -> str:
        raise OSError(28, "No space left on device")


class ThumbnailBrokenStorage(FileSystemStorage):
    """Stores the photo, then fails on its thumbnail: the half-done work must be undone."""

    def _save(self, name: str, content: Any) -> str:
        if "-thumb" in name:
            raise OSError(28, "No space left on device")
        return super()._save(name, content)
