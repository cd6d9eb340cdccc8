"""A property test of Open311 POST requests beside schemathesis: schemathesis checks the API
against its schema; this one checks what a created request holds. Whatever an app sends —
any text, coordinates that are words, NaN or out of range, any answers — the answer is a
201 whose request reads back exactly (less surrounding whitespace) from GET, or a 4xx in
Open311's error format that says what is wrong, and no request."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.tenants.models import City
from tests.api.conftest import API
from tests.conftest import INSIDE, as_stored

pytestmark = pytest.mark.django_db

LAT, LNG = INSIDE["independence"]
texts = st.text(max_size=150)


numbers_as_text = st.one_of(
    st.floats().map(repr),
    st.sampled_from(["nan", "inf", "-inf", "1e400", "", "91", "-181", "39,08", "0x10", "٣٩"]),
    texts,
)
near = st.floats(min_value=-0.003, max_value=0.003)


@st.composite
def posts(draw: Any) -> dict[str, Any]:
    fine = draw(st.booleans())
    if fine:
        lat, lng = str(LAT + draw(near)), str(LNG + draw(near))
    else:
        lat, lng = draw(numbers_as_text), draw(numbers_as_text)
    # Free text without NUL (refused, tested in tests/security/test_bad_input.py).
    free = texts.filter(lambda t: "\x00" not in t) if fine else texts
    form = {
        "service_code": "trash" if fine else draw(st.one_of(st.just("trash"), texts)),
        "lat": lat,
        "long": lng,
        "address_string": draw(free),
        "description": draw(st.one_of(free, st.integers(9_995, 10_005).map(lambda n: "ü" * n))),
        "first_name": draw(free),
        "last_name": draw(free),
        "email": draw(
            st.one_of(st.just(""), st.from_regex(r"[a-z0-9.]{1,12}@[a-z]{1,10}\.org", fullmatch=True))
            if fine
            else st.one_of(st.emails(), texts)
        ),
        "phone": draw(st.text(max_size=40).filter(lambda t: "\x00" not in t) if fine else texts),
        "attribute[bags]": draw(st.integers(0, 20).map(str) if fine else numbers_as_text),
        "attribute[kind]": draw(st.sampled_from(["sofa", "tyres"]) if fine else st.one_of(st.just("sofa"), texts)),
        "attribute[hazards][]": draw(
            st.lists(st.sampled_from(["glass", "oil"]) if fine else texts, max_size=2, unique=True)
        ),
    }
    return form


@given(form=posts())
@settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_a_posted_request_reads_back_exactly_or_is_refused_with_a_reason(
    client: Any, independence: City, asks_everything: ServiceType, api_key: str, form: dict[str, Any]
) -> None:
    before = ServiceRequest.objects.count()
    juris = {"jurisdiction_id": independence.jurisdiction_id}
    response = client.post(f"{API}/requests.json", {**form, **juris, "api_key": api_key})
    event(f"answered {response.status_code}")
    assert response.status_code < 500, response.content[:1000]
    if response.status_code != 201:
        assert 400 <= response.status_code < 500
        errors = response.json()
        assert errors and all(e["code"] == response.status_code and e["description"] for e in errors)
        assert ServiceRequest.objects.count() == before
        return
    reference = response.json()[0]["service_request_id"]
    got = client.get(f"{API}/requests/{reference}.json", juris).json()[0]
    assert got["description"] == as_stored(form["description"])
    assert got["address"] == as_stored(form["address_string"])
    case = ServiceRequest.objects.order_by("-pk").first()
    assert case is not None and case.reference == reference
    names = [as_stored(form["first_name"]), as_stored(form["last_name"])]
    assert case.reporter_name == " ".join(n for n in names if n)
