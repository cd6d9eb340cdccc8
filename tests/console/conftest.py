"""Fixtures for the console tests: Independence staff of each role, a second department
with its own type, and reports filed through the one intake service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from civicdesk.accounts.models import Role, User
from civicdesk.catalog.models import ServiceType
from civicdesk.tenants.models import City, Department


@pytest.fixture(autouse=True)
def _own_media_root(settings: Any, tmp_path: Any) -> None:
    """Each test stores its photos in its own folder: case numbers restart in every test."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def streets(independence: City, make_department: Callable[..., Department]) -> Department:
    return make_department(independence, "Public Works - Streets", email="streets@independence.test")


@pytest.fixture
def pothole(independence: City, streets: Department, make_service_type: Callable[..., ServiceType]) -> ServiceType:
    return make_service_type(
        independence, "pothole", name="Pothole", group="Streets", department=streets, target_days=10
    )


@pytest.fixture
def staff(independence: City, trash: ServiceType, make_staff: Callable[..., User]) -> dict[str, User]:
    """One Independence account per city role, all in the trash type's department."""
    names = {
        Role.CALL_TAKER: ("Cal", "Taker"),
        Role.WORKER: ("Will", "Worker"),
        Role.SUPERVISOR: ("Sue", "Pervisor"),
        Role.CITY_ADMIN: ("Ada", "Admin"),
    }
    return {
        role: make_staff(independence, role, department=trash.department, first_name=first, last_name=last)
        for role, (first, last) in names.items()
    }


@pytest.fixture
def supervisor(staff: dict[str, User]) -> User:
    return staff[Role.SUPERVISOR]


@pytest.fixture
def worker(staff: dict[str, User]) -> User:
    return staff[Role.WORKER]


@pytest.fixture
def call_taker(staff: dict[str, User]) -> User:
    return staff[Role.CALL_TAKER]


@pytest.fixture
def signed_in(client: Client) -> Callable[[User], Client]:
    def sign_in(user: User) -> Client:
        client.force_login(user)
        return client

    return sign_in
