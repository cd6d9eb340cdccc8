"""Privacy through the API: no reporter detail on any endpoint in any format; reports whose
reporter stayed anonymous are listed like any public problem; confidential cases never are
(docs/open311.md, "Privacy")."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from PIL import Image

from civicdesk.accounts.models import Role
from civicdesk.cases.models import ServiceRequest
from civicdesk.cases.services import case_add_note, case_change_type, case_close
from civicdesk.catalog.models import ServiceType
from civicdesk.open311.models import Open311Submission
from civicdesk.tenants.models import City
from tests.api.conftest import API
from tests.api.open311_client import body, get

pytestmark = pytest.mark.django_db

FORMATS = ["json", "xml"]
# What a reporter told us about themselves, and what their app sent about them.
REPORTER = {
    "first_name": "Zelda",
    "last_name": "Quixotic",
    "email": "zelda.quixotic@example.org",
    "phone": "816-555-0142",
    "device_id": "device-zq-7731",
    "account_id": "account-zq-7731",
}
PRIVATE = [*REPORTER.values(), "zq-photo-name", "Rhonda", "rhonda@example.org", "816-555-0100"]


def juris(city: City) -> dict[str, str]:
    return {"jurisdiction_id": city.jurisdiction_id}


def _photo() -> io.BytesIO:
    image = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(image, "JPEG")
    image.seek(0)
    image.name = "zq-photo-name.jpg"
    return image


def _post(client: Any, city: City, api_key: str, fmt: str) -> Any:
    form = {
        "api_key": api_key,
        "service_code": "trash",
        "address_string": "223 N Memorial Dr",
        "description": "A sofa on the curb",
        "attribute[bags]": "1",
        "attribute[kind]": "sofa",
        "media": _photo(),
        **REPORTER,
        **juris(city),
    }
    response = client.post(f"{API}/requests.{fmt}", form)
    assert response.status_code == 201, response.content
    return response


def _reference_and_token(response: Any) -> tuple[str, str]:
    """The new request's id, and the token kept for it (answers no longer carry it: a token
    handed out by an earlier version must still reveal nothing)."""
    doc = body(response)
    reference = doc[0]["service_request_id"] if isinstance(doc, list) else doc.findtext("request/service_request_id")
    assert reference
    return reference, Open311Submission.objects.get(case__number=int(reference.rsplit("-", 1)[1])).token


def test_no_reporter_detail_appears_on_any_endpoint_in_either_format(
    client: Any,
    independence: City,
    asks_everything: ServiceType,
    api_key: str,
    file_report: Callable[..., ServiceRequest],
    make_staff: Callable[..., Any],
) -> None:
    answers = [_post(client, independence, api_key, fmt) for fmt in FORMATS]
    reference, token = _reference_and_token(answers[0])
    staff_entered = file_report()  # Rhonda's name, email and phone, entered by staff
    worker = make_staff(independence, Role.WORKER, department=asks_everything.department)
    case = ServiceRequest.objects.get(number=int(reference.rpartition("-")[2]), city=independence)
    assert (case.reporter_email, case.reporter_phone) == (REPORTER["email"], REPORTER["phone"])
    case_add_note(case=case, actor=worker, text="Crew sent.", public=True)
    case_close(case=case, actor=worker, note="Sofa removed.")
    endpoints: list[tuple[str, dict[str, str]]] = [
        ("discovery", {}),
        ("services", {}),
        ("services/trash", {}),
        ("service/trash", {}),
        ("requests", {}),
        ("requests", {"extensions": "true"}),
        ("requests", {"service_request_id": f"{reference},{staff_entered.reference}", "extensions": "true"}),
        (f"requests/{reference}", {}),
        (f"requests/{reference}", {"extensions": "true"}),
        (f"requests/{staff_entered.reference}", {"extensions": "true"}),
        (f"tokens/{token}", {}),
    ]
    for fmt in FORMATS:
        for endpoint, params in endpoints:
            response = get(client, endpoint, fmt, **params, **juris(independence))
            assert response.status_code == 200, (endpoint, response.content)
            answers.append(response)
    assert len(answers) == 2 + 2 * len(endpoints)
    for response in answers:
        text = response.content.decode().lower()
        for private in PRIVATE:
            assert private.lower() not in text, (response.request["PATH_INFO"], private)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_report_whose_reporter_stayed_anonymous_is_listed_like_any_other(
    client: Any, independence: City, file_report: Callable[..., ServiceRequest], fmt: str
) -> None:
    anonymous = file_report(reporter_name="", reporter_email="", reporter_phone="")
    listed = body(get(client, "requests", fmt, **juris(independence)))
    ids = (
        [r["service_request_id"] for r in listed]
        if fmt == "json"
        else [r.findtext("service_request_id") for r in listed]
    )
    assert ids == [anonymous.reference]
    assert get(client, f"requests/{anonymous.reference}", fmt, **juris(independence)).status_code == 200


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_case_staff_move_to_a_confidential_type_leaves_every_endpoint(
    client: Any,
    independence: City,
    asks_everything: ServiceType,
    secret_type: ServiceType,
    api_key: str,
    make_staff: Callable[..., Any],
    fmt: str,
) -> None:
    reference, token = _reference_and_token(_post(client, independence, api_key, fmt))
    assert get(client, f"requests/{reference}", fmt, **juris(independence)).status_code == 200
    supervisor = make_staff(independence, Role.SUPERVISOR)
    case = ServiceRequest.objects.get()
    case_change_type(case=case, actor=supervisor, service_type=secret_type)
    assert get(client, f"requests/{reference}", fmt, **juris(independence)).status_code == 404
    assert get(client, f"tokens/{token}", fmt, **juris(independence)).status_code == 404
    for params in ({}, {"service_request_id": reference}, {"extensions": "true"}):
        assert reference not in get(client, "requests", fmt, **params, **juris(independence)).content.decode()
