"""Rate limits on public submissions and sign-in, and the sign-in lockout.

The limits are off in the rest of the suite (config/settings_test.py); here they are on, with
small numbers, against the real middleware and the database cache every worker shares.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from civicdesk.accounts.models import Role, User
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
        "sign-in": {"views": ["console:login", "admin:login"], "key": "ip", "rate": "50/h"},
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
    assert "Too many unsuccessful sign-in attempts" in text and "15 minutes" in text
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
