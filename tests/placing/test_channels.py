"""Every channel that may bring an address and no point places the case the same way:
the console's new case (phone, walk-in), Open311's ``address_string``, the portal's city
page and email (the address found in the message's words)."""

from __future__ import annotations

import contextlib
import smtplib
from collections.abc import Iterator

import pytest
from django.urls import reverse

from civicdesk.accounts.models import Role
from civicdesk.cases.models import AddressSource, Channel, ServiceRequest
from civicdesk.intake.lmtp import LMTPController, lmtp_controller
from civicdesk.intake.models import Outcome
from civicdesk.intake.services import email_ingest
from civicdesk.open311.services import api_key_create
from tests.intake.mail import CITY_ADDRESS, RESIDENT, plain, raw
from tests.intake.servers import free_port
from tests.placing.conftest import bs_main_point, noland_point

NEW = reverse("console:new")


def _caller_form(service_type, **kw):
    data = {
        "service_type": service_type.pk,
        "lat": "",
        "lng": "",
        "address": "",
        "description": "Bags of rubbish by the curb",
        "reporter_name": "Carla Caller",
        "reporter_email": "carla@example.org",
        "reporter_phone": "816-555-0101",
        "notify_reporter": "on",
        "channel": Channel.PHONE,
        "priority": "normal",
    }
    data.update(kw)
    return data


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("address", "placed", "city"),
    [
        ("1234 S Noland Rd", True, "independence"),  # certain
        ("1234 Noland Rd", False, "independence"),  # ambiguous: N and S
        ("77 Nowhere Ln", False, "independence"),  # nothing
        ("152 Main St", True, "blue-springs"),  # another member city
        ("500 Faraway Rd", False, "independence"),  # outside every member city
    ],
)
def test_a_call_takers_address_is_placed_when_certain(
    gazetteer, trash, bs_trash, make_staff, client, address, placed, city
):
    call_taker = make_staff(trash.city, Role.CALL_TAKER, department=trash.department)
    client.force_login(call_taker)
    response = client.post(NEW, _caller_form(trash, address=address))
    assert response.status_code == 302, response.content.decode()[:2000]
    case = ServiceRequest.objects.get()
    assert (case.lat is not None, case.city.slug) == (placed, city)
    assert case.address_source == (AddressSource.TYPED if not placed else AddressSource.MATCHED)
    if city != "independence":
        assert response["Location"] == reverse("console:entered_elsewhere", args=[city, case.number])


@pytest.mark.django_db
def test_an_open311_address_string_without_lat_long_is_placed(gazetteer, trash, bs_trash, client):
    _key, api_key = api_key_create(city=trash.city, name="Pothole Pal")
    url = "/open311/v2/requests.json"
    juris = {"jurisdiction_id": trash.city.jurisdiction_id}
    response = client.post(
        url, {"api_key": api_key, "service_code": "trash", "address_string": "152 main street", **juris}
    )
    assert response.status_code == 201, response.content
    case = ServiceRequest.objects.get()
    assert case.city == gazetteer["blue-springs"] and case.channel == Channel.OPEN311
    assert (case.lat, case.lng) == pytest.approx(bs_main_point(152))
    assert case.address == "152 Main St" and case.address_source == AddressSource.MATCHED
    response = client.post(url, {"api_key": api_key, "service_code": "trash", "address_string": "1234 Noland", **juris})
    assert response.status_code == 201
    unplaced = ServiceRequest.objects.exclude(pk=case.pk).get()
    assert unplaced.lat is None and unplaced.city == trash.city and unplaced.address_source == AddressSource.TYPED
    bs_juris = {"jurisdiction_id": case.city.jurisdiction_id}
    document = client.get(f"/open311/v2/requests/{case.reference}.json", bs_juris).json()
    assert document[0]["address"] == "152 Main St" and document[0]["lat"] == pytest.approx(bs_main_point(152)[0])


@pytest.mark.django_db
def test_the_portals_city_page_places_an_address_without_a_pin(gazetteer, trash, client):
    response = client.post(
        reverse("portal:city-report", args=[trash.city.slug]),
        {"service_type": trash.pk, "address": "1238 S Noland Rd", "description": "Mattress on the verge"},
    )
    assert response.status_code in (200, 302), response.content.decode()[:1500]
    case = ServiceRequest.objects.get()
    assert case.address_source == AddressSource.INTERPOLATED and case.lat is not None


