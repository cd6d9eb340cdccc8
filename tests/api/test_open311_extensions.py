"""GET requests extensions (paging, last-change window, search near a point, extended
attributes) and the token flow, in JSON and XML, errors included."""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Callable
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from PIL import Image

from civicdesk.accounts.models import Role
from civicdesk.cases.models import ServiceRequest
from civicdesk.cases.services import case_add_note, case_add_photo, case_close
from civicdesk.catalog.models import ServiceType
from civicdesk.core import clock
from civicdesk.open311.models import Open311Submission
from civicdesk.tenants.models import City
from tests.api.conftest import API
from tests.api.open311_client import body, errors, get
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

FORMATS = ["json", "xml"]
HOME_LAT, HOME_LNG = INSIDE["independence"]


def juris(city: City) -> dict[str, str]:
    return {"jurisdiction_id": city.jurisdiction_id}


def request_ids(doc: Any) -> list[str]:
    if isinstance(doc, ET.Element):
        return [r.findtext("service_request_id") or "" for r in doc]
    return [r["service_request_id"] for r in doc]


def north_of_home(metres: float) -> tuple[float, float]:
    return HOME_LAT + math.degrees(metres / 6_371_008.8), HOME_LNG


@pytest.fixture
def worker(independence: City, trash: ServiceType, make_staff: Callable[..., Any]) -> Any:
    return make_staff(independence, Role.WORKER, department=trash.department)


# --- page / page_size ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_pages_split_the_newest_first_answer_without_overlap(
    client: Any, independence: City, file_report: Callable[..., ServiceRequest], fmt: str
) -> None:
    now = clock.now()
    cases = [file_report(opened_at=now - dt.timedelta(hours=h)) for h in (3, 2, 1)]
    newest_first = [c.reference for c in reversed(cases)]
    pages = [
        request_ids(body(get(client, "requests", fmt, page=page, page_size=2, **juris(independence))))
        for page in (1, 2, 3)
    ]
    assert pages == [newest_first[:2], newest_first[2:], []]
    # Without paging, the spec's answer: everything in the window, at most 1000.
    assert request_ids(body(get(client, "requests", fmt, **juris(independence)))) == newest_first


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "params",
    [{"page": "0"}, {"page": "-1"}, {"page": "two"}, {"page_size": "0"}, {"page_size": "1001"}, {"page_size": "1.5"}],
)
def test_a_bad_page_or_page_size_is_a_400_that_names_it(
    client: Any, independence: City, fmt: str, params: dict[str, str]
) -> None:
    response = get(client, "requests", fmt, **params, **juris(independence))
    assert response.status_code == 400
    [error] = errors(response)
    [name] = params
    assert error["code"] == 400 and name in error["description"] and "whole number" in error["description"]


# --- updated_after / updated_before ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_updated_after_finds_old_cases_changed_lately(
    client: Any, independence: City, file_report: Callable[..., ServiceRequest], worker: Any, fmt: str
) -> None:
    long_ago = clock.now() - dt.timedelta(days=200)
    with clock.frozen_at(long_ago):
        touched = file_report(opened_at=long_ago, description="Old, worked today")
        file_report(opened_at=long_ago, description="Old, untouched")
    case_add_note(case=touched, actor=worker, text="Crew on the way.", public=True)
    yesterday = (clock.now() - dt.timedelta(days=1)).isoformat()
    # Out of the default 90-day window of openings, found by its last change.
    assert request_ids(body(get(client, "requests", fmt, **juris(independence)))) == []
    found = body(get(client, "requests", fmt, updated_after=yesterday, **juris(independence)))
    assert request_ids(found) == [touched.reference]
    before = (long_ago + dt.timedelta(days=1)).isoformat()
    assert len(request_ids(body(get(client, "requests", fmt, updated_before=before, **juris(independence))))) == 1


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"updated_after": "yesterday"}, "not a W3C date"),
        ({"updated_before": "2026-13-45T00:00:00Z"}, "not a W3C date"),
        ({"updated_after": "2026-02-01T00:00:00Z", "updated_before": "2026-01-01T00:00:00Z"}, "before updated_after"),
        ({"updated_after": "2025-01-01T00:00:00Z", "updated_before": "2025-12-01T00:00:00Z"}, "90 days"),
    ],
)
def test_a_bad_updated_window_is_a_400_that_says_why(
    client: Any, independence: City, fmt: str, params: dict[str, str], words: str
) -> None:
    response = get(client, "requests", fmt, **params, **juris(independence))
    assert response.status_code == 400
    assert words in errors(response)[0]["description"]


