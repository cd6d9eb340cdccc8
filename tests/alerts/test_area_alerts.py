"""Email alerts of new and closed reports in an area: double opt-in, matching by city,
district, radius and type, one email per case per subscriber, one-click unsubscribe, and
nothing about the reporter."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from civicdesk.accounts.models import Role
from civicdesk.cases import services
from civicdesk.notifications import alerts
from civicdesk.notifications import services as alert_services
from civicdesk.notifications.models import AlertOn, AreaKind, AreaSubscription
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db


def _subscribe(client, **form):
    data = {"on": AlertOn.NEW, "area": AreaKind.CITY, "radius_m": 500, **form}
    return client.post("/independence/alerts/", data)


def _report(service_type, point, **kw):
    return services.case_create(
        service_type=service_type,
        lat=point[0],
        lng=point[1],
        address=kw.pop("address", "223 N Memorial Dr"),
        description=kw.pop("description", "A sofa, said Rita Reporter"),
        reporter_name="Rita Reporter",
        reporter_email="rita@example.org",
        reporter_phone="816-555-0100",
        **kw,
    )


def _settle(outbox):
    """Deliver what is waiting (confirmations) and forget it: the next emails are the test's."""
    outbox()
    mail.outbox.clear()


def _alerts(outbox, address):
    return [m for m in outbox() if m.to == [address]]


def test_nothing_is_sent_but_the_confirmation_until_its_link_is_used(client, trash, outbox, spots):
    response = _subscribe(client, email="ann@example.org")
    assert response.status_code == 200 and "Almost done" in response.content.decode()
    (confirmation,) = _alerts(outbox, "ann@example.org")
    assert "/alerts/confirm/" in confirmation.body and "List-Unsubscribe" not in confirmation.extra_headers
    _settle(outbox)
    _report(trash, spots["a"])
    assert _alerts(outbox, "ann@example.org") == []
    confirm_link = re.search(r"(/alerts/confirm/[^\s]+/)", confirmation.body).group(1)
    assert Client().get(confirm_link).status_code == 200  # a mail scanner opening the link confirms nothing
    assert not AreaSubscription.objects.get(email="ann@example.org").is_confirmed
    assert Client().post(confirm_link).status_code == 200
    assert AreaSubscription.objects.get(email="ann@example.org").is_confirmed
    case = _report(trash, spots["a"], address="1 Truman Rd")
    (alert,) = _alerts(outbox, "ann@example.org")
    assert case.reference in alert.body and "1 Truman Rd" in alert.body and "Trash/Rubbish" in alert.body
    html = alert.alternatives[0][0]
    for private in ("Rita", "rita@example.org", "816-555-0100", "A sofa", case.tracking_token):
        assert private not in alert.body and private not in html


def test_every_alert_carries_a_one_click_unsubscribe(client, trash, outbox, confirm, spots):
    _subscribe(client, email="ann@example.org")
    confirm("ann@example.org")
    _report(trash, spots["a"])
    (alert,) = _alerts(outbox, "ann@example.org")
    header = alert.extra_headers["List-Unsubscribe"]
    assert alert.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = re.search(r"https?://[^/]+(/alerts/unsubscribe/[^>]+/)>", header).group(1)
    assert path in alert.body
    # GET shows a button and changes nothing; the mail program's POST (no CSRF token) stops it.
    assert Client().get(path).status_code == 200
    assert AreaSubscription.objects.get(email="ann@example.org").active
    assert Client(enforce_csrf_checks=True).post(path).status_code == 200
    assert not AreaSubscription.objects.get(email="ann@example.org").active
    _settle(outbox)
    _report(trash, spots["a"])
    assert _alerts(outbox, "ann@example.org") == []


def test_alerts_match_the_district_the_whole_city_or_the_circle_and_the_type(
    independence, trash, make_service_type, outbox, spots
):
    pothole = make_service_type(independence, "pothole", name="Pothole")

    def confirmed(**kw):
        subscription = alert_services.subscription_create(city=independence, **kw)
        return alert_services.subscription_confirm(token=subscription.confirm_token)

    confirmed(email="district@example.org", area=AreaKind.DISTRICT, district=spots["b_district"])
    confirmed(email="city@example.org", area=AreaKind.CITY, service_types=[pothole])
    confirmed(email="circle@example.org", area=AreaKind.RADIUS, lat=spots["a"][0], lng=spots["a"][1], radius_m=300)
    confirmed(email="closings@example.org", area=AreaKind.CITY, on=AlertOn.CLOSED)
    _settle(outbox)

    near_a = (spots["a"][0] + 0.002, spots["a"][1])  # about 220 m from the centre
    _report(trash, near_a)
    _report(pothole, spots["b"])
    _report(trash, (spots["a"][0] + 0.004, spots["a"][1]))  # about 440 m: outside the circle
    got = {}
    for message in outbox():
        got.setdefault(message.to[0], []).append(message.subject)
    assert len(got["circle@example.org"]) == 1
    assert len(got["district@example.org"]) == 1 and "Pothole" in got["district@example.org"][0]
    assert len(got["city@example.org"]) == 1 and "Pothole" in got["city@example.org"][0]
    assert "closings@example.org" not in got


