"""Reads of the catalogue."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q, QuerySet

from civicdesk.accounts.models import Role, User
from civicdesk.catalog.models import ServiceAgreement, ServiceType


def reportable_types() -> QuerySet[ServiceType]:
    """Types a resident or an outside app may choose: active, and not the staff's triage
    queue (where email intake files what it could not place)."""
    return ServiceType.objects.filter(active=True).exclude(code=settings.INTAKE_TRIAGE_SERVICE_CODE)


def agreement_list_for(*, user: User) -> QuerySet[ServiceAgreement]:
    """Agreements the user's city is party to, as client or provider (regional
    administrators: all of them)."""
    agreements = ServiceAgreement.objects.select_related("client_city", "provider_city", "provider_department").defer(
        "client_city__boundary", "provider_city__boundary"
    )
    if user.is_authenticated and user.is_active and user.role == Role.REGIONAL_ADMIN:
        return agreements.order_by("client_city__name", "-starts_on")
    if not user.is_authenticated or not user.is_active or user.city_id is None:
        return agreements.none()
    return agreements.filter(Q(client_city_id=user.city_id) | Q(provider_city_id=user.city_id)).order_by(
        "-starts_on", "pk"
    )
