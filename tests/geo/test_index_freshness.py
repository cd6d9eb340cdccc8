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