@pytest.mark.django_db
def test_an_email_naming_an_address_in_its_words_is_placed(gazetteer, trash):
    message = plain(
        "Hello,\n\nThere are bags of rubbish piled up in front of 1234 south Noland road since Monday. "
        "It has been 3 weeks now.\n\nThanks,\nMaria Lopez\n555-0100",
        subject="Rubbish not collected",
    )
    result = email_ingest(raw=raw(message))
    case = result.case
    assert result.outcome == Outcome.CREATED and case.channel == Channel.EMAIL
    assert (case.lat, case.lng) == pytest.approx(noland_point(1234))
    assert case.address == "1234 S Noland Rd" and case.address_source == AddressSource.MATCHED
    assert case.district is not None


@pytest.mark.django_db
def test_an_email_about_another_member_citys_address_goes_to_that_city(gazetteer, trash, bs_trash):
    message = plain("Can someone collect the mattress dumped at 152 Main St? Thank you.", subject="mattress")
    case = email_ingest(raw=raw(message)).case
    assert case.city == gazetteer["blue-springs"] and case.lat is not None


@pytest.mark.django_db
def test_an_email_with_an_ambiguous_address_waits_unplaced_with_the_address_it_gave(gazetteer, trash):
    message = plain("Trash everywhere at 1234 Noland Rd, please send someone.", subject="1234 Noland Rd trash")
    case = email_ingest(raw=raw(message)).case
    assert case.lat is None and case.city == trash.city
    assert case.address == "1234 Noland Rd" and case.address_source == AddressSource.TYPED


@pytest.mark.django_db
def test_the_subject_is_read_when_the_body_names_no_place(gazetteer, trash):
    message = plain("It has been there for two weeks and it smells.", subject="Rubbish at 1240 S Noland Rd")
    case = email_ingest(raw=raw(message)).case
    assert case.address == "1240 S Noland Rd" and case.lat is not None


@contextlib.contextmanager
def _receiver() -> Iterator[LMTPController]:
    controller = lmtp_controller(host="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()
        controller.handler.close()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_email_delivered_over_lmtp_is_placed_by_the_address_in_its_text(gazetteer, trash):
    message = raw(plain("Couch dumped on the sidewalk at 1240 S. Noland Rd. Please remove it.", subject="Couch"))
    with _receiver() as receiver:
        client = smtplib.LMTP("127.0.0.1", receiver.port, timeout=20)
        try:
            assert client.sendmail(RESIDENT, [CITY_ADDRESS], message) == {}
        finally:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                client.quit()
    case = ServiceRequest.objects.get()
    assert case.address == "1240 S Noland Rd" and case.address_source == AddressSource.MATCHED
    assert (case.lat, case.lng) == pytest.approx(noland_point(1240))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        "The pothole at 150 Main St, Blue Springs is getting deeper.",
        "There is rubbish at 150 Main St in Blue Springs since Monday.",
        "Rubbish at 150 main st blue springs, please.",
    ],
)
def test_an_email_naming_the_city_after_the_address_is_placed_in_that_city(gazetteer, trash, bs_trash, body):
    # Independence and Blue Springs both have a 150 Main St; the mail reaches Independence.
    case = email_ingest(raw=raw(plain(body, subject="Rubbish"))).case
    assert case.city == gazetteer["blue-springs"]
    assert (case.lat, case.lng) == pytest.approx(bs_main_point(150))
    assert case.address_source == AddressSource.MATCHED


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        "The pothole at Blue Springs, 150 Main St is getting deeper.",
        "Rubbish at Blue Springs 150 Main St, please.",
        "Blue Springs: 150 Main St has had rubbish since Monday.",
        "Address: Blue Springs, 150 Main St\nBags of rubbish by the curb.",
    ],
)
def test_an_email_naming_the_city_before_the_address_is_placed_in_that_city(gazetteer, trash, bs_trash, body):
    # Independence and Blue Springs both have a 150 Main St; the mail reaches Independence.
    case = email_ingest(raw=raw(plain(body, subject="Rubbish"))).case
    assert case.city == gazetteer["blue-springs"]
    assert (case.lat, case.lng) == pytest.approx(bs_main_point(150))
    assert case.address_source == AddressSource.MATCHED


@pytest.mark.django_db
def test_an_email_naming_no_city_for_an_address_both_cities_have_waits_unplaced(gazetteer, trash, bs_trash):
    case = email_ingest(raw=raw(plain("Rubbish at 150 Main St, please.", subject="Rubbish"))).case
    assert case.lat is None and case.city == trash.city and case.address == "150 Main St"
