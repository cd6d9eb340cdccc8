"""Small helpers shared by the case tests."""

from __future__ import annotations

from civicdesk.cases.models import CaseEvent, ServiceRequest


def fresh(case: ServiceRequest) -> ServiceRequest:
    """The case as the database has it now."""
    return ServiceRequest.objects.select_related("city", "assignee", "department", "service_type").get(pk=case.pk)


def events_of(case: ServiceRequest) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case_id=case.pk).order_by("at", "pk"))
