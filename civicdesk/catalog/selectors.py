"""Reads of the catalogue."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q, QuerySet

from civicdesk.accounts.models import Role, User
from civicdesk.catalog.catalogue_file import Catalogue, DepartmentEntry, QuestionEntry, TypeEntry
from civicdesk.catalog.models import ServiceAgreement, ServiceType
from civicdesk.tenants.models import City, Department


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


def catalogue_of(*, city: City) -> Catalogue:
    """A city's departments and service types (retired ones included) as a catalogue file
    holds them: what ``catalog_export`` writes and ``catalog_import`` reads back."""
    departments = [
        DepartmentEntry(line=0, code=d.code, name=d.name, email=d.email, active=d.active)
        for d in Department.objects.filter(city=city).order_by("code")
    ]
    types = []
    for t in (
        ServiceType.objects.filter(city=city)
        .select_related("department")
        .prefetch_related("attributes")
        .order_by("group", "sort_order", "code")
    ):
        types.append(
            TypeEntry(
                line=0,
                code=t.code,
                name=t.name,
                name_es=t.name_es,
                department=t.department.code if t.department else "",
                target_days=t.target_days,
                target_in_business_days=t.target_in_business_days,
                group=t.group,
                group_es=t.group_es,
                description=t.description,
                keywords=t.keywords,
                active=t.active,
                confidential=t.is_confidential,
                questions=[
                    QuestionEntry(
                        code=a.code,
                        question=a.question,
                        question_es=a.question_es,
                        datatype=a.datatype,
                        required=a.required,
                        variable=a.variable,
                        values=list(a.values or []),
                        description=a.description,
                        order=a.order,
                    )
                    for a in t.attributes.all()
                ],
            )
        )
    return Catalogue(departments=departments, service_types=types)


def type_names_of(*, city: City) -> dict[str, str]:
    """The city's service types (retired ones too: history names them), code → name."""
    return dict(ServiceType.objects.filter(city=city).values_list("code", "name"))
