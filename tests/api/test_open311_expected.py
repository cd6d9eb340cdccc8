"""Open311's ``expected_datetime`` is the city's median expected closing, read by the real
PyPI client ``georeport`` (0.3.1) in JSON and XML; the type's target where there is too
little history to estimate; nothing for a closed request."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from georeport import GeoReport

from civicdesk.cases import services as case_services
from civicdesk.catalog.models import ServiceType
from civicdesk.expected import selectors
from civicdesk.tenants.models import City
from tests.conftest import INSIDE
from tests.expected.helpers import trained_city

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture(autouse=True)
def _no_cached_models() -> Iterator[None]:
    selectors.forget_models()  # the live server's thread shares this process's loaded models
    yield
    selectors.forget_models()


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_expected_datetime_is_the_median_date_or_the_target_without_history(
    live_server: Any, independence: City, make_service_type: Callable[..., ServiceType], fmt: str
) -> None:
    now = timezone.now()
    types = trained_city(independence, make_service_type, now=now)
    graffiti = make_service_type(independence, "graffiti", name="Graffiti", target_days=7)
    lat, lng = INSIDE["independence"]
    estimated = case_services.case_create(service_type=types["tree"], lat=lat, lng=lng, description="Oak on the road")
    new_type = case_services.case_create(service_type=graffiti, lat=lat, lng=lng, description="Tags on the wall")
    median = selectors.expected_for(estimated).median_at
    assert median is not None and estimated.due_at is not None
    assert abs(median - estimated.due_at) > dt.timedelta(days=1)  # the estimate, not the target

    client = GeoReport(f"{live_server.url}/open311/v2", jurisdiction=independence.jurisdiction_id, output_format=fmt)
    found = {r["service_request_id"]: r for r in as_list(client.get_service_requests(status="open"))}
    one = client.get_service_request(estimated.reference)
    for answer in (found[estimated.reference], one):
        moment = parse_datetime(answer["expected_datetime"])
        assert moment is not None and moment.utcoffset() == median.astimezone(independence.tz).utcoffset()
        assert abs(moment - median) < dt.timedelta(minutes=2)
    target = parse_datetime(found[new_type.reference]["expected_datetime"])
    assert target == new_type.due_at.replace(microsecond=0)  # seconds, in the city's offset

    closed = [r for r in as_list(client.get_service_requests(status="closed")) if r["expected_datetime"]]
    assert closed == []
