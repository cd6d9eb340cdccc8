"""The GeoReport v2 API over raw HTTP: every rule, in JSON and XML, errors included."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from django.core.management import call_command

from civicdesk.cases.models import Channel, ServiceRequest, Status
from civicdesk.cases.services import case_close
from civicdesk.catalog.models import ServiceType
from civicdesk.core import clock
from civicdesk.tenants.models import City
from tests.api.conftest import API
from tests.api.open311_client import body, errors, get
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

FORMATS = ["json", "xml"]


def juris(city: City) -> dict[str, str]:
    return {"jurisdiction_id": city.jurisdiction_id}


def request_ids(doc: Any) -> list[str]:
    if isinstance(doc, ET.Element):
        assert doc.tag == "service_requests"
        return [r.findtext("service_request_id") or "" for r in doc]
    return [r["service_request_id"] for r in doc]


# --- content types and shapes ------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_has_the_spec_content_type(
    client: Any, independence: City, asks_everything: ServiceType, fmt: str
) -> None:
    response = get(client, "services", fmt, **juris(independence))
    assert response.status_code == 200
    expected = "text/xml" if fmt == "xml" else "application/json"
    assert response["Content-Type"].split(";")[0] == expected


def test_the_suffix_wins_over_the_accept_header(client: Any, independence: City, asks_everything: ServiceType) -> None:
    response = client.get(f"{API}/services.xml", juris(independence), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert body(response).tag == "services"


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_names_the_endpoint_and_both_formats(client: Any, cities: dict[str, City], fmt: str) -> None:
    doc = body(get(client, "discovery", fmt))
    if fmt == "json":
        endpoint = doc["endpoints"][0]
        assert endpoint["url"] == "http://testserver/open311/v2/"
        assert endpoint["formats"] == ["text/xml", "application/json"]
    else:
        assert doc.tag == "discovery"
        assert doc.findtext("endpoints/endpoint/url") == "http://testserver/open311/v2/"
        assert [f.text for f in doc.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]


# --- services ------------------------------------------------------------------------------


def test_services_json_is_an_array_of_the_citys_public_types(
    client: Any,
    independence: City,
    raytown: City,
    asks_everything: ServiceType,
    secret_type: ServiceType,
    make_service_type: Callable[..., ServiceType],
) -> None:
    make_service_type(raytown, "potholes", name="Potholes")
    doc = body(get(client, "services", "json", **juris(independence)))
    assert doc == [
        {
            "service_code": "trash",
            "service_name": "Trash/Rubbish",
            "description": "",
            "metadata": True,
            "type": "realtime",
            "keywords": "",
            "group": "",
        }
    ]


def test_services_xml_has_one_service_element_per_type(
    client: Any, independence: City, asks_everything: ServiceType, secret_type: ServiceType
) -> None:
    doc = body(get(client, "services", "xml", **juris(independence)))
    assert doc.tag == "services"
    assert [s.findtext("service_code") for s in doc.findall("service")] == ["trash"]
    assert doc.findtext("service/metadata") == "true"


def test_a_definition_describes_every_datatype(client: Any, independence: City, asks_everything: ServiceType) -> None:
    doc = body(get(client, "services/trash", "json", **juris(independence)))
    assert doc["service_code"] == "trash"
    by_code = {a["code"]: a for a in doc["attributes"]}
    assert {a["datatype"] for a in doc["attributes"]} == {
        "string",
        "number",
        "datetime",
        "text",
        "singlevaluelist",
        "multivaluelist",
    }
    assert by_code["kind"] == {
        "variable": True,
        "code": "kind",
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": "",
        "order": 5,
        "description": "What is it?",
        "values": [{"key": "sofa", "name": "Sofa"}, {"key": "tyres", "name": "Tyres"}],
    }


def test_a_definition_in_xml_nests_attributes_and_values(
    client: Any, independence: City, asks_everything: ServiceType
) -> None:
    doc = body(get(client, "services/trash", "xml", **juris(independence)))
    assert doc.tag == "service_definition"
    attributes = doc.findall("attributes/attribute")
    assert len(attributes) == 6
    hazards = next(a for a in attributes if a.findtext("code") == "hazards")
    assert hazards.findtext("datatype") == "multivaluelist"
    assert hazards.findtext("required") == "false"
    assert [v.findtext("key") for v in hazards.findall("values/value")] == ["glass", "oil"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_or_confidential_service_is_a_404(
    client: Any, independence: City, secret_type: ServiceType, fmt: str
) -> None:
    for code in ("no-such-thing", "fraud-hotline"):
        response = get(client, f"services/{code}", fmt, **juris(independence))
        assert response.status_code == 404
        assert errors(response)[0]["code"] == 404


def test_the_staff_triage_queue_is_neither_listed_nor_reportable(
    client: Any, independence: City, asks_everything: ServiceType, make_service_type: Callable[..., ServiceType]
) -> None:
    make_service_type(independence, "triage", name="Needs triage", department=None)
    codes = [s["service_code"] for s in body(get(client, "services", "json", **juris(independence)))]
    assert codes == ["trash"]
    assert get(client, "services/triage", "json", **juris(independence)).status_code == 404


def test_a_code_ending_in_digits_is_not_swallowed_by_the_suffix(
    client: Any, independence: City, make_service_type: Callable[..., ServiceType]
) -> None:
    make_service_type(independence, "001", name="Numbered")
    doc = body(get(client, "services/001", "xml", **juris(independence)))
    assert doc.findtext("service_code") == "001"


# --- jurisdiction ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("params", [{}, {"jurisdiction_id": ""}, {"jurisdiction_id": "  "}])
def test_a_missing_or_empty_jurisdiction_among_several_cities_is_a_400(
    client: Any, cities: dict[str, City], fmt: str, params: dict[str, str]
) -> None:
    response = get(client, "services", fmt, **params)
    assert response.status_code == 400
    [error] = errors(response)
    assert error["code"] == 400
    assert "jurisdiction_id is required" in error["description"]
    assert cities["raytown"].jurisdiction_id in error["description"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_jurisdiction_is_a_404(client: Any, cities: dict[str, City], fmt: str) -> None:
    response = get(client, "services", fmt, jurisdiction_id="nowhere.example")
    assert response.status_code == 404
    assert "nowhere.example" in errors(response)[0]["description"]


def test_jurisdiction_selects_the_city(
    client: Any,
    raytown: City,
    independence: City,
    asks_everything: ServiceType,
    make_service_type: Callable[..., ServiceType],
) -> None:
    make_service_type(raytown, "potholes", name="Potholes")
    codes = [s["service_code"] for s in body(get(client, "services", "json", jurisdiction_id=raytown.jurisdiction_id))]
    assert codes == ["potholes"]


# --- GET requests -----------------------------------------------------------------------------


def test_requests_are_listed_without_the_reporters_details(
    client: Any, independence: City, file_report: Callable[..., ServiceRequest]
) -> None:
    case = file_report()
    for fmt in FORMATS:
        response = get(client, "requests", fmt, **juris(independence))
        assert response.status_code == 200
        assert request_ids(body(response)) == [case.reference]
        text = response.content.decode()
        for private in ("Rhonda", "rhonda@example.org", "816-555-0100"):
            assert private not in text


def test_a_request_reads_as_the_spec_describes_it(
    client: Any, independence: City, file_report: Callable[..., ServiceRequest]
) -> None:
    case = file_report()
    [doc] = body(get(client, "requests", "json", **juris(independence)))
    opened = case.opened_at.astimezone(independence.tz).isoformat(timespec="seconds")
    assert doc == {
        "service_request_id": case.reference,
        "status": "open",
        "status_notes": "",
        "service_name": "Trash/Rubbish",
        "service_code": "trash",
        "description": "A sofa dumped on the curb",
        "agency_responsible": "CD-NEIGHBORHOOD SERVICES",
        "service_notice": "",
        "requested_datetime": opened,
        "updated_datetime": opened,
        "expected_datetime": (case.opened_at + dt.timedelta(days=5))
        .astimezone(independence.tz)
        .isoformat(timespec="seconds"),
        "address": "",
        "address_id": "",
        "zipcode": "",
        "lat": INSIDE["independence"][0],
        "long": INSIDE["independence"][1],
        "media_url": "",
    }
    # W3C with the city's own offset (Central time), not UTC.
    assert opened[-6:] in ("-05:00", "-06:00")


def test_confidential_cases_are_never_listed_or_returned(
    client: Any, independence: City, file_report: Callable[..., ServiceRequest], secret_type: ServiceType
) -> None:
    public = file_report()
    secret = file_report(service_type=secret_type, description="My neighbour cheats")
    assert request_ids(body(get(client, "requests", "json", **juris(independence)))) == [public.reference]
    assert get(client, f"requests/{secret.reference}", "json", **juris(independence)).status_code == 404
    listed = get(
        client, "requests", "xml", service_request_id=f"{public.reference},{secret.reference}", **juris(independence)
    )
    assert request_ids(body(listed)) == [public.reference]


def test_status_open_and_closed_map_to_our_statuses(
    client: Any, independence: City, file_report: Callable[..., ServiceRequest], make_staff: Callable[..., Any]
) -> None:
    still_open = file_report()
    done = file_report(description="Tyres by the creek")
    worker = make_staff(independence, "worker", department=done.department)
    case_close(case=done, actor=worker, note="Picked up on Tuesday.")
    for fmt in FORMATS:
        assert request_ids(body(get(client, "requests", fmt, status="open", **juris(independence)))) == [
            still_open.reference
        ]
        assert request_ids(body(get(client, "requests", fmt, status="closed", **juris(independence)))) == [
            done.reference
        ]
        both = request_ids(body(get(client, "requests", fmt, status="open,closed", **juris(independence))))
        assert sorted(both) == sorted([still_open.reference, done.reference])
    [closed] = body(get(client, f"requests/{done.reference}", "json", **juris(independence)))
    assert (closed["status"], closed["status_notes"]) == ("closed", "Picked up on Tuesday.")
    assert ServiceRequest.objects.get(pk=done.pk).status == Status.CLOSED


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_status_is_a_400(client: Any, independence: City, fmt: str) -> None:
    response = get(client, "requests", fmt, status="pending", **juris(independence))
    assert response.status_code == 400
    assert "pending" in errors(response)[0]["description"]


def test_service_request_id_takes_a_comma_list_and_overrides_other_filters(
    client: Any, independence: City, file_report: Callable[..., ServiceRequest]
) -> None:
    first, second, _third = file_report(), file_report(), file_report()
    ids = request_ids(
        body(
            get(
                client,
                "requests",
                "json",
                service_request_id=f"{first.reference}, {second.reference}",
                status="closed",
                **juris(independence),
            )
        )
    )
    assert sorted(ids) == sorted([first.reference, second.reference])


def test_service_code_filters_requests(
    client: Any,
    independence: City,
    file_report: Callable[..., ServiceRequest],
    make_service_type: Callable[..., ServiceType],
) -> None:
    trash_case = file_report()
    graffiti = make_service_type(independence, "graffiti", name="Graffiti")
    graffiti_case = file_report(service_type=graffiti, attributes={})
    assert request_ids(body(get(client, "requests", "json", service_code="graffiti", **juris(independence)))) == [
        graffiti_case.reference
    ]
    both = request_ids(body(get(client, "requests", "xml", service_code="graffiti,trash", **juris(independence))))
    assert sorted(both) == sorted([trash_case.reference, graffiti_case.reference])


def test_the_default_window_is_the_last_90_days_and_dates_select_older_ones(
    client: Any, independence: City, file_report: Callable[..., ServiceRequest]
) -> None:
    recent = file_report()
    long_ago = clock.now() - dt.timedelta(days=120)
    with clock.frozen_at(long_ago):
        old = file_report(opened_at=long_ago)
    assert request_ids(body(get(client, "requests", "json", **juris(independence)))) == [recent.reference]
    start = (long_ago - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (long_ago + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for fmt in FORMATS:
        ids = request_ids(body(get(client, "requests", fmt, start_date=start, end_date=end, **juris(independence))))
        assert ids == [old.reference]
    # A start date alone opens a 90-day window from it.
    assert request_ids(body(get(client, "requests", "json", start_date=start, **juris(independence)))) == [
        old.reference
    ]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"start_date": "last tuesday"}, "not a W3C date"),
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2025-12-01T00:00:00Z"}, "before start_date"),
        ({"start_date": "2025-01-01T00:00:00Z", "end_date": "2025-12-01T00:00:00Z"}, "90 days"),
    ],
)
def test_bad_dates_are_a_400_that_says_why(
    client: Any, independence: City, fmt: str, params: dict[str, str], words: str
) -> None:
    response = get(client, "requests", fmt, **params, **juris(independence))
    assert response.status_code == 400
    assert words in errors(response)[0]["description"]


def test_at_most_1000_requests_are_returned(
    client: Any, independence: City, file_report: Callable[..., ServiceRequest]
) -> None:
    from civicdesk.open311 import selectors

    file_report()
    file_report()
    assert selectors.MAX_RESULTS == 1000
    found = selectors.search_requests(city=independence, now=clock.now())
    assert found.query.high_mark == 1000
    assert found.count() == 2


# --- one request ---------------------------------------------------------------------------------


def test_one_request_is_a_one_element_array_in_json_and_one_request_element_in_xml(
    client: Any, independence: City, file_report: Callable[..., ServiceRequest]
) -> None:
    case = file_report()
    doc = body(get(client, f"requests/{case.reference}", "json", **juris(independence)))
    assert isinstance(doc, list) and len(doc) == 1
    assert doc[0]["service_request_id"] == case.reference
    xml = body(get(client, f"requests/{case.reference}", "xml", **juris(independence)))
    assert xml.tag == "service_requests"
    assert [r.tag for r in xml] == ["request"]
    assert xml.findtext("request/service_request_id") == case.reference


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_or_other_citys_request_is_a_404(
    client: Any, independence: City, raytown: City, file_report: Callable[..., ServiceRequest], fmt: str
) -> None:
    case = file_report()
    for reference in ("IND-999999", "not-a-case"):
        response = get(client, f"requests/{reference}", fmt, **juris(independence))
        assert response.status_code == 404
        assert errors(response)[0]["code"] == 404
    assert get(client, f"requests/{case.reference}", fmt, **juris(raytown)).status_code == 404


# --- POST requests ---------------------------------------------------------------------------------


def post(client: Any, fmt: str = "json", query: dict[str, str] | None = None, **form: Any) -> Any:
    """A form-encoded POST, as Open311 clients send it."""
    url = f"{API}/requests.{fmt}"
    if query:
        from urllib.parse import urlencode

        url += "?" + urlencode(query)
    return client.post(url, form)


@pytest.mark.parametrize("fmt", FORMATS)
def test_posting_without_a_key_or_with_a_bad_one_is_a_403(
    client: Any, independence: City, raytown: City, asks_everything: ServiceType, fmt: str
) -> None:
    from civicdesk.open311.services import api_key_create

    _other, raytown_key = api_key_create(city=raytown, name="Elsewhere")
    for key in ("", "guessed-key", raytown_key):
        response = post(
            client, fmt, service_code="trash", lat="39.0855", long="-94.352", api_key=key, **juris(independence)
        )
        assert response.status_code == 403
        assert errors(response)[0]["code"] == 403
    assert not ServiceRequest.objects.exists()


def test_a_revoked_key_is_refused(client: Any, independence: City, asks_everything: ServiceType, api_key: str) -> None:
    from civicdesk.open311.models import Open311ApiKey

    Open311ApiKey.objects.update(active=False)
    response = post(client, service_code="trash", lat="39.0855", long="-94.352", api_key=api_key, **juris(independence))
    assert response.status_code == 403


def test_a_reports_key_and_city_are_read_in_one_query_and_errors_still_say_which_is_wrong(
    client: Any,
    independence: City,
    raytown: City,
    asks_everything: ServiceType,
    api_key: str,
    django_assert_num_queries,
) -> None:
    from civicdesk.open311 import selectors

    with django_assert_num_queries(1):
        key = selectors.api_key_of_jurisdiction(jurisdiction_id=independence.jurisdiction_id.upper(), raw_key=api_key)
        assert key is not None and key.city.name == independence.name
    assert "boundary" in key.city.get_deferred_fields()
    # The right key for another jurisdiction, and a jurisdiction nobody has: each its own answer.
    assert selectors.api_key_of_jurisdiction(jurisdiction_id=raytown.jurisdiction_id, raw_key=api_key) is None
    wrong_city = post(client, service_code="trash", lat="39.0855", long="-94.352", api_key=api_key, **juris(raytown))
    assert wrong_city.status_code == 403 and raytown.name in errors(wrong_city)[0]["description"]
    nowhere = post(client, service_code="trash", lat="39.0855", long="-94.352", api_key=api_key, jurisdiction_id="x.y")
    assert nowhere.status_code == 404
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_posting_files_a_case_through_the_one_intake_service(
    client: Any, independence: City, asks_everything: ServiceType, api_key: str, fmt: str
) -> None:
    lat, lng = INSIDE["independence"]
    response = post(
        client,
        fmt,
        api_key=api_key,
        service_code="trash",
        lat=str(lat),
        long=str(lng),
        description="Old mattress",
        email="app.user@example.org",
        first_name="Ada",
        last_name="Lovelace",
        phone="816-555-0199",
        media_url="https://photos.example.org/1.jpg",
        **{"attribute[bags]": "3", "attribute[kind]": "tyres", "attribute[hazards][]": ["glass", "oil"]},
        **juris(independence),
    )
    assert response.status_code == 201, response.content
    doc = body(response)
    reference = doc[0]["service_request_id"] if fmt == "json" else doc.findtext("request/service_request_id")
    case = ServiceRequest.objects.get()
    assert reference == case.reference
    assert case.channel == Channel.OPEN311
    assert (case.reporter_name, case.reporter_email, case.reporter_phone) == (
        "Ada Lovelace",
        "app.user@example.org",
        "816-555-0199",
    )
    assert case.attributes == {"bags": 3, "kind": "tyres", "hazards": ["glass", "oil"]}
    assert case.city == independence and case.department == asks_everything.department
    [listed] = body(get(client, f"requests/{reference}", "json", **juris(independence)))
    assert listed["media_url"] == "https://photos.example.org/1.jpg"


def test_a_post_never_reads_a_city_boundary(
    client: Any, independence: City, asks_everything: ServiceType, api_key: str
) -> None:
    """The city's limits (tens of kB of GeoJSON, decoded per read) come from the process's
    index when a report is routed: the POST reads the city without them, once, and the
    intake transaction does not read it again through the key."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    lat, lng = INSIDE["independence"]
    form = {"attribute[bags]": "3", "attribute[kind]": "tyres", **juris(independence)}
    # The first report builds the process's index of the cities' limits (it reads them, once).
    first = post(client, api_key=api_key, service_code="trash", lat=str(lat), long=str(lng), **form)
    assert first.status_code == 201, first.content
    with CaptureQueriesContext(connection) as queries:
        response = post(client, api_key=api_key, service_code="trash", lat=str(lat), long=str(lng), **form)
    assert response.status_code == 201, response.content
    city_reads = [q["sql"] for q in queries.captured_queries if 'FROM "tenants_city"' in q["sql"]]
    assert city_reads, "the jurisdiction is read"
    assert [sql for sql in city_reads if '"boundary"' in sql] == []
    assert ServiceRequest.objects.filter(city=independence).count() == 2


