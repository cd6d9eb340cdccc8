"""A resident's alerts on one page ("Your alerts"), reached by a signed link: listed in the
emails' words, changed in place, stopped one by one or all at once; the link in every alert,
confirmation and confirm/stop page; "Email me a link to my alerts", sent through a real SMTP
server on loopback, answering the same for every address and at most 3 an hour."""

from __future__ import annotations

import re
import time

import pytest
from django.core import signing
from django.test import Client

from civicdesk.notifications import alerts
from civicdesk.notifications import services as alert_services
from civicdesk.notifications.models import AlertOn, AreaKind, AreaSubscription
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

LAT, LNG = INSIDE["independence"]


def html(m) -> str:
    return m.message.get_body(preferencelist=("html",)).get_content()


def words(text: str) -> str:
    """Text as read: tags dropped, white space one space."""
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def your_alerts_path(email: str, city) -> str:
    return path_of(alerts.your_alerts_url(email=email, city=city))


def signed_days_ago(days: float, value: dict) -> str:
    """A link to alerts as the site signed it ``days`` ago (its own key and salt)."""

    class Then(signing.TimestampSigner):
        def timestamp(self) -> str:
            return signing.b62_encode(int(time.time() - days * 86400))

    return Then(salt=alerts.YOUR_ALERTS_SALT).sign_object(value, compress=True)


def confirmed(**kw) -> AreaSubscription:
    subscription = alert_services.subscription_create(**kw)
    alert_services.subscription_confirm(token=subscription.confirm_token)
    subscription.refresh_from_db()
    return subscription


@pytest.fixture
def anns(independence, raytown, trash, make_service_type):
    """Ann's alerts: the whole city (confirmed), a circle around an address for two types
    (confirmed), a district (not confirmed), one she stopped, and one in Raytown; and Bob's."""
    graffiti = make_service_type(independence, "graffiti", name="Graffiti", name_es="Grafiti")
    district = independence.districts.order_by("number", "name").first()
    city = confirmed(email="ann@example.org", city=independence, on=AlertOn.NEW)
    circle = confirmed(
        email="Ann@Example.org",
        city=independence,
        area=AreaKind.RADIUS,
        lat=LAT,
        lng=LNG,
        radius_m=805,
        on=AlertOn.CLOSED,
        service_types=[trash, graffiti],
    )
    AreaSubscription.objects.filter(pk=circle.pk).update(address="1200 S Main St")
    circle.refresh_from_db()
    pending = alert_services.subscription_create(
        email="ann@example.org", city=independence, area=AreaKind.DISTRICT, district=district, on=AlertOn.BOTH
    )
    stopped = confirmed(email="ann@example.org", city=independence, on=AlertOn.CLOSED)
    alert_services.subscription_unsubscribe(token=stopped.unsubscribe_token)
    elsewhere = confirmed(email="ann@example.org", city=raytown)
    bobs = confirmed(email="bob@example.org", city=independence)
    return {
        "city": city,
        "circle": circle,
        "pending": pending,
        "stopped": stopped,
        "elsewhere": elsewhere,
        "bobs": bobs,
        "district": district,
        "graffiti": graffiti,
    }


# --- the link ----------------------------------------------------------------------------------


YOURS = r"/independence/alerts/yours/([^/\s\"]+)/"


def opens(token: str) -> tuple[str, int]:
    """Whose alerts a link's signed part opens (each is signed when written: its time stamp is
    that moment's, so links are compared by what they open, not letter by letter)."""
    return tuple(alerts.your_alerts_read(token))


