"""The closings indexes of 0005 on SQLite: the closed cases by city, type, department or
district, then whole days to close, then closing time, with the opening time (and the city)
after them, since SQLite has no ``INCLUDE``. A median or 90th percentile's rank in one whole
day of one row of the operational report is then read from just that row's cases of that day
in the period, sorted only as far as the rank (``operational._at_ranks_sqlite``), instead of
every case of the period's wanted whole days numbered.

The whole days are worked out from the times' text with SQLite's own functions (an index may
hold no function of Django's connection), exactly, to the microsecond
(``operational.SQLITE_WHOLE_DAYS``, which must stay the very same expression for SQLite to use
the index). PostgreSQL has its own (0005)."""

from typing import Any

from django.db import migrations

# As operational.SQLITE_TOOK and SQLITE_WHOLE_DAYS write them ("%%": one "%" for Django).
TOOK = (
    "((CAST(strftime('%%s', substr(closed_at, 1, 19)) AS INTEGER)"
    " - CAST(strftime('%%s', substr(opened_at, 1, 19)) AS INTEGER)) * 1000000"
    " + CAST(substr(closed_at, 21) AS INTEGER) - CAST(substr(opened_at, 21) AS INTEGER))"
)
WHOLE_DAYS = f"max({TOOK} / 86400000000, 0)"
# (name, key): a type, department or district belongs to one city, so those lead with it and keep
# the city (for the cases of no department or district, and a time zone's cities).
INDEXES = (
    ("cases_closings_by_city", f"city_id, {WHOLE_DAYS}, closed_at, opened_at"),
    ("cases_closings_by_type", f"service_type_id, {WHOLE_DAYS}, closed_at, opened_at, city_id"),
    ("cases_closings_by_department", f"department_id, {WHOLE_DAYS}, closed_at, opened_at, city_id"),
    ("cases_closings_by_district", f"district_id, {WHOLE_DAYS}, closed_at, opened_at, city_id"),
)


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "sqlite":
        for name, key in INDEXES:
            schema_editor.execute(f"CREATE INDEX {name} ON cases_servicerequest ({key}) WHERE closed_at IS NOT NULL")


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "sqlite":
        for name, _key in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("reports", "0005_closings_indexes")]

    operations = [migrations.RunPython(create, drop)]