def test_a_burst_of_posts_reads_the_type_from_the_kept_catalogue_and_a_change_shows_at_once(
    client: Any,
    independence: City,
    asks_everything: ServiceType,
    api_key: str,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Each report names its type by code: the type, its department and its questions come from
    the city's kept catalogue (catalog.cache), not from two queries per report; an
    administrator retiring the type is seen by the next report."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.CATALOGUE_CACHE_SECONDS = 3600
    cache.clear()
    try:
        lat, lng = INSIDE["independence"]
        form = {"attribute[bags]": "3", "attribute[kind]": "tyres", **juris(independence)}
        first = post(client, api_key=api_key, service_code="trash", lat=str(lat), long=str(lng), **form)
        assert first.status_code == 201, first.content
        with CaptureQueriesContext(connection) as queries:
            again = post(client, api_key=api_key, service_code="trash", lat=str(lat), long=str(lng), **form)
        assert again.status_code == 201, again.content
        catalogue_reads = [q["sql"] for q in queries.captured_queries if 'FROM "catalog_service' in q["sql"]]
        assert [sql for sql in catalogue_reads if "serviceagreement" not in sql] == []
        # The questions kept with the type still check the answers.
        unanswered = post(
            client, api_key=api_key, service_code="trash", lat=str(lat), long=str(lng), **juris(independence)
        )
        assert unanswered.status_code == 400
        with django_capture_on_commit_callbacks(execute=True):
            asks_everything.active = False
            asks_everything.save()
        retired = post(client, api_key=api_key, service_code="trash", lat=str(lat), long=str(lng), **form)
        assert retired.status_code == 404
        assert ServiceRequest.objects.filter(city=independence).count() == 2
    finally:
        cache.clear()


def test_the_key_may_come_in_the_query_string(
    client: Any, independence: City, asks_everything: ServiceType, api_key: str
) -> None:
    response = post(
        client,
        query={"api_key": api_key, **juris(independence)},
        service_code="trash",
        address_string="223 N Memorial Dr",
        **{"attribute[bags]": "1", "attribute[kind]": "sofa"},
    )
    assert response.status_code == 201, response.content
    case = ServiceRequest.objects.get()
    # An address without a point: the case is the jurisdiction's, with no map point.
    assert (case.city, case.address, case.lat, case.lng) == (independence, "223 N Memorial Dr", None, None)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("form", "words"),
    [
        ({"lat": "39.0855", "long": "-94.352", "attribute[bags]": "1"}, "attribute[kind]"),
        ({"lat": "39.0855", "long": "-94.352", "attribute[bags]": "lots", "attribute[kind]": "sofa"}, "not a number"),
        ({"lat": "39.0855", "long": "-94.352", "attribute[bags]": "1", "attribute[kind]": "piano"}, "piano"),
        ({"attribute[bags]": "1", "attribute[kind]": "sofa"}, "location is required"),
        ({"lat": "north", "long": "-94.352", "attribute[bags]": "1", "attribute[kind]": "sofa"}, "lat"),
        (
            {"lat": "51.5", "long": "-0.12", "attribute[bags]": "1", "attribute[kind]": "sofa"},
            "This place is not inside Blue Springs, Grandview, Independence, Lee's Summit or Raytown, the cities",
        ),
        (
            {"address_string": "1 Main", "email": "not-an-email", "attribute[bags]": "1", "attribute[kind]": "sofa"},
            "email",
        ),
        ({"service_code": "", "address_string": "1 Main"}, "service_code is required"),
    ],
)
def test_a_bad_post_is_a_400_that_names_the_problem_and_files_nothing(
    client: Any,
    independence: City,
    asks_everything: ServiceType,
    api_key: str,
    fmt: str,
    form: dict[str, str],
    words: str,
) -> None:
    form = {"service_code": "trash", **form}
    response = post(client, fmt, api_key=api_key, **form, **juris(independence))
    assert response.status_code == 400, response.content
    descriptions = " ".join(e["description"] for e in errors(response))
    assert words in descriptions
    assert not ServiceRequest.objects.exists()


