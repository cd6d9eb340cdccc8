"""Service types with their questions, case filters, and the outbox, through the admin."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from civicdesk.cases import services
from civicdesk.catalog.models import ServiceAttribute, ServiceType
from civicdesk.notifications.models import OutboxMessage
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db


def new_type_with_question(department_id: int, values: object, datatype: str = "singlevaluelist") -> dict[str, object]:
    return {
        "name": "Dead animal",
        "code": "dead-animal",
        "department": department_id,
        "target_days": "2",
        "sort_order": "0",
        "active": "on",
        "attributes-TOTAL_FORMS": "1",
        "attributes-INITIAL_FORMS": "0",
        "attributes-MIN_NUM_FORMS": "0",
        "attributes-MAX_NUM_FORMS": "1000",
        "attributes-0-order": "1",
        "attributes-0-code": "animal",
        "attributes-0-question": "What kind of animal?",
        "attributes-0-datatype": datatype,
        "attributes-0-required": "on",
        "attributes-0-variable": "on",
        "attributes-0-values": json.dumps(values),
    }


def test_a_city_admin_adds_a_type_with_a_list_question_in_their_city(login, city_admin, make_department):
    dept = make_department(city_admin.city)
    choices = [{"key": "deer", "name": "Deer"}, {"key": "dog", "name": "Dog"}]
    response = login(city_admin).post(
        reverse("admin:catalog_servicetype_add"), new_type_with_question(dept.pk, choices)
    )
    assert response.status_code == 302
    created = ServiceType.objects.get(code="dead-animal")
    assert created.city == city_admin.city
    question = created.attributes.get()
    assert (question.required, question.values) == (True, choices)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([{"key": "deer"}], "Choice 1 needs a “key” and a “name”"),
        ([{"key": "a", "name": "A"}, {"key": "a", "name": "B"}], "Each choice needs its own key; repeated: a."),
        ([], "A question answered from a list needs at least one choice."),
        ({"deer": "Deer"}, "Line 1: a key is one word (letters, digits, “-” or “_”)"),
    ],
)
def test_badly_written_choices_are_refused_with_the_reason(login, city_admin, make_department, values, message):
    dept = make_department(city_admin.city)
    response = login(city_admin).post(reverse("admin:catalog_servicetype_add"), new_type_with_question(dept.pk, values))
    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.errors[0]["values"]
    assert message in " ".join(errors)
    assert not ServiceAttribute.objects.exists()


def test_the_case_filters_offer_only_the_city_s_own_types_departments_and_districts(
    login, city_admin, independence_case, independence, raytown, make_service_type
):
    potholes = make_service_type(independence, name="Pothole")
    lat, lng = INSIDE["independence"]
    services.case_create(service_type=potholes, lat=lat, lng=lng, description="Deep hole")
    raytown_type = make_service_type(raytown, name="Raytown only")
    lat, lng = INSIDE["raytown"]
    services.case_create(service_type=raytown_type, lat=lat, lng=lng, description="Across the line")

    page = login(city_admin).get(reverse("admin:cases_servicerequest_changelist"))
    cl = page.context["cl"]
    filters = {str(spec.title): [c["display"] for c in spec.choices(cl)] for spec in cl.filter_specs}
    assert sorted(filters["service type"][1:]) == sorted(["Pothole", independence_case.service_type.name])
    assert sorted(filters["department"][1:-1]) == sorted([potholes.department.name, independence_case.department.name])
    assert all(d.startswith("District") for d in filters["district"][1:-1])
    assert "city" not in filters
    assert cl.result_count == 2

    by_type = login(city_admin).get(
        reverse("admin:cases_servicerequest_changelist"), {"service_type__id__exact": potholes.pk}
    )
    assert [c.description for c in by_type.context["cl"].result_list] == ["Deep hole"]


def test_a_city_admin_reads_their_citys_outbox_and_nobody_edits_it(
    login, city_admin, superuser, regional_admin, independence_case
):
    messages = OutboxMessage.objects.filter(case=independence_case)
    assert messages.exists()
    client = login(city_admin)
    listing = client.get(reverse("admin:notifications_outboxmessage_changelist"))
    assert listing.context["cl"].result_count == messages.count()
    first = messages.first()
    change = reverse("admin:notifications_outboxmessage_change", args=[first.pk])
    for user in (city_admin, superuser):
        assert login(user).post(change, {"status": "sent"}).status_code == 403
    assert login(regional_admin).get(reverse("admin:notifications_outboxmessage_changelist")).status_code == 403
    first.refresh_from_db()
    assert first.status == "pending"