# --- lat / long / radius ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_radius_finds_the_cases_within_that_many_metres(
    client: Any, independence: City, file_report: Callable[..., ServiceRequest], fmt: str
) -> None:
    here = file_report()
    lat, lng = north_of_home(2_000)
    two_km_away = file_report(lat=lat, lng=lng)
    file_report(lat=None, lng=None, address="1 Main")  # no point: never near anything

    def near(radius: str | None) -> list[str]:
        params = {"lat": str(HOME_LAT), "long": str(HOME_LNG), **juris(independence)}
        if radius is not None:
            params["radius"] = radius
        return sorted(request_ids(body(get(client, "requests", fmt, **params))))

    assert near("500") == [here.reference]
    assert near(None) == [here.reference]  # 1000 m by default
    assert near("2100") == sorted([here.reference, two_km_away.reference])


def test_the_circle_is_exact_not_the_bounding_box(
    client: Any, independence: City, file_report: Callable[..., ServiceRequest]
) -> None:
    # 800 m north and 800 m east: inside the 1000 m box, 1131 m away, outside the circle.
    lat, _lng = north_of_home(800)
    corner = file_report(lat=lat, lng=HOME_LNG + (lat - HOME_LAT) / math.cos(math.radians(HOME_LAT)))
    params = {"lat": str(HOME_LAT), "long": str(HOME_LNG), **juris(independence)}
    assert request_ids(body(get(client, "requests", "json", radius="1000", **params))) == []
    assert request_ids(body(get(client, "requests", "json", radius="1200", **params))) == [corner.reference]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"lat": "39.08"}, "lat and long go together"),
        ({"radius": "500"}, "lat and long go together"),
        ({"lat": "139", "long": "-94.35"}, "not a valid coordinate"),
        ({"lat": "39.08", "long": "west"}, "not a valid coordinate"),
        ({"lat": "39.08", "long": "-94.35", "radius": "0"}, "radius"),
        ({"lat": "39.08", "long": "-94.35", "radius": "10001"}, "at most 10000"),
        ({"lat": "39.08", "long": "-94.35", "radius": "nan"}, "radius"),
        ({"lat": "39.08", "long": "-94.35", "radius": "a mile"}, "radius"),
    ],
)
def test_a_bad_point_or_radius_is_a_400_that_says_why(
    client: Any, independence: City, fmt: str, params: dict[str, str], words: str
) -> None:
    response = get(client, "requests", fmt, **params, **juris(independence))
    assert response.status_code == 400
    assert words in errors(response)[0]["description"]


# --- extensions=true --------------------------------------------------------------------------------


def _photo() -> io.BytesIO:
    image = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(image, "JPEG")
    image.seek(0)
    return image


@pytest.fixture
def worked_case(file_report: Callable[..., ServiceRequest], worker: Any) -> ServiceRequest:
    case = file_report()
    case_add_note(case=case, actor=worker, text="Crew sent.", public=True)
    case_add_note(case=case, actor=worker, text="Neighbour is difficult.", public=False)
    case_add_photo(case=case, actor=worker, upload=_photo(), filename="before.jpg")
    case_add_photo(case=case, actor=worker, upload=_photo(), filename="staff-only.jpg", public=False)
    return case_close(case=case, actor=worker, note="Sofa removed.")


def test_extensions_add_department_district_channel_public_notes_and_photos_in_json(
    client: Any, independence: City, worked_case: ServiceRequest
) -> None:
    for endpoint in ("requests", f"requests/{worked_case.reference}"):
        [doc] = body(get(client, endpoint, "json", extensions="true", **juris(independence)))
        extended = doc["extended_attributes"]
        assert extended["department"] == "CD-NEIGHBORHOOD SERVICES"
        assert extended["district"] == worked_case.district.name
        assert extended["channel"] == "web"
        assert [(n["type"], n["description"]) for n in extended["notes"]] == [
            ("public_note", "Crew sent."),
            ("closed", "Sofa removed."),
        ]
        assert extended["notes"][0]["datetime"][-6:] in ("-05:00", "-06:00")
        [photo] = extended["photos"]
        assert photo["media_url"].startswith("http://testserver/media/")
        assert photo["thumbnail_url"].startswith("http://testserver/media/")
        assert photo["thumbnail_url"] != photo["media_url"]
        assert "Neighbour is difficult" not in str(doc)