def test_a_photo_upload_is_attached_to_the_case(
    client: Any, independence: City, asks_everything: ServiceType, api_key: str
) -> None:
    import io

    from PIL import Image

    image = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(image, "JPEG")
    image.seek(0)
    image.name = "curb.jpg"
    response = client.post(
        f"{API}/requests.json",
        {
            "api_key": api_key,
            "service_code": "trash",
            "address_string": "1 Main",
            "attribute[bags]": "1",
            "attribute[kind]": "sofa",
            "media": image,
            **juris(independence),
        },
    )
    assert response.status_code == 201, response.content
    case = ServiceRequest.objects.get()
    assert case.photos.count() == 1
    [listed] = body(get(client, f"requests/{case.reference}", "json", **juris(independence)))
    assert listed["media_url"].startswith("http://testserver/")


# --- client quirks -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_service_singular_alias_serves_the_definition(
    client: Any, independence: City, asks_everything: ServiceType, fmt: str
) -> None:
    response = get(client, "service/trash", fmt, **juris(independence))
    assert response.status_code == 200
    doc = body(response)
    code = doc["service_code"] if fmt == "json" else doc.findtext("service_code")
    assert code == "trash"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_double_slash_from_a_base_url_with_a_trailing_slash_still_works(
    client: Any, independence: City, asks_everything: ServiceType, api_key: str, fmt: str
) -> None:
    response = client.get(f"{API}//services.{fmt}", juris(independence))
    assert response.status_code == 200
    assert client.get(f"{API}//services//trash.{fmt}", juris(independence)).status_code == 200
    posted = client.post(
        f"{API}//requests.{fmt}",
        {
            "api_key": api_key,
            "service_code": "trash",
            "address_string": "1 Main",
            "attribute[bags]": "1",
            "attribute[kind]": "sofa",
            **juris(independence),
        },
    )
    assert posted.status_code == 201
    assert ServiceRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("nothing-here.json", "json"),
        ("services.html", "json"),
        ("requests/IND-1.yaml", "json"),
        ("tokens/x.xml", "xml"),
        ("services/trash.\njson", "json"),
        ("requests/IND-1%0A.json", "json"),
    ],
)
def test_an_unknown_endpoint_is_a_404_error_document_not_an_html_page(client: Any, path: str, fmt: str) -> None:
    response = client.get(f"{API}/{path}")
    assert response.status_code == 404
    assert errors(response)[0]["code"] == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_wrong_method_is_an_error_document(client: Any, independence: City, fmt: str) -> None:
    response = client.delete(f"{API}/services.{fmt}?jurisdiction_id={independence.jurisdiction_id}")
    assert response.status_code == 405
    assert errors(response)[0]["code"] == 405