def test_closing_alerts_go_to_those_who_asked_for_closures(independence, trash, make_staff, outbox, spots):
    subscription = alert_services.subscription_create(email="c@example.org", city=independence, on=AlertOn.CLOSED)
    alert_services.subscription_confirm(token=subscription.confirm_token)
    case = _report(trash, spots["a"])
    _settle(outbox)
    services.case_close(case=case, actor=make_staff(independence, Role.SUPERVISOR), note="Picked up on Monday")
    (alert,) = _alerts(outbox, "c@example.org")
    assert "closed" in alert.subject.lower() and "Picked up on Monday" in alert.body


def test_a_subscriber_matching_several_ways_gets_one_email_per_case(independence, trash, outbox, spots):
    for kw in (
        {"area": AreaKind.CITY},
        {"area": AreaKind.DISTRICT, "district": spots["a_district"]},
        {"area": AreaKind.RADIUS, "lat": spots["a"][0], "lng": spots["a"][1], "radius_m": 1000},
        {"area": AreaKind.CITY, "on": AlertOn.BOTH},
    ):
        subscription = alert_services.subscription_create(email="Many@Example.org", city=independence, **kw)
        alert_services.subscription_confirm(token=subscription.confirm_token)
    subscription = alert_services.subscription_create(email="many@example.org", city=independence)
    alert_services.subscription_confirm(token=subscription.confirm_token)
    _settle(outbox)
    _report(trash, spots["a"])
    _report(trash, spots["a"])
    assert len([m for m in outbox() if m.to[0].lower() == "many@example.org"]) == 2


def test_a_circle_reaches_across_the_city_line(independence, raytown, make_service_type, outbox):
    lat, lng = INSIDE["raytown"]
    subscription = alert_services.subscription_create(
        email="edge@example.org", city=independence, area=AreaKind.RADIUS, lat=lat, lng=lng, radius_m=500
    )
    alert_services.subscription_confirm(token=subscription.confirm_token)
    _settle(outbox)
    _report(make_service_type(raytown, "trash"), (lat, lng))
    assert len(_alerts(outbox, "edge@example.org")) == 1


def test_bad_subscriptions_are_refused_in_words(client, independence, raytown, spots):
    def errors(**form):
        response = _subscribe(client, **form)
        assert response.status_code == 400
        return response.content.decode()

    assert "Enter a valid email address" in errors(email="not-an-address")
    assert "Choose the center of the area" in errors(email="a@example.org", area=AreaKind.RADIUS)
    assert "Choose a district of Independence" in errors(email="a@example.org", area=AreaKind.DISTRICT)
    assert AreaSubscription.objects.count() == 0


def test_a_form_cannot_flood_one_mailbox_with_confirmations(independence):
    from django.core.exceptions import ValidationError

    for _ in range(alerts.MAX_UNCONFIRMED):
        alert_services.subscription_create(email="victim@example.org", city=independence)
    with pytest.raises(ValidationError, match="waiting for confirmation"):
        alert_services.subscription_create(email="victim@example.org", city=independence)


def test_the_alerts_page_offers_districts_and_public_types_only(client, trash, make_service_type, independence):
    make_service_type(independence, "fraud", name="Secret hotline", is_confidential=True)
    html = client.get("/independence/alerts/").content.decode()
    assert "Trash/Rubbish" in html and "Secret hotline" not in html and "District 1" in html
    assert 'data-mode="pick"' in html


def test_the_district_choice_asks_for_a_district_in_words_in_either_language(client, independence):
    english = client.get("/independence/alerts/").content.decode()
    assert '<option value="" selected>Choose a district</option>' in english and "---------" not in english
    spanish = client.get("/independence/alerts/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<option value="" selected>Elija un distrito</option>' in spanish and "---------" not in spanish


@pytest.mark.parametrize(
    ("subscription", "heard"),
    [
        ({"area": AreaKind.CITY}, True),
        ({"area": AreaKind.CITY, "on": AlertOn.BOTH}, True),
        ({"area": AreaKind.CITY, "on": AlertOn.CLOSED}, False),
        ({"area": AreaKind.CITY, "confirmed": False}, False),
        ({"area": AreaKind.CITY, "active": False}, False),
        ({"area": AreaKind.DISTRICT, "district": "a_district"}, True),
        ({"area": AreaKind.DISTRICT, "district": "b_district"}, False),
        ({"area": AreaKind.RADIUS, "near": "a", "radius_m": 300}, True),
        ({"area": AreaKind.RADIUS, "near": "b", "radius_m": 300}, False),
    ],
)
def test_the_first_question_of_every_report_finds_exactly_the_subscriptions_near_it(
    independence, trash, spots, subscription, heard
):
    """``_anyone_near`` is plain SQL (every report asks it): it must agree with the matching
    it stands in front of, for each way a subscription can match or not."""
    form = dict(subscription)
    confirmed, active = form.pop("confirmed", True), form.pop("active", True)
    if "district" in form:
        form["district"] = spots[form["district"]]
    if "near" in form:
        form["lat"], form["lng"] = spots[form.pop("near")]
    made = alert_services.subscription_create(email="near@example.org", city=independence, **form)
    if confirmed:
        made = alert_services.subscription_confirm(token=made.confirm_token)
    if not active:
        AreaSubscription.objects.filter(pk=made.pk).update(active=False)
    case = _report(trash, spots["a"])
    assert alerts._anyone_near(case, on=AlertOn.NEW) is heard
    assert bool(alerts.subscriptions_matching(case, on=AlertOn.NEW)) is heard
