"""The Kansas City history, imported once per test module (80,203 real cases take tens of
seconds): each test then runs in its own transaction on top of it, and the module removes
it all at the end."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from civicdesk.cases.models import CaseEvent, ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.history.pipeline import ImportReport, cases_import
from civicdesk.history.readers import read_files
from civicdesk.tenants import geo
from civicdesk.tenants.models import City, Department, District, Region
from tests.history.kansas_city import KC_FILES, make_kansas_city


def remove_city(city: City) -> None:
    """Delete a test city and everything imported into it. Events are append-only for the
    application (their queryset refuses ``delete()``), so the test removes them in SQL."""
    cases = ServiceRequest._meta.db_table
    events = CaseEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {events} WHERE case_id IN (SELECT id FROM {cases} WHERE city_id = %s)", [city.pk])  # noqa: S608
        cursor.execute(f"DELETE FROM {cases} WHERE city_id = %s", [city.pk])  # noqa: S608
    ServiceType.objects.filter(city=city).delete()
    Department.objects.filter(city=city).delete()
    District.objects.filter(city=city).delete()
    region = city.region
    city.delete()
    if not region.cities.exists():
        Region.objects.filter(pk=region.pk).delete()


@pytest.fixture(scope="module")
def kc_import(django_db_setup: Any, django_db_blocker: Any) -> Iterator[tuple[City, ImportReport]]:
    """Kansas City with all 16 export files imported: (the city, the import's report)."""
    with django_db_blocker.unblock():
        geo.clear_cache()
        city = make_kansas_city()
        try:
            report = cases_import(city=city, rows=read_files("kcmo", KC_FILES, tz=city.tz))
            yield city, report
        finally:
            remove_city(city)
            geo.clear_cache()
