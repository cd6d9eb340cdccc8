"""What anyone can see: homes, tracking and case pages, nearby reports and following,
browsing; never internal notes, reporters' details or confidential types."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from civicdesk.cases import services
from civicdesk.cases.models import ServiceRequest
from civicdesk.notifications.models import CaseFollower
from civicdesk.tenants.models import City
from tests.conftest import INSIDE
from tests.portal.conftest import jpeg, report_data

pytestmark = pytest.mark.django_db


def _case(service_type, city="independence", dlat=0.0, **kw):
    lat, lng = INSIDE[city]
    kw.setdefault("attributes", {"size": "small"} if service_type.code == "pothole" else {})
    return services.case_create(
        service_type=service_type,
        lat=lat + dlat,
        lng=lng,
        description="Hole",
        reporter_name="Rita Reporter",
        reporter_email="rita@example.org",
        reporter_phone="816-555-0100",
        **kw,
    )


def test_the_regional_home_reports_from_anywhere_and_lists_the_five_cities(client, cities):
    html = client.get("/").content.decode()
    assert 'href="/report/"' in html
    for slug, city in cities.items():
        assert f'href="/{slug}/"' in html and escape(city.name) in html


def test_the_home_names_the_collaborative_as_its_data_does_and_counts_its_cities_in_either_language(client, cities):
    region = cities["independence"].region
    english = client.get("/").content.decode()
    assert f"<p>{escape(region.name)}: one 311 service for its 5 member cities." in english
    # A sixth member city joins: the page counts it.
    square = [[[-93.01, 38.0], [-93.0, 38.0], [-93.0, 38.01], [-93.01, 38.01], [-93.01, 38.0]]]  # far from the others
    City.objects.create(
        region=region,
        name="Sugar Creek",
        slug="sugar-creek",
        jurisdiction_id="sugarcreek.test",
        case_prefix="SUG",
        boundary={"type": "Polygon", "coordinates": square},
    )
    spanish = client.get("/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert f"<p>{escape(region.name)}: un solo servicio 311 para sus 6 ciudades miembro." in spanish
    # The name is the collaborative's own, as written: never a translation of it in one place.
    assert "Colaborativa" not in spanish and "cinco" not in spanish
    assert "civicdesk — un 311 compartido por las ciudades miembro" in spanish


def test_a_city_home_offers_its_report_form_recent_public_reports_and_browsing(client, catalogue):
    shown = _case(catalogue["independence"]["pothole"])
    hidden = _case(catalogue["independence"]["abuse"])
    html = client.get("/independence/").content.decode()
    assert 'href="/independence/report/"' in html and 'href="/independence/requests/"' in html
    assert shown.reference in html and hidden.reference not in html


def test_a_city_home_lists_a_report_with_neither_an_address_nor_a_district(client, catalogue):
    # An emailed report with no place has no address and no district: the list must still show.
    case = services.case_create(
        service_type=catalogue["independence"]["graffiti"],
        city=catalogue["independence"]["graffiti"].city,
        description="Tagging somewhere downtown, no address given",
    )
    page = client.get("/independence/")
    assert page.status_code == 200 and case.reference in page.content.decode()


def test_the_tracking_page_shows_public_news_but_no_internal_notes_or_reporter_details(
    client, catalogue, make_staff, independence
):
    case = _case(catalogue["independence"]["pothole"])
    worker = make_staff(independence, "worker", department=case.department)
    services.case_add_note(case=case, actor=worker, text="Crew booked for Tuesday", public=True)
    services.case_add_note(case=case, actor=worker, text="Owner is a repeat offender", public=False)
    services.case_add_photo(case=case, actor=worker, upload=jpeg(), public=True)
    services.case_add_photo(case=case, actor=worker, upload=jpeg("private.jpg"), public=False)
    services.case_close(case=case, actor=worker, note="Filled the hole")
    for url in (f"/track/{case.tracking_token}/", f"/independence/requests/{case.number}/"):
        html = client.get(url).content.decode()
        assert "Crew booked for Tuesday" in html and "Filled the hole" in html and "Closed" in html
        assert "repeat offender" not in html
        assert "Rita" not in html and "rita@example.org" not in html and "555-0100" not in html
        assert worker.username not in html
        assert html.count("<img ") == 1, "only the public photo"
    assert case.tracking_token not in client.get(f"/independence/requests/{case.number}/").content.decode()


def test_confidential_cases_have_no_public_page_and_no_tracking_link_only_the_access_code(client, catalogue):
    case = _case(catalogue["independence"]["abuse"])
    assert client.get(f"/independence/requests/{case.number}/").status_code == 404
    # The access code at /confidential/ is the only key: the row's tracking token opens nothing.
    assert client.get(f"/track/{case.tracking_token}/").status_code == 404
    assert client.get(f"/report/sent/{case.tracking_token}/").status_code == 404
    assert client.get("/track/not-a-token/").status_code == 404


def test_open_reports_of_the_same_problem_nearby_are_offered_and_following_one_works(client, catalogue, outbox):
    pothole = catalogue["independence"]["pothole"]
    near = _case(pothole, dlat=0.001)  # about 110 m
    _case(pothole, dlat=0.01)  # about 1.1 km: not "nearby"
    _case(catalogue["independence"]["graffiti"])  # another problem
    same_spot = _case(pothole)
    lat, lng = INSIDE["independence"]
    html = client.get(f"/report/nearby/?service_type={pothole.pk}&lat={lat}&lng={lng}").content.decode()
    assert "Is this yours?" in html
    assert near.reference in html and same_spot.reference in html
    assert ServiceRequest.objects.filter(service_type__code="graffiti").get().reference not in html
    assert "about 360\u00a0ft away" in html  # 111 m
    # The report on the pin itself is not "about 0 ft away": it is right at the resident's pin.
    same_spot_item = html.split(same_spot.reference)[1].split("</li>")[0]
    assert "right at your pin" in same_spot_item and "about 0\u00a0ft" not in html
    # Following instead of filing: the follow button posts the report form to the follow address.
    response = client.post(
        f"/independence/requests/{near.number}/follow/",
        {**report_data(pothole), "follow_email": "neighbour@example.org"},
    )
    assert response.status_code == 302 and response["Location"] == f"/independence/requests/{near.number}/"
    assert CaseFollower.objects.get(case=near).email == "neighbour@example.org"
    assert ServiceRequest.objects.count() == 4, "no new case"
    assert "We will email neighbour@example.org" in client.get(response["Location"]).content.decode()


def test_the_nearby_list_says_right_at_your_pin_in_spanish_too(client, catalogue):
    pothole = catalogue["independence"]["pothole"]
    same_spot = _case(pothole)
    near = _case(pothole, dlat=0.001)
    lat, lng = INSIDE["independence"]
    url = f"/report/nearby/?service_type={pothole.pk}&lat={lat}&lng={lng}"
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "justo en su marcador" in html.split(same_spot.reference)[1].split("</li>")[0]
    assert "a aproximadamente 360\u00a0pies" in html.split(near.reference)[1].split("</li>")[0]
    assert "0\u00a0pies" not in html.replace("360\u00a0pies", "")


def test_without_javascript_the_form_shows_nearby_reports_before_filing(client, catalogue):
    pothole = catalogue["independence"]["pothole"]
    near = _case(pothole, dlat=0.0005)
    data = report_data(pothole, nearby_checked=None)
    first = client.post("/independence/report/", data)
    html = first.content.decode()
    assert first.status_code == 200 and ServiceRequest.objects.count() == 1
    assert "Is this yours?" in html and near.reference in html
    assert '<input type="hidden" name="nearby_checked" value="1">' in html
    assert "A deep hole in the right lane</textarea>" in html
    # "None of these": sending again files the report.
    assert client.post("/independence/report/", {**data, "nearby_checked": "1"}).status_code == 302
    assert ServiceRequest.objects.count() == 2


def test_following_with_a_bad_address_says_so_on_the_case_page(client, catalogue):
    case = _case(catalogue["independence"]["pothole"])
    page = client.post(f"/independence/requests/{case.number}/follow/", {"follow_email": "nope"})
    html = page.content.decode()
    assert page.status_code == 400 and 'id="id_follow_email_error"' in html and "nope is not an email address" in html
    assert not CaseFollower.objects.exists()


def test_browsing_filters_by_district_type_and_status_and_never_lists_confidential_cases(
    client, catalogue, independence
):
    pothole, graffiti, abuse = (catalogue["independence"][k] for k in ("pothole", "graffiti", "abuse"))
    hole, tag, secret = _case(pothole), _case(graffiti), _case(abuse)
    closed = _case(pothole)
    services.case_close(case=closed, actor=_staff(independence, closed), note="Filled")

    def listed(query=""):
        html = client.get(f"/independence/requests/{query}").content.decode()
        return {c.reference for c in (hole, tag, secret, closed) if f">{c.reference}</a>" in html}

    assert listed() == {hole.reference, tag.reference, closed.reference}
    assert listed("?type=graffiti") == {tag.reference}
    assert listed("?status=open") == {hole.reference, tag.reference}
    assert listed("?status=closed") == {closed.reference}
    assert hole.district is not None
    assert listed(f"?district={hole.district_id}") == {hole.reference, tag.reference, closed.reference}
    other = independence.districts.exclude(pk=hole.district_id).first()
    assert listed(f"?district={other.pk}") == set()
    html = client.get("/independence/requests/?type=pothole").content.decode()
    assert 'id="browse-pins"' in html and "Elder abuse" not in html


def test_browsings_filter_lists_are_kept_per_process_and_follow_a_change(client, catalogue, independence, settings):
    """The districts and problems of the filters are read once per process (tenants/reference.py),
    not on every visit, and a renamed district or a new type shows on the next one."""
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0  # every visit renders the page
    _case(catalogue["independence"]["pothole"])
    client.get("/independence/requests/")
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/independence/requests/").content.decode()
    read = " ".join(q["sql"] for q in queries.captured_queries)
    assert 'FROM "tenants_district"' not in read and "browse-types" not in read, read
    district = independence.districts.order_by("number").first()
    assert f'<option value="{district.pk}">{escape(district.name)}</option>' in html
    district.name = "Riverside"
    district.save()
    graffiti = catalogue["independence"]["graffiti"]
    graffiti.name = "Graffiti and tags"
    graffiti.save()
    html = client.get("/independence/requests/").content.decode()
    assert f'<option value="{district.pk}">Riverside</option>' in html
    assert ">Graffiti and tags</option>" in html


def test_browsing_is_paged(client, catalogue, independence):
    for _ in range(27):
        _case(catalogue["independence"]["graffiti"])
    first = client.get("/independence/requests/?type=graffiti").content.decode()
    assert "27 reports" in first and "Page 1 of 2" in first and 'href="?type=graffiti&amp;page=2"' in first
    second = client.get("/independence/requests/?type=graffiti&page=2").content.decode()
    assert second.count('<tr><td class="ref"><a href="/independence/requests/') == 2


def test_the_maps_get_city_limits_from_the_site_itself(client, cities):
    one = client.get("/raytown/boundary.geojson")
    assert one["Content-Type"] == "application/geo+json"
    assert [f["properties"]["slug"] for f in one.json()["features"]] == ["raytown"]
    assert len(client.get("/boundaries.geojson").json()["features"]) == 5
    assert client.get("/nowhere/boundary.geojson").status_code == 404


def _staff(city, case):
    from civicdesk.accounts.models import User

    return User.objects.create_user(
        username=f"w{case.number}",
        password="a-long-test-password",
        city=city,
        role="worker",
        department=case.department,
    )
