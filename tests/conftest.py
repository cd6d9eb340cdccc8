"""Fixtures shared by every suite: the five real member cities, a small catalogue, and
staff of each role. Tests that touch the database run on SQLite and on PostgreSQL."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.utils import translation
from hypothesis import settings as hypothesis_settings

from civicdesk.accounts.models import Role, User
from civicdesk.catalog.models import ServiceType
from civicdesk.expected import selectors as expected_selectors
from civicdesk.open311 import selectors as open311_selectors
from civicdesk.tenants import geo, reference
from civicdesk.tenants.models import City, Department

REPO = Path(__file__).resolve().parents[1]
# The city limits the product ships (civicdesk/demo/data/README.md): what the demo loads.
CITY_LIMITS = REPO / "civicdesk" / "demo" / "data" / "cities"
# Large test corpora only (Kansas City's cases and council districts, Open311 answers): they
# stay beside the repository, read by tests and the benchmark, never by the product.
SHARED_DATA = REPO.parent / "shared" / "data"

# Points well inside each member city (checked against the real city limits in tests).
INSIDE = {
    "independence": (39.0855, -94.3520),
    "lees-summit": (38.9108, -94.3822),
    "blue-springs": (39.0169, -94.2816),
    "grandview": (38.8859, -94.5330),
    "raytown": (39.0086, -94.4636),
}


# Property tests draw the same examples on every run (`make test` must not pass or fail by
# luck); HYPOTHESIS_PROFILE=explore draws new ones, to hunt for bugs on purpose.
hypothesis_settings.register_profile("repeatable", derandomize=True, database=None, print_blob=True)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


@pytest.fixture(autouse=True)
def _fresh_geo_cache() -> None:
    geo.clear_cache()
    # A city's kept lists are by its id and version: the next test's city may have both.
    reference.clear()
    open311_selectors.forget_keys()
    # The expected-by models loaded by city id (kept for minutes): another test's city of the
    # same id would read this test's model, or a test its own model's first reading.
    expected_selectors.forget_models()


@pytest.fixture(autouse=True)
def _site_language_after_each_test() -> Iterator[None]:
    """A request in Spanish leaves Spanish active in the test's thread (LocaleMiddleware
    does not undo it): without this, the next test's services would answer in Spanish."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture
def cities(db: Any) -> dict[str, City]:
    from civicdesk.demo.places import load_member_cities

    return {c.slug: c for c in load_member_cities()}


@pytest.fixture
def independence(cities: dict[str, City]) -> City:
    return cities["independence"]


@pytest.fixture
def raytown(cities: dict[str, City]) -> City:
    return cities["raytown"]


_counter = itertools.count(1)


@pytest.fixture
def make_department() -> Callable[..., Department]:
    def make(city: City, name: str = "", **kw: Any) -> Department:
        n = next(_counter)
        name = name or f"Department {n}"
        kw.setdefault("email", f"dept{n}@{city.slug}.test")
        return Department.objects.create(city=city, name=name, code=f"dept-{n}", **kw)

    return make


@pytest.fixture
def make_service_type(make_department: Callable[..., Department]) -> Callable[..., ServiceType]:
    def make(city: City, code: str = "", **kw: Any) -> ServiceType:
        n = next(_counter)
        if "department" not in kw:
            kw["department"] = make_department(city)
        kw.setdefault("name", f"Problem {n}")
        kw.setdefault("target_days", 5)
        return ServiceType.objects.create(city=city, code=code or f"type-{n}", **kw)

    return make


@pytest.fixture
def make_staff() -> Callable[..., User]:
    def make(city: City | None, role: str = Role.WORKER, department: Department | None = None, **kw: Any) -> User:
        n = next(_counter)
        username = kw.pop("username", f"{role}-{n}")
        kw.setdefault("email", f"{username}@staff.test")
        return User.objects.create_user(
            username=username, password="a-long-test-password", city=city, role=role, department=department, **kw
        )

    return make


@pytest.fixture
def trash(
    independence: City, make_service_type: Callable[..., ServiceType], make_department: Callable[..., Department]
) -> ServiceType:
    dept = make_department(independence, "CD-NEIGHBORHOOD SERVICES", email="neighborhood@independence.test")
    return make_service_type(independence, "trash", name="Trash/Rubbish", department=dept, target_days=5)


@pytest.fixture
def report(trash: ServiceType) -> Callable[..., Any]:
    """File a resident's report of rubbish at a point in Independence (any field overridable)."""
    from civicdesk.cases import services

    def make(**kw: Any) -> Any:
        lat, lng = INSIDE["independence"]
        kw.setdefault("service_type", trash)
        kw.setdefault("lat", lat)
        kw.setdefault("lng", lng)
        kw.setdefault("description", "A sofa dumped on the curb")
        kw.setdefault("reporter_email", "resident@example.org")
        return services.case_create(**kw)

    return make


@pytest.fixture
def outbox() -> Callable[[], list[Any]]:
    """Deliver the outbox now and return the emails Django's test backend received."""
    from civicdesk.notifications.delivery import deliver_due_now

    def read() -> list[Any]:
        deliver_due_now()
        return list(mail.outbox)

    return read


@pytest.fixture
def smtp_inbox() -> Iterator[Callable[[], list[Any]]]:
    """A real SMTP server on loopback (aiosmtpd) that the outbox delivers to: calling the
    fixture sends every message due and returns those the server received since last asked,
    parsed as a mail program would (headers decoded, parts apart)."""
    from civicdesk.notifications.delivery import deliver_due_now
    from tests.notifications.test_delivery import smtp_at
    from tests.outbox_harness import smtp_servers

    with smtp_servers() as make:
        server = make()
        seen = 0

        def read() -> list[Any]:
            nonlocal seen
            with smtp_at(server.port):
                deliver_due_now()
            received = server.handler.snapshot()
            new, seen = received[seen:], len(received)
            return new

        yield read


def as_stored(text: str) -> str:
    """Text as a case keeps what was typed or sent: trimmed, each line break one "\\n" (a
    browser sends CR LF; cases.invariants.clean_text)."""
    return text.replace("\r\n", "\n").strip()
