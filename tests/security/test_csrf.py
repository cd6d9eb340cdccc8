"""CSRF: every URL of the site refuses a POST that lacks the CSRF token, except the Open311
API, which is exempt by design (its callers are apps, not browsers holding a session) and
instead needs an api_key to post. The URLs come from the URLconf, not from a list."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from civicdesk.accounts.models import Role
from tests.security.conftest import World
from tests.security.urlwalk import Route, paths, routes

pytestmark = pytest.mark.django_db


def sample_values(world: World) -> dict[str, list[Any]]:
    case = world.cases[0]
    return {
        "city": ["independence"],
        "number": [case.number],
        "token": [case.tracking_token],
        "fmt": ["json"],
        "kind": ["new"],
        # A photo (under /media/) and an open-data file (a name without a slash).
        "name": [world.public_photo.image.name, "independence-311-cases.csv.gz"],
        "service_code": [world.service_type.code],
        "service_request_id": [str(case.pk)],
        "rest": ["anything"],
        "app_label": ["cases"],
        "decision": ["accept"],
        "period": ["2026"],
        "measure": ["m"],
        "url": ["x"],
    }


# Views that take a POST without a CSRF token on purpose, and why. Every other view refuses.
CSRF_EXEMPT_BY_DESIGN = {
    # One-click unsubscribe (RFC 8058): the mail client POSTs, with the secret token in the URL.
    "portal:alert-unsubscribe": "one-click unsubscribe from an area alert email",
    "portal:unsubscribe": "one-click unsubscribe from a case's emails",
}


def test_every_view_refuses_a_post_without_the_csrf_token_unless_exempt_by_design(world: World) -> None:
    # One test over all the routes: the world is built once (a parametrized test built it ~180 times).
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.staff[("independence", Role.CITY_ADMIN)])
    checked, problems = 0, []
    for route in routes():
        if route.namespace == "open311":
            continue  # below: exempt by design, guarded by the api_key
        exempt = getattr(route.callback, "csrf_exempt", False)
        if exempt:
            if route.name not in CSRF_EXEMPT_BY_DESIGN:
                problems.append(f"{route.name} is CSRF-exempt without a reason in CSRF_EXEMPT_BY_DESIGN")
            continue
        urls = paths(route, sample_values(world))
        if not urls:
            problems.append(f"no path could be built for {route.name} ({route.route})")
        for url in urls:
            response = client.post(url, {"text": "hello", "username": "x", "password": "y"})
            checked += 1
            if response.status_code != 403 or b"CSRF" not in response.content:
                problems.append(f"{route.name} {url} answered {response.status_code} to a POST without the token")
    assert not problems, "\n".join(problems)
    assert checked > 100  # the console, the portal, the reports and the admin were all walked


def test_the_same_post_with_the_token_gets_past_the_check(world: World) -> None:
    # The refusal above is the CSRF check, not the view: with the token the note is added.
    client = Client(enforce_csrf_checks=True)
    user = world.staff[("independence", Role.WORKER)]
    client.force_login(user)
    case = world.cases[0]
    page = client.get(reverse("console:case", kwargs={"city": "independence", "number": case.number}))
    token = page.cookies["csrftoken"].value
    response = client.post(
        reverse("console:case_note", kwargs={"city": "independence", "number": case.number}),
        {"text": "Checked", "visibility": "public", "csrfmiddlewaretoken": token},
    )
    assert response.status_code in (200, 302)
    assert case.events.filter(text="Checked").exists()


def _form_token(response: Any) -> str:
    found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', response.content)
    assert found, "the page has no form with a CSRF token"
    return found.group(1).decode()


def test_a_page_asked_for_before_signing_in_does_not_undo_the_sign_in_s_new_csrf_cookie(world: World) -> None:
    # The browser loads the sign-in page and, at the same moment, asks for other pages (its
    # favicon, the service worker keeping the home page): each goes out with the first cookie.
    # The staff member signs in, which gives a new cookie; one of those answers arrives only
    # now. It must not put the first cookie back, or the next form is refused as a forgery.
    user = world.staff[("independence", Role.WORKER)]
    browser = Client(enforce_csrf_checks=True)
    sign_in_page = browser.get(reverse("console:login"))
    first_cookie = sign_in_page.cookies["csrftoken"].value
    signed_in = browser.post(
        reverse("console:login"),
        {
            "username": user.username,
            "password": "a-long-test-password",
            "csrfmiddlewaretoken": _form_token(sign_in_page),
        },
    )
    assert signed_in.status_code == 302
    assert browser.cookies["csrftoken"].value != first_cookie  # Django rotates it at sign-in

    case = world.cases[0]
    case_page = browser.get(reverse("console:case", kwargs={"city": "independence", "number": case.number}))
    assert case_page.status_code == 200

    sent_before = Client(enforce_csrf_checks=True)
    sent_before.cookies["csrftoken"] = first_cookie
    late = sent_before.get(reverse("portal:home"))
    assert late.status_code == 200 and b"csrfmiddlewaretoken" in late.content  # the page shows a form
    assert "csrftoken" not in late.cookies  # ... but does not send the cookie it came with
    browser.cookies.update(late.cookies)  # what the browser does with the late answer

    noted = browser.post(
        reverse("console:case_note", kwargs={"city": "independence", "number": case.number}),
        {"text": "Crew booked", "visibility": "internal", "csrfmiddlewaretoken": _form_token(case_page)},
    )
    assert noted.status_code in (200, 302), noted.content[:300]
    assert case.events.filter(text="Crew booked").exists()


def test_the_csrf_cookie_is_still_set_on_a_first_visit_and_after_a_malformed_one(world: World) -> None:
    browser = Client(enforce_csrf_checks=True)
    first = browser.get(reverse("portal:home"))
    assert len(first.cookies["csrftoken"].value) == 32
    again = browser.get(reverse("portal:home"))
    assert "csrftoken" not in again.cookies  # unchanged, not sent again
    browser.cookies["csrftoken"] = "not a token"
    mended = browser.get(reverse("portal:home"))
    assert len(mended.cookies["csrftoken"].value) == 32  # a bad cookie is replaced, as before
    token = _form_token(mended)
    changed = browser.post(reverse("set_language"), {"language": "es", "next": "/", "csrfmiddlewaretoken": token})
    assert changed.status_code == 302


@pytest.mark.parametrize("route", [r for r in routes() if r.namespace == "open311"], ids=lambda r: r.name)
def test_the_open311_api_is_csrf_exempt_by_design(route: Route) -> None:
    assert getattr(route.callback, "csrf_exempt", False), f"{route.name} is not CSRF-exempt"


def test_posting_to_open311_needs_the_api_key_not_a_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    url = reverse("open311:requests", kwargs={"fmt": "json"})
    lat, lng = 39.0911, -94.4155
    data = {
        "jurisdiction_id": world.cities["independence"].jurisdiction_id,
        "service_code": world.service_type.code,
        "lat": lat,
        "long": lng,
        "description": "Couch on the curb",
    }
    without_key = client.post(url, data)
    assert without_key.status_code in (400, 403)
    assert "api_key" in without_key.json()[0]["description"]
    with_key = client.post(url, {**data, "api_key": world.api_key})
    assert with_key.status_code in (200, 201), with_key.content