def test_extensions_in_xml_nest_notes_and_photos(client: Any, independence: City, worked_case: ServiceRequest) -> None:
    doc = body(get(client, "requests", "xml", extensions="true", **juris(independence)))
    extended = doc.find("request/extended_attributes")
    assert extended is not None
    assert extended.findtext("department") == "CD-NEIGHBORHOOD SERVICES"
    assert [n.findtext("description") for n in extended.findall("notes/note")] == ["Crew sent.", "Sofa removed."]
    assert [p.findtext("media_url", "")[:24] for p in extended.findall("photos/photo")] == ["http://testserver/media/"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_without_extensions_the_answer_is_the_spec_alone(
    client: Any, independence: City, worked_case: ServiceRequest, fmt: str
) -> None:
    for value in (None, "false"):
        params = juris(independence) if value is None else {"extensions": value, **juris(independence)}
        response = get(client, "requests", fmt, **params)
        assert "extended_attributes" not in response.content.decode()


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_bad_extensions_value_is_a_400(client: Any, independence: City, fmt: str) -> None:
    response = get(client, "requests", fmt, extensions="please", **juris(independence))
    assert response.status_code == 400
    assert "extensions" in errors(response)[0]["description"]


# --- tokens -------------------------------------------------------------------------------------------


def _post(client: Any, city: City, api_key: str, fmt: str = "json", **form: Any) -> Any:
    form = {
        "service_code": "trash",
        "address_string": "1 Main",
        "attribute[bags]": "1",
        "attribute[kind]": "sofa",
        **form,
    }
    return client.post(f"{API}/requests.{fmt}", {"api_key": api_key, **juris(city), **form})


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_post_answers_with_the_service_request_id_and_no_token_as_the_id_is_known_at_once(
    client: Any, independence: City, asks_everything: ServiceType, api_key: str, fmt: str
) -> None:
    """GeoReport v2, POST Service Request, the answer: ``service_request_id`` *or* ``token``,
    the token only when the id is not yet known. Every report is numbered when accepted."""
    response = _post(client, independence, api_key, fmt)
    assert response.status_code == 201
    doc = body(response)
    reference = ServiceRequest.objects.get().reference
    if fmt == "json":
        assert doc == [{"service_request_id": reference, "service_notice": "", "account_id": ""}]
    else:
        [created] = doc
        assert created.tag == "request"
        assert [child.tag for child in created] == ["service_request_id", "service_notice", "account_id"]
        assert created.findtext("service_request_id") == reference


def _token_of(reference: str) -> str:
    return Open311Submission.objects.get(case__number=int(reference.rsplit("-", 1)[1])).token


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_token_handed_out_by_an_earlier_version_still_resolves_to_the_request_id(
    client: Any, independence: City, asks_everything: ServiceType, api_key: str, fmt: str
) -> None:
    # Answers before this version carried a token too; an application may still hold one.
    reference = _post(client, independence, api_key).json()[0]["service_request_id"]
    token = _token_of(reference)
    answer = get(client, f"tokens/{token}", fmt, **juris(independence))
    assert answer.status_code == 200
    if fmt == "json":
        assert body(answer) == [{"token": token, "service_request_id": reference}]
    else:
        tokens = body(answer)
        assert tokens.tag == "service_requests"
        assert [(r.findtext("token"), r.findtext("service_request_id")) for r in tokens] == [(token, reference)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_or_other_citys_token_is_a_404(
    client: Any, independence: City, raytown: City, asks_everything: ServiceType, api_key: str, fmt: str
) -> None:
    token = _token_of(_post(client, independence, api_key).json()[0]["service_request_id"])
    for city, asked in ((independence, "no-such-token"), (raytown, token)):
        response = get(client, f"tokens/{asked}", fmt, **juris(city))
        assert response.status_code == 404
        assert errors(response)[0]["code"] == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_odd_offsets_are_read_and_far_off_years_are_a_400(
    client: Any, independence: City, file_report: Callable[..., ServiceRequest], fmt: str
) -> None:
    # +21:10 is valid ISO 8601 that PostgreSQL refuses as an offset: read as UTC instead.
    response = get(client, "requests", fmt, updated_before="2324-06-26T13:28:30+21:10", **juris(independence))
    assert response.status_code == 200, response.content
    for params in ({"start_date": "9999-12-31T00:00:00Z"}, {"updated_after": "0001-01-01T00:00:00+05:00"}):
        response = get(client, "requests", fmt, **params, **juris(independence))
        assert response.status_code == 400
        assert "out of range" in errors(response)[0]["description"]
