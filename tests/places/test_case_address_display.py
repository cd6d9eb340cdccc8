"""A case's address with how it was found, wherever the case is shown: the emails to the
resident and the department, the console's case page and list, the public case and
tracking pages, the overdue list, and Open311's ``address`` (kept as stored: GeoReport's
field is the address, not a sentence). The fields are set directly here; ``case_create``
fills them elsewhere."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from civicdesk.accounts.models import Role, User
from civicdesk.cases.models import AddressSource, ServiceRequest
from civicdesk.notifications import messages
from civicdesk.notifications.models import OutboxMessage
from civicdesk.tenants.models import City

pytestmark = pytest.mark.django_db


def _with_address(case: ServiceRequest, address: str, source: str, distance: float | None) -> ServiceRequest:
    ServiceRequest.objects.filter(pk=case.pk).update(
        address=address, address_source=source, address_distance_m=distance
    )
    return ServiceRequest.objects.select_related("city", "service_type", "department", "district").get(pk=case.pk)


def _lines_joined(text: str) -> str:
    """An email's text with its lines joined, the no-break space of a distance ("110 ft") kept."""
    return re.sub(r"[ \t\r\n]+", " ", text)


def _emails(case: ServiceRequest) -> dict[str, OutboxMessage]:
    OutboxMessage.objects.all().delete()
    messages.case_created(case)
    return {m.kind: m for m in OutboxMessage.objects.all()}


@pytest.mark.parametrize(
    ("source", "distance", "resident_sees", "staff_see"),
    [
        (
            AddressSource.NEAREST,
            34.6,
            "near 1234 S Noland Rd",
            "near 1234 S Noland Rd [Nearest address to the pin, 110\u00a0ft from the point]",
        ),
        # Matched to the address point itself: "0 ft from the point" is no distance anybody
        # would say, and under 15 ft (a phone's GPS reaches about 16 ft) it is said "at the point".
        (
            AddressSource.MATCHED,
            0.0,
            "1234 S Noland Rd",
            "1234 S Noland Rd [Matched to an address, at the point]",
        ),
        (AddressSource.TYPED, None, "1234 S Noland Rd", "1234 S Noland Rd [Typed, not matched]"),
        ("", None, "1234 S Noland Rd", "Where: 1234 S Noland Rd ("),
    ],
)
def test_the_emails_say_where_and_how_the_address_was_found(
    report: Callable[..., ServiceRequest], source: str, distance: float | None, resident_sees: str, staff_see: str
) -> None:
    case = _with_address(report(address=""), "1234 S Noland Rd", source, distance)
    sent = _emails(case)
    assert f"Where: {resident_sees}\n" in sent["case_created"].body_text
    assert resident_sees in sent["case_created"].body_html
    # The plain text is wrapped; the words are read across its lines.
    assert staff_see in _lines_joined(sent["case_assigned"].body_text)
    assert "(map point only)" not in sent["case_assigned"].body_text
    assert "the place you marked on the map" not in sent["case_created"].body_text


def test_a_case_with_no_address_keeps_the_map_point_words(report: Callable[..., ServiceRequest]) -> None:
    case = _with_address(report(address=""), "", "", None)
    sent = _emails(case)
    assert "Where: the place you marked on the map" in sent["case_created"].body_text
    assert "Where: (map point only) (39.085500, -94.352000)" in sent["case_assigned"].body_text


def test_the_residents_email_says_near_in_spanish(report: Callable[..., ServiceRequest]) -> None:
    case = _with_address(report(address="", language="es"), "1234 S Noland Rd", AddressSource.NEAREST, 12.0)
    assert "Dónde: cerca de 1234 S Noland Rd\n" in _emails(case)["case_created"].body_text


@pytest.fixture
def nearest_case(report: Callable[..., ServiceRequest]) -> ServiceRequest:
    return _with_address(report(address=""), "1234 S Noland Rd", AddressSource.NEAREST, 21.4)


