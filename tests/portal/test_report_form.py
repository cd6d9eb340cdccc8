"""Reporting from the portal: the form for each city and the region, routing by the pin,
photos, errors that keep what was typed, and the idempotency key."""

from __future__ import annotations

import re
import uuid

import pytest

from civicdesk.cases.models import Channel, ServiceRequest, SubmissionKey
from tests.conftest import INSIDE
from tests.portal.conftest import jpeg, not_a_photo, report_data

pytestmark = pytest.mark.django_db


def test_the_report_form_renders_for_each_city_and_for_the_region(client, cities, catalogue):
    for slug in cities:
        page = client.get(f"/{slug}/report/")
        assert page.status_code == 200
        html = page.content.decode()
        assert f'value="{catalogue[slug]["pothole"].pk}"' in html
        assert '<optgroup label="Streets">' in html
        # Only this city's types: another city's pothole is not offered here.
        other = next(s for s in cities if s != slug)
        assert f'value="{catalogue[other]["pothole"].pk}"' not in html
    region = client.get("/report/").content.decode()
    # Each problem once, whichever city's row stands for it.
    assert region.count(">Pothole</option>") == 1
    assert region.count(">Graffiti</option>") == 1
    for label in ('for="id_service_type"', 'for="id_address"', 'for="id_description"', 'for="id_photos"'):
        assert label in region
    assert 'name="client_token"' in region and 'id="report-map"' in region


def test_the_chosen_types_questions_render_by_datatype(client, catalogue):
    pothole = catalogue["independence"]["pothole"]
    html = client.get(f"/report/questions/?service_type={pothole.pk}").content.decode()
    assert '<select name="attr_size"' in html and "Larger than a plate" in html
    assert 'type="checkbox" name="attr_lanes"' in html
    assert 'type="number" name="attr_depth"' in html
    assert 'type="datetime-local" name="attr_seen"' in html
    assert '<textarea name="attr_more"' in html
    assert "If a car is damaged, call the police." in html
    graffiti = catalogue["independence"]["graffiti"]
    assert "attr_size" not in client.get(f"/report/questions/?service_type={graffiti.pk}").content.decode()


def test_a_report_with_a_photo_makes_a_web_case_and_emails_the_tracking_link(client, catalogue, outbox):
    pothole = catalogue["independence"]["pothole"]
    data = report_data(pothole, attr_lanes=["right"], attr_depth="4")
    response = client.post("/independence/report/", {**data, "photos": [jpeg(), jpeg("second.jpg")]})
    case = ServiceRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/report/sent/{case.tracking_token}/"
    assert (case.city.slug, case.channel, case.service_type) == ("independence", Channel.WEB, pothole)
    assert case.attributes == {"size": "large", "lanes": ["right"], "depth": 4}
    assert (case.reporter_name, case.reporter_email, case.notify_reporter) == (
        "Rita Reporter",
        "rita@example.org",
        True,
    )
    assert [p.original_name for p in case.photos.all()] == ["pothole.jpg", "second.jpg"]
    assert all(p.is_public and p.uploaded_by is None for p in case.photos.all())

    confirmation = client.get(response["Location"]).content.decode()
    assert case.reference in confirmation
    assert "Independence handles this report." in confirmation
    assert f"http://testserver/track/{case.tracking_token}/" in confirmation

    to_reporter = [m for m in outbox() if m.to == ["rita@example.org"]]
    assert len(to_reporter) == 1 and f"/track/{case.tracking_token}/" in to_reporter[0].body


def test_an_anonymous_report_needs_no_contact_details(client, catalogue):
    pothole = catalogue["independence"]["pothole"]
    data = report_data(pothole, reporter_name="", reporter_email="", reporter_phone="", notify_reporter=None)
    assert client.post("/report/", data).status_code == 302
    case = ServiceRequest.objects.get()
    assert (case.reporter_name, case.reporter_email, case.notify_reporter) == ("", "", False)


def test_the_app_reports_on_the_mobile_channel_and_no_other_channel_is_accepted(client, catalogue):
    pothole = catalogue["independence"]["pothole"]
    assert client.post("/report/", report_data(pothole, channel="mobile")).status_code == 302
    assert ServiceRequest.objects.get().channel == Channel.MOBILE
    refused = client.post("/report/", report_data(pothole, channel="phone"))
    assert refused.status_code == 400 and ServiceRequest.objects.count() == 1


def test_a_pin_in_raytown_sent_from_independences_page_goes_to_raytown_and_says_so(client, catalogue):
    response = client.post("/independence/report/", report_data(catalogue["independence"]["pothole"], city="raytown"))
    case = ServiceRequest.objects.get()
    assert (case.city.slug, case.service_type) == ("raytown", catalogue["raytown"]["pothole"])
    assert response["Location"].endswith("?from=independence")
    page = client.get(response["Location"]).content.decode()
    assert "Raytown handles this report." in page
    assert "You reported it from Independence's page, but the pin is in Raytown, so we sent it to Raytown." in page


def test_the_regional_form_routes_by_the_pin(client, catalogue):
    # The regional page offers one row per problem; the pin decides the city.
    client.post("/report/", report_data(catalogue["independence"]["pothole"], city="grandview"))
    case = ServiceRequest.objects.get()
    assert (case.city.slug, case.service_type) == ("grandview", catalogue["grandview"]["pothole"])


