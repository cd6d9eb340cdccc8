"""A GET requests answer is read lean (selectors.public_requests: the columns it shows, the
city, types and departments once each, the first public photo and the application's media link
with the row) and written out by hand (``ServiceRequestSerializer.to_representation``): the
same values, in the same order, as the declared fields give, for every kind of case."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import RequestFactory
from rest_framework import serializers

from civicdesk.cases.models import ServiceRequest
from civicdesk.cases.services import case_close
from civicdesk.core import clock
from civicdesk.expected.selectors import expected_for_cases
from civicdesk.open311 import selectors
from civicdesk.open311.models import Open311Submission
from civicdesk.open311.serializers import ExtendedServiceRequestSerializer, ServiceRequestSerializer
from civicdesk.tenants.models import City
from tests.api.test_open311_extensions import worked_case, worker  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def every_kind(
    independence: City,
    file_report: Callable[..., ServiceRequest],
    worked_case: ServiceRequest,  # noqa: F811  closed, a public and a staff-only photo, notes
    worker: Any,  # noqa: F811
) -> list[ServiceRequest]:
    from_app = file_report(description="From an app")
    Open311Submission.objects.create(case=from_app, media_url="https://photos.example.org/1.jpg")
    no_place = file_report(description="No pin", lat=None, lng=None, address="100 W Maple Ave")
    plain = file_report()
    closed = case_close(case=file_report(description="Done soon"), actor=worker, note="Picked up.")
    return [worked_case, from_app, no_place, plain, closed]


@pytest.mark.parametrize("extensions", [False, True])
def test_the_written_out_answer_is_what_the_declared_fields_give(
    independence: City, every_kind: list[ServiceRequest], extensions: bool
) -> None:
    now = clock.now()
    cases = list(selectors.search_requests(city=independence, now=now, extensions=extensions))
    assert {c.pk for c in every_kind} <= {c.pk for c in cases}
    request = RequestFactory().get("/open311/v2/requests.json")
    context = {"request": request, "expected": expected_for_cases(cases, now=now)}
    serializer_class = ExtendedServiceRequestSerializer if extensions else ServiceRequestSerializer
    serializer = serializer_class(context=context)
    for case in cases:
        written = serializer.to_representation(case)
        declared = serializers.Serializer.to_representation(serializer, case)
        assert list(written) == list(declared)
        assert written == dict(declared)


def test_a_list_shows_the_first_public_photo_or_else_the_apps_media_link(
    independence: City, every_kind: list[ServiceRequest]
) -> None:
    photographed, from_app, _no_place, plain, _closed = every_kind
    request = RequestFactory().get("/open311/v2/requests.json")
    cases = {c.pk: c for c in selectors.search_requests(city=independence, now=clock.now())}
    answer = ServiceRequestSerializer(context={"request": request, "expected": {}})
    public_photo = photographed.photos.get(is_public=True)
    media = {pk: answer.get_media_url(case) for pk, case in cases.items()}
    assert media[photographed.pk] == "http://testserver" + public_photo.image.url
    assert media[from_app.pk] == "https://photos.example.org/1.jpg"
    assert media[plain.pk] == ""
