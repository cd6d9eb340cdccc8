"""One poller for every city's mailbox (INTAKE_IMAP_URL_<SLUG>), against real mailboxes on
Debian's Dovecot: a city whose mailbox refuses our password is logged and retried on its
own back-off, and the other city's mail still becomes cases; nothing is lost or read twice."""

from __future__ import annotations

import dataclasses
import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.intake.imap import LoginRefused, MailboxRounds, city_setting_name, configured_mailboxes
from civicdesk.intake.management.commands import poll_mailbox
from civicdesk.intake.models import InboundMessage
from civicdesk.tenants.models import City, Region
from tests.intake.mail import plain, raw
from tests.intake.servers import Dovecot

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not (shutil.which("dovecot") or Path("/usr/sbin/dovecot").exists()),
        reason="Debian's dovecot-imapd is not installed (scripts/bootstrap.sh installs it)",
    ),
]

RAYTOWN_USER, RAYTOWN_PASSWORD = "raytown-311", "raytown-password"


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    """One mail server with two mailboxes: ``intake`` (Independence's) and Raytown's."""
    server = Dovecot(users={RAYTOWN_USER: RAYTOWN_PASSWORD})
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def potholes(
    independence: City, raytown: City, make_service_type: Callable[..., ServiceType]
) -> dict[str, ServiceType]:
    return {
        "independence": make_service_type(independence, "pothole", name="Pothole"),
        "raytown": make_service_type(raytown, "pothole", name="Pothole"),
    }


def city_mailboxes(settings: Any, dovecot: Dovecot, *, raytown_password: str) -> None:
    """Each city's mailbox in the environment's form: INTAKE_IMAP_URL_INDEPENDENCE=…"""
    settings.INTAKE_IMAP_URL = ""
    settings.INTAKE_IMAP_CITY_URLS = {
        "INDEPENDENCE": dovecot.url,
        "RAYTOWN": dovecot.url_for(RAYTOWN_USER, raytown_password),
    }


def deliver_one_to_each(dovecot: Dovecot, n: int = 1) -> None:
    dovecot.deliver(raw(plain(f"Deep pothole number {n} in front of 1234 S Noland Rd", subject="Pothole")))
    # Sent to an alias: the mailbox's city is the one it belongs to.
    dovecot.deliver(
        raw(plain(f"Pothole number {n} in front of 9500 E 63rd St", subject="Pothole", to="streets@alias.example")),
        user=RAYTOWN_USER,
    )


def unread(flags: list[set[str]]) -> list[bool]:
    return [r"\Seen" not in f for f in flags]


def cases_by_city() -> dict[str, int]:
    counts: dict[str, int] = {}
    for slug in ServiceRequest.objects.values_list("city__slug", flat=True):
        counts[slug] = counts.get(slug, 0) + 1
    return counts


def test_each_city_has_its_own_setting_named_after_its_slug() -> None:
    assert city_setting_name("lees-summit") == "INTAKE_IMAP_URL_LEES_SUMMIT"