# --- keys ---------------------------------------------------------------------------------------------


def test_open311_key_prints_the_jurisdiction_and_a_working_key(
    client: Any, independence: City, asks_everything: ServiceType, capsys: Any
) -> None:
    call_command("open311_key", "--city", independence.slug, "--name", "Pothole Pal")
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0] == f"jurisdiction_id={independence.jurisdiction_id}"
    assert lines[1].startswith("api_key=")
    key = lines[1].removeprefix("api_key=")
    response = post(
        client,
        api_key=key,
        service_code="trash",
        address_string="1 Main",
        jurisdiction_id=independence.jurisdiction_id,
        **{"attribute[bags]": "1", "attribute[kind]": "sofa"},
    )
    assert response.status_code == 201


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_nul_character_anywhere_is_a_400_naming_the_field(
    client: Any, independence: City, asks_everything: ServiceType, api_key: str, fmt: str
) -> None:
    # PostgreSQL refuses NUL in text: a stray one must be the client's error, never a 500.
    for endpoint, params, field in [
        ("discovery", {"jurisdiction_id": "independ\x00encemo.gov"}, "jurisdiction_id"),
        ("services", {"jurisdiction_id": "independ\x00encemo.gov"}, "jurisdiction_id"),
        ("requests", {"service_code": "tr\x00ash", **juris(independence)}, "service_code"),
        ("requests", {"service_request_id": "IND-1\x00", **juris(independence)}, "service_request_id"),
        ("tokens/abc", {"extra": "\x00", **juris(independence)}, "extra"),
    ]:
        response = get(client, endpoint, fmt, **params)
        assert response.status_code == 400, (endpoint, params, response.content)
        assert f"{field} contains a NUL character" in errors(response)[0]["description"]
    for form, field in [
        ({"api_key": api_key + "\x00", "service_code": "trash"}, "api_key"),
        ({"api_key": api_key, "service_code": "trash", "description": "so\x00fa"}, "description"),
        ({"api_key": api_key, "service_code": "trash", "attribute[kind]": "so\x00fa"}, "attribute[kind]"),
    ]:
        response = post(client, fmt, address_string="1 Main", **form, **juris(independence))
        assert response.status_code == 400, response.content
        assert f"{field} contains a NUL character" in errors(response)[0]["description"]
    assert not ServiceRequest.objects.exists()