def test_every_confirmation_and_alert_and_the_confirm_and_stop_pages_link_to_your_alerts(
    independence, report, smtp_inbox, client
):
    subscription = alert_services.subscription_create(email="Neighbor@Example.org", city=independence)
    neighbor = ("neighbor@example.org", independence.pk)
    [confirmation] = smtp_inbox()
    [in_text] = re.findall(YOURS, confirmation.text())
    [in_html] = re.findall(r'href="[^"]*' + YOURS, html(confirmation))
    assert opens(in_text) == opens(in_html) == neighbor
    assert "See, change or stop all your alerts" in words(html(confirmation))

    page = client.get(f"/alerts/confirm/{subscription.confirm_token}/").content.decode()
    [on_page] = re.findall(r'href="' + YOURS, page)
    assert opens(on_page) == neighbor
    client.post(f"/alerts/confirm/{subscription.confirm_token}/")
    report()
    [alert] = [m for m in smtp_inbox() if m.to == "Neighbor@Example.org"]
    [in_text] = re.findall(YOURS, alert.text())
    [in_html] = re.findall(r'href="[^"]*' + YOURS, html(alert))
    assert opens(in_text) == opens(in_html) == neighbor
    page = client.get(f"/alerts/unsubscribe/{subscription.unsubscribe_token}/").content.decode()
    [on_page] = re.findall(r'href="' + YOURS, page)
    assert opens(on_page) == neighbor
    assert client.get(f"/independence/alerts/yours/{in_text}/").status_code == 200


def test_the_link_works_for_seven_days_and_then_asks_for_a_new_one_with_the_address_filled_in(
    independence, anns, client
):
    value = {"e": "ann@example.org", "c": independence.pk}
    almost = client.get(f"/independence/alerts/yours/{signed_days_ago(6.9, value)}/")
    assert almost.status_code == 200 and "New reports in Independence" in words(almost.content.decode())

    token = signed_days_ago(7.1, value)
    for path in (
        f"/independence/alerts/yours/{token}/",
        f"/independence/alerts/yours/{token}/{anns['city'].pk}/change/",
    ):
        expired = client.get(path)
        assert expired.status_code == 410
        text = words(expired.content.decode())
        assert "This link has expired: links to your alerts work for 7 days." in text
        assert 'value="ann@example.org"' in expired.content.decode()
        assert "New reports in Independence" not in text
    # An expired link stops nothing either.
    client.post(f"/independence/alerts/yours/{token}/", {"stop_all": "1"})
    assert AreaSubscription.objects.filter(email__iexact="ann@example.org", active=True).count() == 4


def test_an_altered_or_made_up_link_opens_nothing(independence, anns, client):
    good = alerts.your_alerts_token(email="ann@example.org", city=independence)
    payload, stamp, signature = good.split(":")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    bobs_payload = signing.dumps(
        {"e": "bob@example.org", "c": independence.pk}, salt=alerts.YOUR_ALERTS_SALT, compress=True
    )
    made_up = [
        f"{payload}:{stamp}:{flipped}",  # one character of the signature changed
        f"{bobs_payload.split(':')[0]}:{stamp}:{signature}",  # another address under Ann's signature
        signing.dumps({"e": "ann@example.org", "c": independence.pk}, compress=True),  # another salt
        good[:-4],  # cut short
        "not-a-link",
    ]
    for token in made_up:
        response = client.get(f"/independence/alerts/yours/{token}/")
        assert response.status_code == 404, token
        text = words(response.content.decode())
        assert "This link does not open alerts in Independence." in text
        assert "ann@example.org" not in text and "bob@example.org" not in text
        client.post(f"/independence/alerts/yours/{token}/", {"stop_all": "1"})
    assert AreaSubscription.objects.filter(active=True).count() == 5


def test_a_link_opens_its_own_citys_alerts_only(independence, raytown, anns, client):
    independence_token = alerts.your_alerts_token(email="ann@example.org", city=independence)
    response = client.get(f"/raytown/alerts/yours/{independence_token}/")
    assert response.status_code == 404
    assert "This link does not open alerts in Raytown." in words(response.content.decode())
    change = client.get(f"/raytown/alerts/yours/{independence_token}/{anns['elsewhere'].pk}/change/")
    assert change.status_code == 404
    # Raytown's link lists Ann's Raytown alert and none of Independence's.
    text = words(client.get(your_alerts_path("ann@example.org", raytown)).content.decode())
    assert "ann@example.org has 1 alert here." in text and "New reports in Raytown" in text
    assert "Independence" not in text.replace("Independence 311", "")


