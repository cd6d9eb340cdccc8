"""Reads of the catalogue."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet

from civicdesk.catalog.models import ServiceType


def reportable_types() -> QuerySet[ServiceType]:
    """Types a resident or an outside app may choose: active, and not the staff's triage
    queue (where email intake files what it could not place)."""
    return ServiceType.objects.filter(active=True).exclude(code=settings.INTAKE_TRIAGE_SERVICE_CODE)