def test_a_json_body_that_is_not_an_object_is_a_400(client: Any, independence: City, api_key: str) -> None:
    response = client.post(
        f"{API}/requests.json?api_key={api_key}&jurisdiction_id={independence.jurisdiction_id}",
        "[1, 2]",
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "form" in errors(response)[0]["description"]


def test_a_kept_key_is_checked_on_every_report_revoked_renamed_or_its_city_changed(
    client: Any,
    independence: City,
    asks_everything: ServiceType,
    api_key: str,
    django_assert_num_queries: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The key and its city are kept per process after the first report; each later report
    checks them in one statement, and a key revoked, renamed or whose city changed is seen
    on the very next report."""
    from civicdesk.open311 import selectors
    from civicdesk.open311.models import Open311ApiKey

    def key_now() -> Open311ApiKey | None:
        return selectors.api_key_of_jurisdiction(jurisdiction_id=independence.jurisdiction_id, raw_key=api_key)

    first = key_now()
    assert first is not None
    with django_assert_num_queries(1) as checked:
        kept = key_now()
    assert kept is not None and kept.pk == first.pk and "key_digest" in checked.captured_queries[0]["sql"]
    assert kept is not first and kept.city is not first.city  # each request its own copy
    kept.city.name = "Changed by one request"
    assert key_now().city.name == independence.name

    Open311ApiKey.objects.filter(pk=first.pk).update(name="Renamed app")
    assert key_now().name == "Renamed app"
    city = City.objects.get(pk=independence.pk)
    city.phone = "816-555-0199"
    with django_capture_on_commit_callbacks(execute=True):
        city.save()  # a city saved moves its version when the change commits
    assert key_now().city.phone == "816-555-0199"

    Open311ApiKey.objects.filter(pk=first.pk).update(active=False)
    assert key_now() is None
    response = post(client, service_code="trash", lat="39.0855", long="-94.352", api_key=api_key, **juris(independence))
    assert response.status_code == 403
