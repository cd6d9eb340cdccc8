"""Fixtures for the notification tests: a report filed in Independence through the one
intake service, staff of its department, and an SMTP address where nothing listens."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest

from civicdesk.accounts.models import Role, User
from civicdesk.catalog.models import ServiceType
from civicdesk.notifications.models import OutboxMessage
from civicdesk.tenants.models import City


@pytest.fixture
def supervisor(independence: City, trash: ServiceType, make_staff: Callable[..., User]) -> User:
    return make_staff(independence, Role.SUPERVISOR, department=trash.department, email="sue@independence.test")


@pytest.fixture
def worker(independence: City, trash: ServiceType, make_staff: Callable[..., User]) -> User:
    return make_staff(independence, Role.WORKER, department=trash.department, email="will@independence.test")


@pytest.fixture
def written() -> Callable[..., list[tuple[str, str]]]:
    """The (kind, recipient) of every outbox row written so far, optionally after a given row id."""

    def read(after: int = 0) -> list[tuple[str, str]]:
        return list(OutboxMessage.objects.filter(pk__gt=after).order_by("pk").values_list("kind", "recipient"))

    return read


@pytest.fixture
def last_id() -> Callable[[], int]:
    def read() -> int:
        return OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    return read


def _unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def closed_port() -> int:
    """A loopback port with nothing listening: connecting to it is refused at once."""
    return _unused_port()


@pytest.fixture
def free_port() -> int:
    """A loopback port to start a server on."""
    return _unused_port()