def test_the_console_shows_the_address_and_how_it_was_found(
    client: Client, nearest_case: ServiceRequest, independence: City, make_staff: Callable[..., User]
) -> None:
    client.force_login(make_staff(independence, Role.SUPERVISOR, department=nearest_case.department))
    page = client.get(f"/console/cases/independence/{nearest_case.number}/").content.decode()
    assert "near 1234 S Noland Rd" in page
    assert "Nearest address to the pin, 70\u00a0ft from the point" in page
    listing = client.get("/console/", {"queue": "all"}).content.decode()
    assert '<td data-label="Where">near 1234 S Noland Rd' in listing  # the district, if any, under it on a tablet


def test_the_public_case_and_tracking_pages_show_it(client: Client, nearest_case: ServiceRequest) -> None:
    for url in (f"/track/{nearest_case.tracking_token}/", f"/independence/requests/{nearest_case.number}/"):
        page = client.get(url).content.decode()
        assert "near 1234 S Noland Rd" in page, url
        assert "Nearest address to the pin, 70\u00a0ft from the point" in page, url


def test_the_overdue_list_shows_near(
    client: Client, nearest_case: ServiceRequest, independence: City, make_staff: Callable[..., User]
) -> None:
    import datetime as dt

    from civicdesk.core import clock

    ServiceRequest.objects.filter(pk=nearest_case.pk).update(due_at=clock.now() - dt.timedelta(days=3))
    client.force_login(make_staff(independence, Role.SUPERVISOR))
    page = client.get("/independence/reports/overdue/").content.decode()
    assert "<td>near 1234 S Noland Rd</td>" in page


def test_open311_gives_the_address_as_stored(client: Client, nearest_case: ServiceRequest) -> None:
    answer: Any = client.get(
        f"/open311/v2/requests/{nearest_case.reference}.json",
        {"jurisdiction_id": nearest_case.city.jurisdiction_id},
    ).json()
    assert answer[0]["address"] == "1234 S Noland Rd"
    assert (answer[0]["lat"], answer[0]["long"]) == (nearest_case.lat, nearest_case.lng)


@pytest.mark.parametrize(
    ("source", "distance", "english", "spanish"),
    [
        (AddressSource.MATCHED, 0.0, "Matched to an address, at the point", "Coincide con una dirección, en el punto"),
        (
            AddressSource.NEAREST,
            4.5,  # 14.8 ft
            "Nearest address to the pin, at the point",
            "Dirección más cercana al marcador, en el punto",
        ),
        (
            AddressSource.NEAREST,
            4.6,  # 15.1 ft: said, to the 10 ft
            "Nearest address to the pin, 20\u00a0ft from the point",
            "Dirección más cercana al marcador, a 20\u00a0pies del punto",
        ),
    ],
)
def test_an_address_at_the_pin_is_said_to_be_at_the_point_on_every_page_and_in_both_languages(
    client: Client,
    report: Callable[..., ServiceRequest],
    independence: City,
    make_staff: Callable[..., User],
    source: str,
    distance: float,
    english: str,
    spanish: str,
) -> None:
    case = _with_address(report(address=""), "1234 S Noland Rd", source, distance)
    client.force_login(make_staff(independence, Role.SUPERVISOR, department=case.department))
    urls = (
        f"/console/cases/independence/{case.number}/",
        f"/track/{case.tracking_token}/",
        f"/independence/requests/{case.number}/",
    )
    for language, words in (("en", english), ("es", spanish)):
        for url in urls:
            page = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
            assert f'<span class="where-how">{words}</span>' in page, (language, url)
            assert " 0\u00a0ft" not in page and " 0\u00a0pies" not in page, (language, url)
    assigned = _emails(case)["case_assigned"]
    assert f"[{english}]" in _lines_joined(assigned.body_text)
    assert f"[{english}]" in assigned.body_html