def test_one_poll_reads_every_citys_mailbox_and_a_wrong_password_stops_only_that_city(
    dovecot: Dovecot, potholes: dict[str, ServiceType], settings: Any, capsys: Any
) -> None:
    city_mailboxes(settings, dovecot, raytown_password="wrong-password")
    deliver_one_to_each(dovecot)

    with pytest.raises(CommandError, match=r"1 of 2 mailbox\(es\) could not be read: raytown"):
        call_command("poll_mailbox", "--once")

    output = capsys.readouterr()
    assert "independence: 1 message(s): 1 created" in output.out
    assert f"raytown: cannot read imap://{RAYTOWN_USER}@127.0.0.1:{dovecot.port}/INBOX: " in output.err
    assert "the server refused the user name and password: [AUTHENTICATIONFAILED]" in output.err
    assert "wrong-password" not in output.out + output.err
    assert cases_by_city() == {"independence": 1}
    assert dovecot.flags() == [{r"\Seen"}]
    assert unread(dovecot.flags(user=RAYTOWN_USER)) == [True]  # still waiting: not lost

    # The administrator fixes Raytown's password; the next pass reads its mail, and reads
    # Independence's message no second time.
    city_mailboxes(settings, dovecot, raytown_password=RAYTOWN_PASSWORD)
    call_command("poll_mailbox", "--once")

    output = capsys.readouterr()
    assert "independence: 0 message(s)" in output.out
    assert "raytown: 1 message(s): 1 created" in output.out
    assert cases_by_city() == {"independence": 1, "raytown": 1}
    assert dovecot.flags(user=RAYTOWN_USER) == [{r"\Seen"}]
    assert InboundMessage.objects.count() == 2


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_mailbox_that_refuses_the_login_is_tried_later_and_later_while_the_other_is_read_on_time(
    dovecot: Dovecot, potholes: dict[str, ServiceType], settings: Any, caplog: Any
) -> None:
    city_mailboxes(settings, dovecot, raytown_password="wrong-password")
    mailboxes, problems = configured_mailboxes()
    assert ([m.name for m in mailboxes], problems) == (["independence", "raytown"], [])
    clock = FakeClock()
    rounds = MailboxRounds(mailboxes, interval=60, backoff_max=300, clock=clock, timeout=10)
    polled_at: dict[str, list[float]] = {"independence": [], "raytown": []}

    with caplog.at_level(logging.INFO, logger="civicdesk.intake.imap"):
        for n in range(13):  # twelve minutes, a look every minute
            deliver_one_to_each(dovecot, n)
            for box, outcome in rounds.poll_due():
                name = box.name
                polled_at[name].append(clock.now - 1000)
                if name == "raytown":
                    assert isinstance(outcome, LoginRefused)
            clock.now += 60

    assert polled_at["independence"] == [60.0 * n for n in range(13)]
    # Raytown: at once, then after 1, 2, 4 minutes, then every 5 (the cap).
    assert polled_at["raytown"] == [0.0, 60.0, 180.0, 420.0, 720.0]
    assert cases_by_city() == {"independence": 13}
    refused = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(refused) == 5
    assert all(r.city == "raytown" and r.getMessage().startswith("raytown: cannot read") for r in refused)
    assert "next try in 300 s" in refused[-1].getMessage()

    # Fixed: its waiting mail comes in, once, and it is back to every minute.
    rounds.turns[1].poller.mailbox = dataclasses.replace(mailboxes[1].mailbox, password=RAYTOWN_PASSWORD)
    clock.now += 300
    with caplog.at_level(logging.INFO, logger="civicdesk.intake.imap"):
        rounds.poll_due()
    assert cases_by_city() == {"independence": 13, "raytown": 13}
    assert "raytown: imap://raytown-311@" in caplog.text and "can be read again, after 5 failures" in caplog.text
    assert rounds.turns[1].due == clock.now + 60
    assert all(flags == {r"\Seen"} for flags in dovecot.flags(user=RAYTOWN_USER))


def test_the_running_poller_keeps_bringing_in_one_citys_mail_while_the_other_city_fails(
    dovecot: Dovecot, potholes: dict[str, ServiceType], settings: Any
) -> None:
    city_mailboxes(settings, dovecot, raytown_password="wrong-password")
    mailboxes, _problems = configured_mailboxes()
    rounds = MailboxRounds(mailboxes, interval=0.2, backoff_max=0.5, timeout=10)
    stop = threading.Event()

    def run() -> None:
        try:
            rounds.run(stop=stop)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        for n in range(3):
            deliver_one_to_each(dovecot, n)
            deadline = time.monotonic() + 15
            while cases_by_city().get("independence", 0) < n + 1 and time.monotonic() < deadline:
                time.sleep(0.1)
    finally:
        stop.set()
        thread.join(timeout=15)
    assert not thread.is_alive()
    assert cases_by_city() == {"independence": 3}
    assert rounds.turns[1].failures >= 2
    assert unread(dovecot.flags(user=RAYTOWN_USER)) == [True, True, True]


def test_a_setting_that_names_no_city_is_told_and_the_other_cities_are_still_read(
    dovecot: Dovecot, potholes: dict[str, ServiceType], settings: Any, capsys: Any
) -> None:
    settings.INTAKE_IMAP_URL = ""
    settings.INTAKE_IMAP_CITY_URLS = {"INDEPENDENCE": dovecot.url, "INDEPENDANCE": dovecot.url}
    deliver_one_to_each(dovecot)

    call_command("poll_mailbox", "--once")

    output = capsys.readouterr()
    assert "INTAKE_IMAP_URL_INDEPENDANCE names no city; the cities' settings are " in output.err
    assert "INTAKE_IMAP_URL_INDEPENDENCE" in output.err and "INTAKE_IMAP_URL_LEES_SUMMIT" in output.err
    assert "independence: 1 message(s): 1 created" in output.out
    assert cases_by_city() == {"independence": 1}


