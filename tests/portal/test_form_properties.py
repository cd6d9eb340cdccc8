"""Property tests of the two report forms, the resident's (portal) and the call taker's
(console new case): whatever is typed — any text, any email, coordinates that are words,
NaN, infinities or out of range, any answer to the type's questions — the answer is never a
5xx. It is either a new case whose text reads back exactly as typed (less the surrounding
whitespace, which forms trim), or the form again with its errors and no case."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from civicdesk.accounts.models import Role, User
from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.tenants.models import City
from tests.conftest import INSIDE, as_stored

pytestmark = pytest.mark.django_db

LAT, LNG = INSIDE["independence"]
EXAMPLES = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

texts = st.text(max_size=200)
# Around the 10,000-character limit, in a character that is two bytes in UTF-8.
long_texts = st.integers(min_value=9_995, max_value=10_005).map(lambda n: "é" * n)
tricky = st.sampled_from(
    [
        "🕳️🚗💥 👨‍👩‍👧",
        "حفرة كبيرة أمام المنزل",
        "בור גדול ברחוב",
        "Cafe\u0301 Z\u0324\u0354\u0367",
        "\u202eevil\u202c",
        "  padded\r\nwith CRLF\t ",
        "<script>alert(1)</script>",
        "Robert'); DROP TABLE cases;--",
        "\x00",
    ]
)
descriptions = st.one_of(texts, long_texts, tricky)
# Coordinates as a form sends them: text, which may be any number, or not a number at all.
odd_numbers = st.sampled_from(
    ["nan", "NaN", "inf", "-inf", "Infinity", "1e400", "-1e400", "", " ", "91", "-181", "39,08", "0x10", "٣٩", "1_0"]
)
near = st.floats(min_value=-0.003, max_value=0.003)
coordinates = st.one_of(
    st.tuples(near, near).map(lambda d: (str(LAT + d[0]), str(LNG + d[1]))),
    st.tuples(odd_numbers, odd_numbers),
    st.tuples(st.floats().map(repr), st.floats().map(repr)),
    st.tuples(texts, texts),
)
emails = st.one_of(st.emails(), st.text(max_size=40), st.just(""))


# Free text a case may hold: what must read back exactly.
fine_text = st.one_of(texts, tricky.filter(lambda t: "\x00" not in t))
fine_emails = st.one_of(st.just(""), st.from_regex(r"[a-z0-9.]{1,12}@[a-z]{1,10}\.(org|com)", fullmatch=True))


def answers(draw: Callable[..., Any], fine: bool) -> dict[str, Any]:
    """Answers to the pothole's questions: right ones, or anything at all."""
    if fine:
        return {
            "attr_size": draw(st.sampled_from(["small", "large"])),
            "attr_lanes": draw(st.lists(st.sampled_from(["left", "right"]), max_size=2, unique=True)),
            "attr_depth": draw(st.one_of(st.just(""), st.integers(0, 100).map(str))),
            "attr_seen": draw(
                st.datetimes(min_value=dt.datetime(2000, 1, 1)).map(lambda d: d.strftime("%Y-%m-%dT%H:%M"))
            ),
            "attr_more": draw(fine_text),
        }
    return {
        "attr_size": draw(st.one_of(st.sampled_from(["small", "large"]), texts)),
        "attr_lanes": draw(st.lists(st.one_of(st.sampled_from(["left", "right"]), texts), max_size=3)),
        "attr_depth": draw(st.one_of(st.floats().map(repr), odd_numbers, texts)),
        "attr_seen": draw(st.one_of(st.datetimes().map(lambda d: d.isoformat(timespec="minutes")), texts)),
        "attr_more": draw(descriptions),
    }