def test_a_bad_photo_is_named_next_to_the_photos_and_everything_typed_is_kept(client, catalogue):
    pothole = catalogue["independence"]["pothole"]
    data = report_data(pothole, description="Hole by the school", reporter_email="kept@example.org")
    page = client.post("/independence/report/", {**data, "photos": [jpeg(), not_a_photo("notes.jpg")]})
    html = page.content.decode()
    assert page.status_code == 400 and ServiceRequest.objects.count() == 0
    assert "notes.jpg:" in html and 'id="id_photos_error"' in html
    assert "please choose them again" in html
    assert "Hole by the school</textarea>" in html
    assert 'value="kept@example.org"' in html
    assert f'<option value="{pothole.pk}" selected data-keywords="pothole streets road hole asphalt">' in html
    assert f'value="{INSIDE["independence"][0]}"' in html
    assert '<option value="large" selected>' in html


def test_errors_from_the_services_are_shown_next_to_their_fields_in_the_residents_words(client, catalogue):
    pothole = catalogue["independence"]["pothole"]
    html = client.post(
        "/independence/report/", report_data(pothole, attr_size="", reporter_email="not-an-address")
    ).content.decode()
    assert ServiceRequest.objects.count() == 0
    assert 'id="id_attr_size_error"' in html and "This field is required." in html
    assert 'id="id_reporter_email_error"' in html
    html = client.post("/independence/report/", report_data(pothole, attr_size="huge")).content.decode()
    assert 'id="id_attr_size_error"' in html


def test_a_pin_outside_every_member_city_is_explained_by_the_map(client, catalogue):
    pothole = catalogue["independence"]["pothole"]
    page = client.post("/report/", report_data(pothole, lat="38.6270", lng="-90.1994"))  # St. Louis
    html = page.content.decode()
    assert page.status_code == 400 and ServiceRequest.objects.count() == 0
    assert 'id="id_lat_error"' in html and "This place is not inside" in html
    assert "A deep hole in the right lane</textarea>" in html


def test_an_address_without_a_pin_is_taken_on_a_citys_page_but_not_on_the_regional_one(client, catalogue):
    pothole = catalogue["independence"]["pothole"]
    regional = client.post("/report/", report_data(pothole, lat="", lng="", address="223 N Memorial Dr"))
    assert regional.status_code == 400 and "Place a pin on the map" in regional.content.decode()
    assert client.post("/independence/report/", report_data(pothole, lat="", lng="", address="")).status_code == 400
    assert ServiceRequest.objects.count() == 0
    ok = client.post("/independence/report/", report_data(pothole, lat="", lng="", address="223 N Memorial Dr"))
    assert ok.status_code == 302
    case = ServiceRequest.objects.get()
    assert (case.city.slug, case.address, case.lat) == ("independence", "223 N Memorial Dr", None)


def test_the_same_client_token_sent_twice_makes_one_case(client, catalogue, outbox):
    pothole = catalogue["independence"]["pothole"]
    token = str(uuid.uuid4())
    data = report_data(pothole, client_token=token)
    first = client.post("/independence/report/", {**data, "photos": [jpeg()]})
    again = client.post("/independence/report/", {**data, "photos": [jpeg()]})
    assert first["Location"] == again["Location"]
    case = ServiceRequest.objects.get()
    assert SubmissionKey.objects.get(scope="portal").case == case
    assert case.photos.count() == 1
    assert len([m for m in outbox() if m.to == ["rita@example.org"]]) == 1


def test_without_javascript_a_double_submit_of_the_served_form_makes_one_case(client, catalogue, outbox):
    """The form page carries its own token, fresh for every page served, so a resident with
    JavaScript off who clicks Send twice (or whose browser resends the POST) files once."""
    pothole = catalogue["independence"]["pothole"]

    def served_token() -> str:
        response = client.get("/independence/report/")
        assert "no-store" in response["Cache-Control"]  # no shared cache hands one token to two people
        page = response.content.decode()
        found = re.search(r'name="client_token" value="([0-9a-f-]{36})"', page)
        assert found, "the form must carry a token without JavaScript"
        return found.group(1)

    token = served_token()
    assert served_token() != token  # another page, another report
    data = report_data(pothole, client_token=token)
    first = client.post("/independence/report/", data)
    again = client.post("/independence/report/", data)
    assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]
    assert ServiceRequest.objects.count() == 1
    assert len([m for m in outbox() if m.to == ["rita@example.org"]]) == 1


def test_the_offline_queue_gets_json_and_a_replay_answers_with_the_same_case(client, catalogue):
    pothole = catalogue["independence"]["pothole"]
    data = report_data(pothole, client_token=str(uuid.uuid4()), channel="mobile")
    first = client.post("/independence/report/", data, headers={"Accept": "application/json"})
    again = client.post("/independence/report/", data, headers={"Accept": "application/json"})
    case = ServiceRequest.objects.get()
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert first.json()["reference"] == case.reference and first.json()["city"] == "Independence"
    assert first.json()["tracking_url"] == f"/track/{case.tracking_token}/"
    bad = client.post(
        "/independence/report/",
        report_data(pothole, attr_size="", client_token=str(uuid.uuid4())),
        headers={"Accept": "application/json"},
    )
    assert bad.status_code == 400 and "attr_size" in bad.json()["errors"]


def test_the_staff_triage_queue_is_not_a_problem_type_residents_can_pick(client, cities, catalogue, make_service_type):
    make_service_type(cities["independence"], "triage", name="Needs triage", department=None)
    for url in ("/independence/report/", "/report/"):
        page = client.get(url)
        assert page.status_code == 200
        assert b"Pothole" in page.content and b"Needs triage" not in page.content