def test_one_city_alone_reads_its_own_setting_for_a_unit_of_its_own(
    dovecot: Dovecot, potholes: dict[str, ServiceType], settings: Any, capsys: Any
) -> None:
    city_mailboxes(settings, dovecot, raytown_password=RAYTOWN_PASSWORD)
    deliver_one_to_each(dovecot)

    call_command("poll_mailbox", "--once", "--city", "raytown")

    assert (
        capsys.readouterr().out.strip()
        == "raytown: 1 message(s): 1 created, 0 already done, 0 failed (will retry), 0 given up"
    )
    assert cases_by_city() == {"raytown": 1}
    with pytest.raises(CommandError, match="INTAKE_IMAP_URL_LEES_SUMMIT is not set: Lee's Summit has no mailbox"):
        call_command("poll_mailbox", "--once", "--city", "lees-summit")


def test_no_mailbox_configured_says_how_to_configure_one(settings: Any, cities: Any) -> None:
    settings.INTAKE_IMAP_URL = ""
    settings.INTAKE_IMAP_CITY_URLS = {}
    with pytest.raises(CommandError, match=r"No intake mailbox is configured\. Set INTAKE_IMAP_URL_<SLUG>"):
        call_command("poll_mailbox", "--once")


def test_a_setting_for_a_city_not_created_yet_keeps_the_poller_waiting_and_its_mail_comes_in_once_it_exists(
    dovecot: Dovecot, cities: dict[str, City], settings: Any, caplog: Any
) -> None:
    # The operator added the line before creating the city (docs/onboarding.md, step 2): the
    # only mailbox configured. Under make serve-prod a poller that exited would stop the site.
    settings.INTAKE_IMAP_URL = ""
    settings.INTAKE_IMAP_CITY_URLS = {"GRAIN_VALLEY": dovecot.url}
    dovecot.deliver(
        raw(plain("Deep pothole in front of 101 N Main St", subject="Pothole", to="311@grainvalley.example"))
    )
    command = poll_mailbox.Command()
    ended: list[BaseException | None] = []

    def run() -> None:
        try:
            call_command(command, "--interval", "0.2")
            ended.append(None)
        except BaseException as exc:
            ended.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    with caplog.at_level(logging.INFO, logger="civicdesk.intake.imap"):
        thread.start()
        try:
            time.sleep(1.5)  # several intervals: a poller that gives up has given up by now
            assert thread.is_alive(), ended
            assert not ServiceRequest.objects.exists()

            City.objects.create(
                region=Region.objects.get(),
                name="Grain Valley",
                slug="grain-valley",
                jurisdiction_id="grainvalley.example",
                case_prefix="GVY",
                email="311@grainvalley.example",
                boundary={
                    "type": "Polygon",
                    "coordinates": [
                        [[-94.23, 38.99], [-94.17, 38.99], [-94.17, 39.03], [-94.23, 39.03], [-94.23, 38.99]]
                    ],
                },
            )
            deadline = time.monotonic() + 15
            while not ServiceRequest.objects.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            command.stop.set()
            thread.join(timeout=15)

    assert not thread.is_alive() and ended == [None]
    assert cases_by_city() == {"grain-valley": 1}
    assert dovecot.flags() == [{r"\Seen"}]
    said = [r.getMessage() for r in caplog.records]
    told = [m for m in said if "INTAKE_IMAP_URL_GRAIN_VALLEY names no city" in m]
    assert told == [
        "poll_mailbox: INTAKE_IMAP_URL_GRAIN_VALLEY names no city; the cities' settings are "
        "INTAKE_IMAP_URL_BLUE_SPRINGS, INTAKE_IMAP_URL_GRANDVIEW, INTAKE_IMAP_URL_INDEPENDENCE, "
        "INTAKE_IMAP_URL_LEES_SUMMIT, INTAKE_IMAP_URL_RAYTOWN. Its mail is read once a city with the slug "
        "grain-valley exists."
    ]  # once, not at every interval
    assert any(
        m.startswith(
            "poll_mailbox: no mailbox can be read yet. The poller keeps running and checks the settings "
            "against the cities every 0.2 s"
        )
        for m in said
    )
    assert f"grain-valley: imap://intake@127.0.0.1:{dovecot.port}/INBOX is read from now on" in said


def test_once_with_only_a_setting_that_names_no_city_fails_and_says_why(
    settings: Any, cities: dict[str, City], capsys: Any
) -> None:
    settings.INTAKE_IMAP_URL = ""
    settings.INTAKE_IMAP_CITY_URLS = {"GRAIN_VALLEY": "imaps://311%40grainvalley.example:secret@imap.example.com/INBOX"}
    with pytest.raises(
        CommandError, match=r"No intake mailbox can be read: INTAKE_IMAP_URL_GRAIN_VALLEY names no city"
    ):
        call_command("poll_mailbox", "--once")
    assert "secret" not in capsys.readouterr().err