@st.composite
def portal_posts(draw: Callable[..., Any], staff: bool = False) -> dict[str, Any]:
    """Half the time every field is of the right shape and only the free text is free (so
    cases get made and read back); otherwise anything goes."""
    fine = draw(st.booleans())
    lat, lng = (
        draw(st.tuples(near, near).map(lambda d: (str(LAT + d[0]), str(LNG + d[1])))) if fine else draw(coordinates)
    )
    data = {
        "service_type": draw(
            st.sampled_from(["pothole", "graffiti"]) if fine else st.one_of(st.just("pothole"), texts)
        ),
        "lat": lat,
        "lng": lng,
        "address": draw(fine_text if fine else st.one_of(texts, tricky)),
        "description": draw(fine_text if fine else descriptions),
        "reporter_name": draw(fine_text if fine else st.one_of(texts, tricky)),
        "reporter_email": draw(fine_emails if fine else emails),
        "reporter_phone": draw(st.text(max_size=40).filter(lambda t: "\x00" not in t) if fine else texts),
        "notify_reporter": draw(st.sampled_from(["on", ""] if fine else ["on", "", "yes"])),
        **answers(draw, fine),
    }
    if staff:
        data["channel"] = draw(st.sampled_from(["phone", "walk_in", "email"] if fine else ["web", "", "x"]))
        data["priority"] = draw(st.sampled_from(["normal", "high", "urgent", "low"] if fine else ["", "max"]))
        data["confirm"] = "1"
    else:
        data["channel"] = draw(st.sampled_from(["web", "mobile"] if fine else ["phone", "", "x"]))
        data["nearby_checked"] = "1"
    return data


def _type_pk(value: str, types: dict[str, ServiceType]) -> Any:
    return types[value].pk if value in types else value


def _check(response: Any, data: dict[str, Any], before: int) -> None:
    """No 5xx; a case with the text as typed, or the form again with errors and no case."""
    assert response.status_code < 500, response.content[:2000]
    event(f"answered {response.status_code}")
    if response.status_code == 302:
        assert ServiceRequest.objects.count() == before + 1
        case = ServiceRequest.objects.order_by("-pk").first()
        assert case is not None
        assert case.description == as_stored(data["description"])
        assert case.address == as_stored(data["address"])
        assert case.reporter_name == as_stored(data["reporter_name"])
        assert "\x00" not in case.description + case.address + case.reporter_name
    else:
        assert response.status_code in (200, 400, 403), response.status_code
        assert ServiceRequest.objects.count() == before
        html = response.content.decode()
        assert "<form" in html and ('class="errorlist' in html or 'role="alert"' in html or "error" in html)


@pytest.fixture
def pothole_types(catalogue: dict[str, dict[str, ServiceType]]) -> dict[str, ServiceType]:
    return catalogue["independence"]


@given(data=portal_posts())
@EXAMPLES
def test_the_portal_form_never_fails_and_either_files_exactly_what_was_typed_or_says_what_is_wrong(
    client: Client, pothole_types: dict[str, ServiceType], data: dict[str, Any]
) -> None:
    data = {**data, "service_type": _type_pk(data["service_type"], pothole_types)}
    before = ServiceRequest.objects.count()
    response = client.post("/independence/report/", data)
    _check(response, data, before)


@given(data=portal_posts())
@EXAMPLES
def test_the_offline_apps_json_answer_never_fails_either(
    client: Client, pothole_types: dict[str, ServiceType], data: dict[str, Any]
) -> None:
    data = {**data, "service_type": _type_pk(data["service_type"], pothole_types)}
    before = ServiceRequest.objects.count()
    response = client.post("/report/", data, HTTP_ACCEPT="application/json")
    assert response.status_code in (201, 400), response.content[:2000]
    event(f"answered {response.status_code}")
    body = response.json()
    if response.status_code == 201:
        assert ServiceRequest.objects.count() == before + 1
        assert ServiceRequest.objects.order_by("-pk").first().description == as_stored(data["description"])  # type: ignore[union-attr]
    else:
        assert ServiceRequest.objects.count() == before
        assert body["errors"] and all(isinstance(m, str) and m for ms in body["errors"].values() for m in ms)


@pytest.fixture
def call_taker(independence: City, pothole_types: dict[str, ServiceType], make_staff: Callable[..., User]) -> User:
    return make_staff(independence, Role.CALL_TAKER, department=pothole_types["pothole"].department)


@given(data=portal_posts(staff=True), seen=st.booleans())
@EXAMPLES
def test_the_console_new_case_form_never_fails_and_either_enters_exactly_what_was_typed_or_says_what_is_wrong(
    client: Client, pothole_types: dict[str, ServiceType], call_taker: User, data: dict[str, Any], seen: bool
) -> None:
    client.force_login(call_taker)
    data = {**data, "service_type": _type_pk(data["service_type"], pothole_types)}
    if seen:  # the page showed the chosen type's questions (otherwise it asks them first)
        data["questions_for"] = str(data["service_type"])
    before = ServiceRequest.objects.count()
    response = client.post("/console/new/", data)
    _check(response, data, before)
