"""Investigators take calls to their hotline in the console: the new-case form offers them
their city's confidential types only, and other staff never see those types there."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from civicdesk.accounts.models import Role
from civicdesk.cases import services
from civicdesk.cases.models import Channel, ServiceRequest
from civicdesk.catalog.models import ServiceAttribute
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

NEW = "/console/new/"


def _call(service_type, **kw):
    data = {
        "service_type": service_type.pk,
        "questions_for": service_type.pk,
        "lat": "",
        "lng": "",
        "address": "",
        "description": "The contractor bills for hours never worked",
        "channel": Channel.PHONE,
        "priority": "normal",
    }
    data.update(kw)
    return data


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_investigator_is_offered_the_hotline_and_no_ordinary_type(investigator, hotline, trash):
    response = _signed_in(investigator).get(NEW)
    options = response.context["form"].fields["service_type"].choices
    offered = {str(value) for value, _label in options if value}
    assert response.status_code == 200 and offered == {str(hotline.pk)}
    assert trash.name not in response.content.decode()


def test_an_investigator_enters_a_hotline_call_without_a_place(investigator, hotline, outbox):
    client = _signed_in(investigator)
    response = client.post(NEW, _call(hotline, reporter_email="whistle@example.org"))
    case = ServiceRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/console/cases/independence/{case.number}/"
    assert (case.service_type, case.city, case.created_by, case.channel) == (
        hotline,
        investigator.city,
        investigator,
        Channel.PHONE,
    )
    assert case.lat is None and case.department == hotline.department
    assert "bills for hours" in client.get(response["Location"]).content.decode()
    # The caller's receipt says nothing of what was reported, as for the portal's hotline.
    receipt = next(m for m in outbox() if m.to == ["whistle@example.org"])
    assert "bills for hours" not in receipt.body and case.reference not in receipt.subject + receipt.body


def test_the_hotlines_questions_are_asked_of_the_investigator(investigator, hotline):
    ServiceAttribute.objects.create(service_type=hotline, code="agency", question="Which agency?", required=True)
    client = _signed_in(investigator)
    assert "Which agency?" in client.get("/console/new/questions/", {"service_type": hotline.pk}).content.decode()
    client.post(NEW, _call(hotline, attr_agency="Parks"))
    assert ServiceRequest.objects.get().attributes == {"agency": "Parks"}


def test_an_investigator_cannot_enter_an_ordinary_case(investigator, trash):
    lat, lng = INSIDE["independence"]
    response = _signed_in(investigator).post(NEW, _call(trash, lat=lat, lng=lng))
    assert response.status_code == 400 and not ServiceRequest.objects.exists()
    with pytest.raises(PermissionDenied):
        services.case_create(service_type=trash, lat=lat, lng=lng, description="Sofa", actor=investigator)
    assert not ServiceRequest.objects.exists()


def test_an_investigator_of_another_city_is_not_offered_this_citys_hotline(raytown, hotline, make_staff):
    theirs = make_staff(raytown, Role.INVESTIGATOR)
    response = _signed_in(theirs).post(NEW, _call(hotline))
    assert response.status_code == 400 and not ServiceRequest.objects.exists()
    assert hotline.name not in _signed_in(theirs).get(NEW).content.decode()


@pytest.mark.parametrize("role", [Role.CALL_TAKER, Role.WORKER, Role.SUPERVISOR, Role.CITY_ADMIN])
def test_other_staff_never_see_the_hotline_in_the_form(role, independence, hotline, trash, make_staff):
    client = _signed_in(make_staff(independence, role, department=trash.department))
    page = client.get(NEW)
    assert page.status_code == 200
    assert hotline.name not in page.content.decode() and trash.name in page.content.decode()
    assert hotline.name not in client.get("/console/new/questions/", {"service_type": hotline.pk}).content.decode()
    response = client.post(NEW, _call(hotline, address="223 N Memorial Dr"))
    assert response.status_code == 400 and not ServiceRequest.objects.exists()


def test_a_hotline_call_is_never_offered_to_follow_a_confidential_report_nearby(investigator, hotline, tip):
    tip()
    lat, lng = INSIDE["independence"]
    client = _signed_in(investigator)
    panel = client.get("/console/new/similar/", {"service_type": hotline.pk, "lat": lat, "lng": lng})
    assert "bills for hours" not in panel.content.decode() and "223 N Memorial" not in panel.content.decode()
    response = client.post(NEW, _call(hotline, lat=lat, lng=lng))
    assert response.status_code == 302 and ServiceRequest.objects.count() == 2
