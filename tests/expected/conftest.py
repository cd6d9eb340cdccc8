"""A city's history built in bulk, the way an import of past cases would leave it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import numpy as np
import pytest

from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.expected import selectors
from civicdesk.tenants.models import City
from tests.expected.helpers import insert_cases

NOW = dt.datetime(2026, 6, 1, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _no_cached_models() -> Iterator[None]:
    selectors.forget_models()
    yield
    selectors.forget_models()


@pytest.fixture
def add_cases() -> Callable[..., list[ServiceRequest]]:
    """Insert cases of ``service_type`` opened at ``opened`` (datetimes) and closed after
    ``days`` (None: still open); the number follows the city's highest."""
    return insert_cases


@pytest.fixture
def history(
    independence: City, make_service_type: Callable[..., ServiceType], add_cases: Callable[..., list[ServiceRequest]]
) -> dict[str, ServiceType]:
    """Two years of Independence: potholes close in about 2 days, tree work in about 20; the
    last month's slow cases are still open (censored)."""
    rng = np.random.default_rng(11)
    pothole = make_service_type(independence, "pothole", name="Pothole", target_days=3)
    tree = make_service_type(independence, "tree", name="Tree down", target_days=30)
    for service_type, median, n in ((pothole, 2.0, 300), (tree, 20.0, 200)):
        offsets = np.sort(rng.uniform(1, 730, n))
        opened = [NOW - dt.timedelta(days=float(o)) for o in offsets]
        days: list[float | None] = []
        for at in opened:
            d = float(median * np.exp(rng.normal(0, 0.5)))
            days.append(d if at + dt.timedelta(days=d) < NOW else None)
        add_cases(service_type, opened, days)
    return {"pothole": pothole, "tree": tree}
