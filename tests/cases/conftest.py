"""Fixtures for the case tests: staff of Independence and Raytown, and a quick way to file a
report in Independence through the one intake service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from civicdesk.accounts.models import Role, User
from civicdesk.catalog.models import ServiceType
from civicdesk.tenants.models import City


@pytest.fixture
def supervisor(independence: City, trash: ServiceType, make_staff: Callable[..., User]) -> User:
    return make_staff(
        independence, Role.SUPERVISOR, department=trash.department, first_name="Sue", last_name="Pervisor"
    )


@pytest.fixture
def worker(independence: City, trash: ServiceType, make_staff: Callable[..., User]) -> User:
    return make_staff(independence, Role.WORKER, department=trash.department, first_name="Will", last_name="Worker")


@pytest.fixture
def raytown_supervisor(raytown: City, make_staff: Callable[..., User]) -> User:
    return make_staff(raytown, Role.SUPERVISOR)


@pytest.fixture
def regional_admin(make_staff: Callable[..., User]) -> User:
    return make_staff(None, Role.REGIONAL_ADMIN)


@pytest.fixture(autouse=True)
def _own_media_root(settings: Any, tmp_path: Any) -> None:
    """Each test stores its photos in its own folder: case numbers restart in every test."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
