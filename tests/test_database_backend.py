"""The suite runs on the database it was asked for: SQLite by default, PostgreSQL with --postgres."""

import os

import pytest
from django.db import connection

from civicdesk.tenants.models import City


@pytest.mark.django_db
def test_the_suite_runs_on_the_database_it_was_asked_for(request: pytest.FixtureRequest) -> None:
    expected = "postgresql" if request.config.getoption("--postgres") else "sqlite"
    assert connection.vendor == expected
    if expected == "postgresql":
        # A throwaway test database on the cluster the plugin started, never a real one.
        assert os.environ["DATABASE_URL"].startswith("postgres://postgres@127.0.0.1:")
        assert connection.settings_dict["NAME"].startswith("test_")
        with connection.cursor() as cursor:
            cursor.execute("SHOW fsync")
            assert cursor.fetchone() == ("off",)


def test_the_member_cities_load_into_whichever_database_runs(cities: dict[str, City]) -> None:
    assert City.objects.count() == 5
    assert set(cities) == {c.slug for c in City.objects.all()}
