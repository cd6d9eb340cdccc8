"""A process trusts its built index for GEO_FRESHNESS_SECONDS, then asks again."""

import pytest
from django.test import override_settings

from civicdesk.tenants import geo
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db


def test_within_the_window_a_lookup_asks_the_database_nothing(cities, django_assert_num_queries):
    with override_settings(GEO_FRESHNESS_SECONDS=60):
        geo.city_index()
        with django_assert_num_queries(0):
            geo.city_index()


def test_after_the_window_an_edited_boundary_is_seen(cities, monkeypatch):
    lat, lng = INSIDE["raytown"]
    raytown = cities["raytown"]
    with override_settings(GEO_FRESHNESS_SECONDS=60):
        assert geo.city_index().covering(geo.point(lat, lng)) == [raytown.pk]
        raytown.boundary = cities["grandview"].boundary
        raytown.save()
        # Still trusted inside the window...
        assert geo.city_index().covering(geo.point(lat, lng)) == [raytown.pk]
        # ...and re-checked once it has passed.
        clock = geo.time.monotonic() + 61
        monkeypatch.setattr(geo.time, "monotonic", lambda: clock)
        assert geo.city_index().covering(geo.point(lat, lng)) == []


def test_whether_a_gazetteer_is_loaded_is_asked_once_per_window(cities, monkeypatch, django_assert_num_queries):
    """Each report asks whether there are addresses to search; within the window the answer
    kept is used, after it a gazetteer loaded meanwhile is seen (and with 0, at once)."""
    from civicdesk.cases import placement
    from civicdesk.places.models import AddressPoint

    monkeypatch.setattr(placement, "_gazetteer_seen", None)
    with override_settings(GEO_FRESHNESS_SECONDS=60):
        with django_assert_num_queries(2):  # addresses, then streets
            assert placement.gazetteer_loaded() is False
        with django_assert_num_queries(0):
            assert placement.gazetteer_loaded() is False
        lat, lng = INSIDE["raytown"]
        AddressPoint.objects.create(
            city=cities["raytown"],
            number=100,
            street_name="Main",
            street_type="St",
            lat=lat,
            lng=lng,
            search_key="100 main st",
            street_key="main st",
            address_key="100 main st",
            source="city",
        )
        assert placement.gazetteer_loaded() is False  # still trusted inside the window...
        clock = placement.time.monotonic() + 61
        monkeypatch.setattr(placement.time, "monotonic", lambda: clock)
        assert placement.gazetteer_loaded() is True  # ...and asked again once it has passed
    with override_settings(GEO_FRESHNESS_SECONDS=0), django_assert_num_queries(1):
        assert placement.gazetteer_loaded() is True
