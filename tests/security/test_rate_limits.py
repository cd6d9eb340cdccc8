"""Rate limits on public submissions and sign-in, and the sign-in lockout.

The limits are off in the rest of the suite (config/settings_test.py); here they are on, with
small numbers, against the real middleware and the database cache every worker shares.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from defusedxml import ElementTree as SafeET
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from civicdesk.accounts.models import Role, User
from civicdesk.cases.models import ServiceRequest
from civicdesk.core import ratelimit
from civicdesk.core.models import RateLimitCounter
from civicdesk.core.ratelimit import Hit, hits, parse_rate
from tests.security.conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def limits_on(settings: Any) -> None:
    settings.RATELIMIT_ENABLED = True
    settings.RATELIMITS = {
        **settings.RATELIMITS,
        "report": {"views": ["portal:report", "portal:city-report"], "key": "ip", "rate": "3/h"},
        "follow": {"views": ["portal:follow"], "key": "ip", "rate": "2/h"},
        "open311-key": {"views": ["open311:requests"], "key": "api_key", "rate": "2/m"},
        "open311-ip": {"views": ["open311:requests"], "key": "ip", "rate": "4/m"},
        # Failed sign-ins per address; LOGIN_FAILURE_LIMIT below is per username and address.
        "sign-in": {"views": ["console:login", "admin:login"], "key": "ip", "counts": "failures", "rate": "8/15m"},
    }
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_LOCKOUT_MINUTES = 15
    cache.clear()


def test_rates_read_like_their_settings() -> None:
    assert parse_rate("20/h") == (20, 3600)
    assert parse_rate("30/15m") == (30, 900)
    with pytest.raises(ValueError, match="20/h"):
        parse_rate("twenty an hour")


def test_a_fourth_report_within_the_hour_is_refused_with_a_clear_message_and_retry_after(world: World) -> None:
    client = Client()
    url = reverse("portal:report")
    for _ in range(3):
        assert client.post(url, {"description": ""}).status_code != 429
    refused = client.post(url, {"description": "again"})
    assert refused.status_code == 429
    assert 3000 < int(refused["Retry-After"]) <= 3600
    assert "too many requests in a short time" in refused.content.decode()
    # Reading the form is never limited, and another address still may post.
    assert client.get(url).status_code == 200
    assert Client(REMOTE_ADDR="203.0.113.9").post(url, {"description": ""}).status_code != 429


def test_following_a_case_is_limited_per_address(world: World) -> None:
    client = Client()
    url = reverse("portal:follow", kwargs={"city": "independence", "number": world.cases[0].number})
    statuses = [client.post(url, {"email": f"f{n}@example.org"}).status_code for n in range(3)]
    assert statuses[:2] != [429, 429] and statuses[2] == 429


def test_open311_posts_are_limited_per_key_with_an_open311_error(world: World) -> None:
    url = reverse("open311:requests", kwargs={"fmt": "json"})
    data = {
        "api_key": world.api_key,
        "jurisdiction_id": world.cities["independence"].jurisdiction_id,
        "service_code": world.service_type.code,
        "lat": 39.0911,
        "long": -94.4155,
        "description": "Couch",
    }
    assert [Client(REMOTE_ADDR=f"198.51.100.{n}").post(url, data).status_code for n in range(2)] == [201, 201]
    refused = Client(REMOTE_ADDR="198.51.100.77").post(url, data)
    assert refused.status_code == 429
    assert refused.json()[0]["code"] == 429
    assert "Retry-After" in refused


def test_open311_posts_are_limited_per_address_whatever_the_key(world: World) -> None:
    url = reverse("open311:requests", kwargs={"fmt": "json"})
    client = Client(REMOTE_ADDR="192.0.2.5")
    statuses = [client.post(url, {"api_key": f"made-up-{n}"}).status_code for n in range(5)]
    assert 429 not in statuses[:4] and statuses[4] == 429


def test_an_open311_post_is_counted_under_both_its_rules_in_one_statement(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ratelimit, "PURGE_ONE_IN", 1)  # the purge of expired counters runs too, every time
    url = reverse("open311:requests", kwargs={"fmt": "json"})
    data = {"api_key": world.api_key, "jurisdiction_id": world.cities["independence"].jurisdiction_id}
    client = Client(REMOTE_ADDR="198.51.100.20")
    with CaptureQueriesContext(connection) as queries:
        client.post(url, data)
    # Counting, not the purge of expired counters a new window starts one time in PURGE_ONE_IN.
    counted = [q["sql"] for q in queries.captured_queries if "core_ratelimitcounter" in q["sql"]]
    counting = [sql for sql in counted if not sql.lstrip().startswith("DELETE")]
    assert len(counting) == 1 and counting[0].lstrip().startswith("INSERT"), counted
    client.post(url, data)
    # Each rule has its counter, and the one statement moved both.
    assert sorted(RateLimitCounter.objects.values_list("count", flat=True)) == [2, 2]
    assert {key.split(":")[0] for key in RateLimitCounter.objects.values_list("key", flat=True)} == {
        "open311-key",
        "open311-ip",
    }


def test_counting_under_several_rules_says_each_rules_wait() -> None:
    counted = [Hit("tight", "caller", limit=1, period=60), Hit("loose", "caller", limit=10, period=3600)]
    assert hits(counted) == [None, None]
    tight, loose = hits(counted)
    assert tight is not None and 1 <= tight <= 60
    assert loose is None


def sign_in(client: Client, username: str, password: str) -> Any:
    return client.post(reverse("console:login"), {"username": username, "password": password})


def test_a_username_is_locked_after_repeated_failures_even_with_the_right_password(world: World) -> None:
    user: User = world.staff[("independence", Role.WORKER)]
    client = Client()
    for _ in range(3):
        assert sign_in(client, user.username, "wrong-password").status_code == 200  # the form again
    locked = sign_in(client, user.username, "a-long-test-password")
    assert locked.status_code == 429
    text = locked.content.decode()
    assert "Too many unsuccessful sign-in attempts for this username" in text and "15 minutes" in text
    assert "even with the correct password" in text  # the person knows why the right password was refused
    assert "_auth_user_id" not in client.session
    # Another address is not locked out by someone else's guessing.
    assert sign_in(Client(REMOTE_ADDR="203.0.113.20"), user.username, "a-long-test-password").status_code == 302


def test_the_lockout_answers_alike_for_unknown_usernames(world: World) -> None:
    known: User = world.staff[("independence", Role.WORKER)]
    answers = []
    for username in (known.username, "nobody-by-this-name"):
        client = Client(REMOTE_ADDR=f"203.0.113.{len(answers) + 40}")
        for _ in range(3):
            sign_in(client, username, "wrong-password")
        answers.append(sign_in(client, username, "wrong-password"))
    assert [a.status_code for a in answers] == [429, 429]
    alerts = [re.search(r'<p role="alert">(.*?)</p>', a.content.decode(), re.S) for a in answers]
    assert alerts[0] and alerts[1] and alerts[0].group(1) == alerts[1].group(1)


def test_a_successful_sign_in_clears_earlier_failures(world: World) -> None:
    user: User = world.staff[("independence", Role.WORKER)]
    client = Client()
    for _ in range(2):
        sign_in(client, user.username, "wrong-password")
    assert sign_in(client, user.username, "a-long-test-password").status_code == 302
    client.logout()
    for _ in range(2):
        sign_in(client, user.username, "wrong-password")
    assert sign_in(client, user.username, "a-long-test-password").status_code == 302


def test_the_admin_sign_in_is_locked_too(world: World) -> None:
    admin: User = world.staff[("independence", Role.CITY_ADMIN)]
    client = Client()
    url = reverse("admin:login")
    for _ in range(3):
        client.post(url, {"username": admin.username, "password": "nope", "next": "/admin/"})
    assert client.post(url, {"username": admin.username, "password": "a-long-test-password"}).status_code == 429


def test_forty_colleagues_signing_in_from_one_address_are_all_let_in(
    world: World, make_staff: Any, settings: Any
) -> None:
    # A city hall behind one NAT address at the start of a shift; the address's failure limit
    # is 8 here, so successes counted against it would refuse the ninth colleague.
    colleagues = [make_staff(world.cities["independence"], Role.WORKER) for _ in range(40)]
    answers = [sign_in(Client(REMOTE_ADDR="198.51.100.80"), c.username, "a-long-test-password") for c in colleagues]
    assert [a.status_code for a in answers] == [302] * 40
    # The admin's sign-in form too.
    admin: User = world.staff[("independence", Role.CITY_ADMIN)]
    url = reverse("admin:login")
    for _ in range(10):
        answer = Client(REMOTE_ADDR="198.51.100.80").post(
            url, {"username": admin.username, "password": "a-long-test-password"}
        )
        assert answer.status_code == 302


def test_a_few_mistyped_passwords_among_colleagues_refuse_no_one(world: World, make_staff: Any) -> None:
    colleagues = [make_staff(world.cities["independence"], Role.WORKER) for _ in range(20)]
    statuses = []
    for n, colleague in enumerate(colleagues):
        client = Client(REMOTE_ADDR="198.51.100.81")
        if n % 4 == 0:  # five of them mistype once, under the address's limit of 8
            assert sign_in(client, colleague.username, "a-long-test-pasword").status_code == 200
        statuses.append(sign_in(client, colleague.username, "a-long-test-password").status_code)
    assert statuses == [302] * 20


def test_wrong_passwords_across_many_usernames_from_one_address_are_limited(world: World) -> None:
    # Password spraying: one guess per username, so no username reaches its own limit of 3.
    guesser = Client(REMOTE_ADDR="198.51.100.82")
    assert [sign_in(guesser, f"someone-{n}", "Summer2026!").status_code for n in range(8)] == [200] * 8
    refused = sign_in(guesser, "someone-else", "Summer2026!")
    assert refused.status_code == 429
    assert 800 < int(refused["Retry-After"]) <= 900
    text = refused.content.decode()
    assert "Too many unsuccessful sign-in attempts from your network" in text and "15 minutes" in text
    assert "even with the correct password" in text
    # Even a right password waits at that address: otherwise a guess that works would get through.
    worker: User = world.staff[("independence", Role.WORKER)]
    assert sign_in(Client(REMOTE_ADDR="198.51.100.82"), worker.username, "a-long-test-password").status_code == 429
    assert (
        Client(REMOTE_ADDR="198.51.100.82")
        .post(reverse("admin:login"), {"username": worker.username, "password": "a-long-test-password"})
        .status_code
        == 429
    )
    # Another address is not held back by this one's guessing.
    assert sign_in(Client(REMOTE_ADDR="198.51.100.83"), worker.username, "a-long-test-password").status_code == 302


def test_a_successful_sign_in_does_not_clear_the_address_s_failures(world: World) -> None:
    worker: User = world.staff[("independence", Role.WORKER)]
    for n in range(7):
        sign_in(Client(REMOTE_ADDR="198.51.100.84"), f"someone-{n}", "wrong-password")
    # A guesser's own account signing in does not wipe the count of the guesses before it.
    assert sign_in(Client(REMOTE_ADDR="198.51.100.84"), worker.username, "a-long-test-password").status_code == 302
    sign_in(Client(REMOTE_ADDR="198.51.100.84"), "someone-7", "wrong-password")
    assert sign_in(Client(REMOTE_ADDR="198.51.100.84"), worker.username, "a-long-test-password").status_code == 429


def test_open311_refusals_come_in_the_path_s_format(world: World) -> None:
    url = reverse("open311:requests", kwargs={"fmt": "xml"})
    client = Client(REMOTE_ADDR="192.0.2.6")
    answers = [client.post(url, {"api_key": f"made-up-{n}"}) for n in range(5)]
    refused = answers[4]
    assert refused.status_code == 429 and refused["Content-Type"].startswith("text/xml")
    assert b"<errors><error><code>429</code><description>You have sent too many requests" in refused.content


def _open311_report(world: World) -> dict[str, Any]:
    return {
        "jurisdiction_id": world.cities["independence"].jurisdiction_id,
        "service_code": world.service_type.code,
        "lat": 39.0911,
        "long": -94.4155,
        "email": "app.user@example.org",
    }


def _open311_errors(response: Any) -> list[tuple[int, str]]:
    if response["Content-Type"].startswith("text/xml"):
        root = SafeET.fromstring(response.content)
        assert root.tag == "errors"
        return [(int(e.findtext("code") or 0), e.findtext("description") or "") for e in root]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return [(e["code"], e["description"]) for e in json.loads(response.content)]


TOO_BIG = "The request is larger than the 5 MB this server accepts; send a shorter description."


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("encoding", ["multipart", "form"])
@pytest.mark.parametrize("key_in", ["body", "query"])
def test_a_body_over_the_upload_limit_gets_open311_s_error_wherever_the_key_is(
    world: World, settings: Any, fmt: str, encoding: str, key_in: str
) -> None:
    url = reverse("open311:requests", kwargs={"fmt": fmt})
    cases = ServiceRequest.objects.count()
    data = {**_open311_report(world), "description": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}
    if key_in == "body":
        data["api_key"] = world.api_key
    else:
        url += "?" + urlencode({"api_key": world.api_key})
    client = Client(REMOTE_ADDR="198.51.100.90")
    if encoding == "form":
        response = client.post(url, urlencode(data), content_type="application/x-www-form-urlencoded")
    else:
        response = client.post(url, data)
    assert response.status_code == 400
    assert _open311_errors(response) == [(400, TOO_BIG)]
    assert ServiceRequest.objects.count() == cases  # nothing filed


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("key_in", ["body", "query"])
def test_an_app_posting_over_the_upload_limit_reads_open311_s_error_over_http(
    live_server: Any, world: World, settings: Any, key_in: str
) -> None:
    # As an app posts (georeport cannot post; tests/api posts with requests too).
    cases = ServiceRequest.objects.count()
    data = {**_open311_report(world), "description": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}
    params = {}
    if key_in == "body":
        data["api_key"] = world.api_key
    else:
        params["api_key"] = world.api_key
    for fmt in ("json", "xml"):
        response = requests.post(f"{live_server.url}/open311/v2/requests.{fmt}", params=params, data=data, timeout=60)
        assert response.status_code == 400, response.text[:300]
        assert response.headers["Content-Type"].startswith("text/xml" if fmt == "xml" else "application/json")
        errors = (
            [(int(e.findtext("code") or 0), e.findtext("description")) for e in SafeET.fromstring(response.content)]
            if fmt == "xml"
            else [(e["code"], e["description"]) for e in response.json()]
        )
        assert errors == [(400, TOO_BIG)]
    assert ServiceRequest.objects.count() == cases  # nothing filed