# --- the list ----------------------------------------------------------------------------------


def test_the_page_lists_every_alert_of_the_address_in_the_city_as_the_emails_say_them(independence, anns, client):
    response = client.get(your_alerts_path("ANN@example.org", independence))
    page = response.content.decode()
    headings = [words(h) for h in re.findall(r"<h2 id=\"alert-\d+\">(.*?)</h2>", page)]
    district = anns["district"].name
    assert headings == [
        "New reports in Independence",
        "Closed reports within ½ mile of 1200 S Main St",
        f"New and closed reports in {district}, Independence",
    ]
    text = words(page)
    assert "ann@example.org has 3 alerts here." in text
    assert "Problems: every type" in text and "Problems: Graffiti, Trash/Rubbish" in text
    assert text.count("Not confirmed yet") == 1 and text.count("Send the confirmation again") == 1
    assert page.count(">Change</a>") == 3 and page.count(">Stop</button>") == 3 and "Stop all my alerts" in text
    assert "bob@example.org" not in text
    # The circle's address links to the point on a map, as in the emails.
    assert 'href="https://www.openstreetmap.org/?mlat=' in page
    # Each button is described by its alert's heading, for a screen reader.
    circle = anns["circle"].pk
    assert f'name="stop" value="{circle}" aria-describedby="alert-{circle}"' in page


