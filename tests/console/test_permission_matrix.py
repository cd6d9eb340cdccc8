"""Every console action, by every role, on a case of the user's own city and of another
city, through HTTP. The expected answer is generated from ``permissions.ALLOWED``: a
change to the rules is tested the moment it is made, and no button's absence is trusted.

Own city: allowed, or 403. Another city's case: 404 (it is not there for this user).
Entering a case at a point in another city: 403, with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse

from civicdesk.accounts.models import Role
from civicdesk.cases import services
from civicdesk.cases.models import ServiceRequest, Status
from civicdesk.cases.permissions import ALLOWED, Action
from tests.cases import images
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    """Undoes one attempt, so every cell of the matrix starts from the same cases."""


def _url(name: str, case: ServiceRequest) -> str:
    return reverse(f"console:{name}", kwargs={"city": case.city.slug, "number": case.number})


def _photo() -> SimpleUploadedFile:
    return SimpleUploadedFile("p.webp", images.webp(), content_type="image/webp")


# console action -> (the permission it needs, how the console asks for it)
CONSOLE_ACTIONS: dict[str, tuple[Action, Callable[[Client, dict[str, Any]], Any]]] = {
    "view": (Action.VIEW, lambda c, s: c.get(_url("case", s["open"]))),
    "public note": (
        Action.NOTE,
        lambda c, s: c.post(_url("case_note", s["open"]), {"text": "Hi", "visibility": "public"}),
    ),
    "internal note": (
        Action.NOTE,
        lambda c, s: c.post(_url("case_note", s["open"]), {"text": "Hi", "visibility": "internal"}),
    ),
    "add caller as follower": (
        Action.NOTE,
        lambda c, s: c.post(_url("case_follow", s["open"]), {"email": "a@example.org"}),
    ),
    "photo": (
        Action.PHOTO,
        lambda c, s: c.post(_url("case_photos", s["open"]), {"photos": [_photo()], "public": "on"}),
    ),
    "take the case": (Action.ASSIGN, lambda c, s: c.post(_url("case_assign", s["open"]), {"take": "1"})),
    "change type": (
        Action.CHANGE_TYPE,
        lambda c, s: c.post(_url("case_type", s["open"]), {"service_type": s["other_type"].pk}),
    ),
    "change status": (
        Action.CHANGE_STATUS,
        lambda c, s: c.post(_url("case_status", s["open"]), {"status": Status.IN_PROGRESS}),
    ),
    "close": (
        Action.CLOSE,
        lambda c, s: c.post(_url("case_close", s["open"]), {"resolution": "resolved", "note": "Done"}),
    ),
    "mark duplicate": (
        Action.CLOSE,
        lambda c, s: c.post(_url("case_duplicate", s["open"]), {"original": s["original"].reference}),
    ),
    "reopen": (Action.REOPEN, lambda c, s: c.post(_url("case_reopen", s["closed"]), {"reason": "Back"})),
    "enter a new case": (
        Action.CREATE,
        lambda c, s: c.post(
            reverse("console:new"),
            {
                "service_type": s["own_type"].pk,
                "lat": s["point"][0],
                "lng": s["point"][1],
                "description": "Caller",
                "channel": "phone",
                "priority": "normal",
                "confirm": "1",
            },
        ),
    ),
}


def test_every_permission_has_a_console_action():
    assert {action for action, _ in CONSOLE_ACTIONS.values()} == set(Action)


@pytest.fixture
def places(independence, raytown, trash, make_service_type, make_staff, report):
    """An open, a closed and an original case in each city (all as an Independence user
    would address them), and the types to change to."""
    ray_trash = make_service_type(raytown, "trash")
    closer = make_staff(independence, Role.SUPERVISOR)
    ray_closer = make_staff(raytown, Role.SUPERVISOR)
    lat, lng = INSIDE["raytown"]

    def raytown_case() -> ServiceRequest:
        return services.case_create(service_type=ray_trash, lat=lat, lng=lng, description="x")

    return {
        "own": {
            "open": report(),
            "closed": services.case_close(case=report(), actor=closer, note="Done"),
            "original": report(),
            "other_type": make_service_type(independence, "other", department=trash.department),
            "own_type": trash,
            "point": INSIDE["independence"],
        },
        "other": {
            "open": raytown_case(),
            "closed": services.case_close(case=raytown_case(), actor=ray_closer, note="Done"),
            "original": raytown_case(),
            "other_type": make_service_type(raytown, "other"),
            "own_type": trash,  # the call taker's own type, placed at a Raytown point
            "point": INSIDE["raytown"],
        },
    }


def _expected(role: str, action: Action, where: str) -> int | str:
    in_a_city = role in {r.value for r in ALLOWED[Action.VIEW]}
    if action == Action.CREATE:
        if role == Role.INVESTIGATOR:
            # Investigators enter hotline calls only: an ordinary type is not one of their choices.
            return 400
        # Call takers take calls for the whole collaborative: a point in another member
        # city makes that city's case (docs/collaborative.md).
        return "allowed" if role in ALLOWED[action] else 403
    if where == "other" or not in_a_city:
        return 404
    return "allowed" if role in ALLOWED[action] else 403


def _outcome(client: Client, do: Callable[[Client, dict[str, Any]], Any], setting: dict[str, Any]) -> int | str:
    try:
        with transaction.atomic():
            response = do(client, setting)
            raise Rollback(response)
    except Rollback as done:
        response = done.args[0]
    # Done means the page (a GET) or the redirect back to the case (a POST), nothing else.
    done = 200 if response.request["REQUEST_METHOD"] == "GET" else 302
    return "allowed" if response.status_code == done else response.status_code


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_each_role_may_do_what_permissions_allow_in_its_own_city_only(role, places, independence, make_staff, trash):
    user = make_staff(None if role == Role.REGIONAL_ADMIN else independence, role, department=trash.department)
    client = Client()
    client.force_login(user)
    got, want = {}, {}
    for name, (action, do) in CONSOLE_ACTIONS.items():
        for where in ("own", "other"):
            got[name, where] = _outcome(client, do, places[where])
            want[name, where] = _expected(role, action, where)
    assert got == want


def _console_urls() -> list[tuple[str, str]]:
    from civicdesk.console import urls

    found = []
    for pattern in urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        if pattern.name in {"login", "logout"}:
            continue
        kwargs = {"city": "independence", "number": 1001} if "<slug:city>" in str(pattern.pattern) else {}
        # The collaborative's pages name a transfer or agreement, and a decision on it.
        extra = {"pk": 1, "decision": "accept"}
        kwargs.update({key: value for key, value in extra.items() if f":{key}>" in str(pattern.pattern)})
        found.append((pattern.name or "", reverse(f"console:{pattern.name}", kwargs=kwargs)))
    return found


def test_the_console_urls_are_all_checked():
    names = {name for name, _ in _console_urls()}
    assert {"home", "new", "overdue", "bulk_assign", "case", "case_close", "case_duplicate"} <= names
    assert get_resolver().resolve("/console/").url_name == "home"


@pytest.mark.parametrize(("name", "path"), _console_urls())
def test_an_anonymous_visitor_is_sent_to_sign_in_for_every_console_url(client, name, path, report):
    report()
    for response in (client.get(path), client.post(path, {"text": "x"})):
        if response.status_code == 405:
            continue  # the method is refused before anything else happens
        assert response.status_code == 302, (name, response.status_code)
        assert response["Location"].startswith(reverse("console:login") + "?next=")
    assert ServiceRequest.objects.count() == 1


def test_sign_in_and_sign_out(client, make_staff, independence):
    make_staff(independence, Role.WORKER, username="wanda")
    page = client.get(reverse("console:login"))
    assert page.status_code == 200 and "Staff sign-in" in page.content.decode()
    wrong = client.post(reverse("console:login"), {"username": "wanda", "password": "nope"})
    assert wrong.status_code == 200 and 'role="alert"' in wrong.content.decode()
    signed = client.post(reverse("console:login"), {"username": "wanda", "password": "a-long-test-password"})
    assert signed.status_code == 302 and signed["Location"] == reverse("console:home")
    assert client.get(reverse("console:home")).status_code == 200
    out = client.post(reverse("console:logout"))
    assert out.status_code == 302 and out["Location"] == reverse("console:login")
    assert client.get(reverse("console:home")).status_code == 302


def test_a_refusal_is_a_403_page_that_says_why(signed_in, call_taker, report):
    case = report()
    response = signed_in(call_taker).post(_url("case_close", case), {"resolution": "resolved", "note": "Done"})
    assert response.status_code == 403
    assert "You are not allowed to do that to case" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.NEW


def test_another_citys_case_is_a_404_even_by_number(signed_in, worker, places):
    theirs = places["other"]["open"]
    assert signed_in(worker).get(_url("case", theirs)).status_code == 404
    # The same number in the user's own city is a different case, or none.
    response = signed_in(worker).get(reverse("console:case", kwargs={"city": "independence", "number": 99999}))
    assert response.status_code == 404