def test_the_page_speaks_spanish(independence, anns, client):
    page = client.get(your_alerts_path("ann@example.org", independence), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    text = words(page)
    assert "Sus alertas en Independence" in text
    assert "Reportes nuevos en Independence" in text
    assert "Reportes cerrados a menos de ½ milla de 1200 S Main St" in text
    assert "Problemas: Grafiti, Trash/Rubbish" in text and "todos los tipos" in text
    assert "Sin confirmar todavía" in text and "Detener todas mis alertas" in text


def test_the_list_and_the_change_form_are_never_kept_by_a_cache(independence, anns, client):
    path = your_alerts_path("ann@example.org", independence)
    for response in (client.get(path), client.get(f"{path}{anns['circle'].pk}/change/")):
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_an_address_without_alerts_reads_so(independence, client):
    text = words(client.get(your_alerts_path("nobody@example.org", independence)).content.decode())
    assert "nobody@example.org has no alerts in Independence." in text and "Set new alerts" in text


# --- stopping -----------------------------------------------------------------------------------


def test_opening_the_page_stops_nothing_and_a_stop_button_stops_one_alert(independence, anns, client):
    path = your_alerts_path("ann@example.org", independence)
    client.get(path)
    assert AreaSubscription.objects.filter(city=independence, email__iexact="ann@example.org", active=True).count() == 3
    response = client.post(path, {"stop": anns["circle"].pk}, follow=True)
    text = words(response.content.decode())
    assert "Stopped: no more alerts of closed reports within ½ mile of 1200 S Main St." in text
    assert "Closed reports within" not in text and "ann@example.org has 2 alerts here." in text
    assert not AreaSubscription.objects.get(pk=anns["circle"].pk).active
    assert AreaSubscription.objects.get(pk=anns["city"].pk).active
    # Pressed again (a second tab): nothing more happens.
    again = client.post(path, {"stop": anns["circle"].pk}, follow=True)
    assert "Those alerts were already stopped." in words(again.content.decode())


def test_a_link_cannot_stop_anyone_elses_alert(independence, anns, client):
    client.post(your_alerts_path("ann@example.org", independence), {"stop": anns["bobs"].pk})
    client.post(your_alerts_path("ann@example.org", independence), {"stop": anns["elsewhere"].pk})
    assert AreaSubscription.objects.get(pk=anns["bobs"].pk).active
    assert AreaSubscription.objects.get(pk=anns["elsewhere"].pk).active


def test_stop_all_stops_every_alert_of_the_address_in_the_city_only(independence, anns, client):
    response = client.post(your_alerts_path("ann@example.org", independence), {"stop_all": "1"}, follow=True)
    text = words(response.content.decode())
    assert "Stopped: ann@example.org will get no more alerts from Independence 311 (3 alerts)." in text
    assert "ann@example.org has no alerts in Independence." in text
    assert not AreaSubscription.objects.filter(city=independence, email__iexact="ann@example.org", active=True).exists()
    assert AreaSubscription.objects.get(pk=anns["elsewhere"].pk).active
    assert AreaSubscription.objects.get(pk=anns["bobs"].pk).active


def test_a_confirmation_is_sent_again_at_most_three_times_an_hour(independence, anns, client, smtp_inbox):
    smtp_inbox()  # the confirmations of the fixture
    path = your_alerts_path("ann@example.org", independence)
    said = [words(client.post(path, {"resend": anns["pending"].pk}, follow=True).content.decode()) for _ in range(3)]
    sent = [m for m in smtp_inbox() if m.to == "ann@example.org"]
    # The fixture's five confirmations within the hour already count: none more is sent.
    assert sent == []
    assert all("several confirmation emails in the last hour" in text for text in said)


def test_a_confirmation_sent_again_has_the_same_link(independence, client, smtp_inbox):
    pending = alert_services.subscription_create(email="cal@example.org", city=independence)
    smtp_inbox()
    response = client.post(your_alerts_path("cal@example.org", independence), {"resend": pending.pk}, follow=True)
    assert "We sent the confirmation email again to cal@example.org." in words(response.content.decode())
    [again] = smtp_inbox()
    assert f"/alerts/confirm/{pending.confirm_token}/" in again.text()


# --- changing -----------------------------------------------------------------------------------


def test_the_change_form_is_filled_in_with_the_alert(independence, anns, client):
    circle = anns["circle"]
    page = client.get(f"{your_alerts_path('ann@example.org', independence)}{circle.pk}/change/").content.decode()
    assert re.search(r'<input type="radio" name="area" value="radius"[^>]*checked', page)
    assert re.search(r'<option value="805" selected>', page)
    assert re.search(r'<option value="closed" selected>', page)
    assert 'value="1200 S Main St"' in page and f'value="{LAT}"' in page and f'value="{LNG}"' in page
    for service_type in circle.service_types.all():
        assert f'value="{service_type.pk}" id="id_service_types_{service_type.pk}" checked' in page
    assert "Now: Closed reports within ½ mile of" in words(page)


def test_changing_the_radius_keeps_the_alert_confirmed_and_its_links(independence, anns, client, trash):
    circle = anns["circle"]
    path = your_alerts_path("ann@example.org", independence)
    data = {
        "email": "ann@example.org",
        "on": AlertOn.BOTH,
        "area": AreaKind.RADIUS,
        "address": "",
        "lat": LAT,
        "lng": LNG,
        "radius_m": 1609,
        "service_types": [trash.pk],
    }
    response = client.post(f"{path}{circle.pk}/change/", data, follow=True)
    assert response.redirect_chain[-1][0] == path
    assert "Saved: you will get alerts of new and closed reports within 1 mile of" in words(response.content.decode())
    changed = AreaSubscription.objects.get(pk=circle.pk)
    assert (changed.radius_m, changed.on, changed.confirmed_at) == (1609, AlertOn.BOTH, circle.confirmed_at)
    assert list(changed.service_types.all()) == [trash]
    assert changed.unsubscribe_token == circle.unsubscribe_token and changed.confirm_token == circle.confirm_token
    assert changed.north == pytest.approx(LAT + 1609 / alerts.METRES_PER_DEGREE)
    assert AreaSubscription.objects.filter(city=independence, email__iexact="ann@example.org", active=True).count() == 3


def test_a_changed_alert_hears_of_reports_in_its_new_area(independence, anns, client, report, smtp_inbox):
    """The whole-city alert turned into 500 ft around the report's point: one alert, said so."""
    path = f"{your_alerts_path('ann@example.org', independence)}{anns['city'].pk}/change/"
    data = {"email": "ann@example.org", "on": AlertOn.NEW, "area": AreaKind.RADIUS, "lat": LAT, "lng": LNG}
    client.post(path, {**data, "radius_m": 152})
    assert AreaSubscription.objects.get(pk=anns["city"].pk).radius_m == 152
    smtp_inbox()
    report()
    [alert] = [m for m in smtp_inbox() if m.to == "ann@example.org"]
    assert "A new report was made in your alert area (within 500 ft of" in " ".join(alert.text().split())


def test_a_change_with_a_mistake_keeps_what_was_typed_and_saves_nothing(independence, anns, client, trash):
    circle = anns["circle"]
    data = {
        "email": "ann@example.org",
        "on": AlertOn.NEW,
        "area": AreaKind.RADIUS,
        "address": "nowhere in particular",
        "radius_m": 3219,
        "service_types": [trash.pk],
    }
    response = client.post(f"{your_alerts_path('ann@example.org', independence)}{circle.pk}/change/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose the center of the area" in words(page) and "The alerts are not changed yet." in words(page)
    assert 'value="nowhere in particular"' in page and '<option value="3219" selected>' in page
    assert '<option value="new" selected>' in page
    assert AreaSubscription.objects.get(pk=circle.pk).radius_m == 805


def test_an_alert_moved_to_another_address_waits_for_its_confirmation(independence, anns, client, smtp_inbox):
    smtp_inbox()
    city_alert = anns["city"]
    path = your_alerts_path("ann@example.org", independence)
    data = {"email": "ann.new@example.org", "on": AlertOn.NEW, "area": AreaKind.CITY}
    response = client.post(f"{path}{city_alert.pk}/change/", data, follow=True)
    assert "Saved. We sent an email to ann.new@example.org" in words(response.content.decode())
    moved = AreaSubscription.objects.get(pk=city_alert.pk)
    assert moved.email == "ann.new@example.org" and moved.confirmed_at is None
    assert moved.unsubscribe_token != city_alert.unsubscribe_token and moved.confirm_token != city_alert.confirm_token
    [confirmation] = smtp_inbox()
    assert confirmation.to == "ann.new@example.org" and f"/alerts/confirm/{moved.confirm_token}/" in confirmation.text()
    assert "ann@example.org has 2 alerts here." in words(client.get(path).content.decode())


def test_a_stopped_alert_cannot_be_changed(independence, anns, client):
    path = f"{your_alerts_path('ann@example.org', independence)}{anns['stopped'].pk}/change/"
    assert client.get(path).status_code == 404
    assert client.post(path, {"email": "ann@example.org", "on": "new", "area": "city"}).status_code == 404


def test_a_circle_set_through_the_api_keeps_its_radius_when_its_types_change(independence, trash, client):
    odd = confirmed(email="dee@example.org", city=independence, area=AreaKind.RADIUS, lat=LAT, lng=LNG, radius_m=700)
    path = f"{your_alerts_path('dee@example.org', independence)}{odd.pk}/change/"
    page = client.get(path).content.decode()
    assert '<option value="700" selected>about 0.4\u00a0mile</option>' in page
    data = {"email": "dee@example.org", "on": "new", "area": "radius", "lat": LAT, "lng": LNG, "radius_m": 700}
    client.post(path, {**data, "service_types": [trash.pk]})
    odd.refresh_from_db()
    assert odd.radius_m == 700 and list(odd.service_types.all()) == [trash]


# --- "Email me a link to my alerts" -------------------------------------------------------------


def answer(response) -> str:
    main = re.search(r"<main[^>]*>(.*)</main>", response.content.decode(), re.S)
    return words(main.group(1) if main else response.content.decode())


def test_the_alerts_page_offers_the_form(independence, client):
    page = client.get("/independence/alerts/").content.decode()
    assert "Email me a link to my alerts" in page
    assert '<label for="id_link-email">' in page and 'action="/independence/alerts/link/"' in page
    # A resident who has alerts finds the form from the top of the long alerts form.
    assert '<a href="#your-alerts-heading">Already have alerts? See, change or stop them</a>' in page
    spanish = client.get("/independence/alerts/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<a href="#your-alerts-heading">¿Ya tiene alertas? Véalas, cámbielas o deténgalas</a>' in spanish
    assert '<h2 id="your-alerts-heading">Sus alertas</h2>' in spanish


@pytest.mark.parametrize("language", ["en", "es"])
def test_email_me_a_link_sends_one_that_opens_the_alerts(independence, anns, client, smtp_inbox, language):
    smtp_inbox()
    response = client.post(
        "/independence/alerts/link/", {"link-email": "ANN@example.org"}, HTTP_ACCEPT_LANGUAGE=language
    )
    said = {
        "en": "If ANN@example.org has alerts in Independence, we have emailed a link to them.",
        "es": "Si ANN@example.org tiene alertas en Independence, le enviamos un enlace a ellas por correo.",
    }[language]
    assert response.status_code == 200 and said in answer(response)
    [email] = smtp_inbox()
    assert email.to == "ANN@example.org"
    subject = {"en": "Your alerts from Independence 311", "es": "Sus alertas de Independence 311"}[language]
    assert email.message["Subject"] == subject
    days = {"en": "The link works for 7 days.", "es": "El enlace funciona durante 7 días."}[language]
    text, body = " ".join(email.text().split()), words(html(email))
    assert days in text and days in body
    [link] = re.findall(r"https?://\S+/independence/alerts/yours/\S+/", email.text())
    assert re.findall(r'href="([^"]+)"', html(email)) == [link]
    listing = answer(Client().get(path_of(link), HTTP_ACCEPT_LANGUAGE=language))
    assert {"en": "ann@example.org has 3 alerts here.", "es": "ann@example.org tiene 3 alertas aquí."}[
        language
    ] in listing


def test_an_address_without_alerts_gets_the_same_answer_and_no_email(independence, anns, client, smtp_inbox):
    smtp_inbox()
    known = client.post("/independence/alerts/link/", {"link-email": "ann@example.org"})
    unknown = client.post("/independence/alerts/link/", {"link-email": "stranger@example.org"})
    stopped_only = client.post("/raytown/alerts/link/", {"link-email": "bob@example.org"})
    assert known.status_code == unknown.status_code == stopped_only.status_code == 200
    assert answer(unknown) == answer(known).replace("ann@example.org", "stranger@example.org")
    assert answer(stopped_only) == answer(known).replace("ann@example.org", "bob@example.org").replace(
        "Independence", "Raytown"
    )
    assert [m.to for m in smtp_inbox()] == ["ann@example.org"]


def test_at_most_three_links_an_hour_go_to_one_address_and_the_page_says_the_same(
    independence, anns, client, smtp_inbox
):
    smtp_inbox()
    answers = {answer(client.post("/independence/alerts/link/", {"link-email": "ann@example.org"})) for _ in range(5)}
    assert len(answers) == 1
    assert "we send at most 3 links an hour to one address" in answers.pop()
    assert [m.to for m in smtp_inbox()] == ["ann@example.org"] * 3
    # Another address has its own three.
    client.post("/independence/alerts/link/", {"link-email": "bob@example.org"})
    assert [m.to for m in smtp_inbox()] == ["bob@example.org"]


def test_a_mistyped_address_is_sent_back_in_words_and_kept(independence, client):
    response = client.post("/independence/alerts/link/", {"link-email": "ann at example"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a valid email address." in words(page) and 'value="ann at example"' in page
    assert 'aria-invalid="true"' in page and "The link is not sent yet. Please check:" in words(page)


def test_the_link_form_is_a_post_only(independence, client):
    assert client.get("/independence/alerts/link/").status_code == 405
