"""Indexes of the closed cases by city, then what the operational report groups them by (its
type, department, district, or nothing for the whole report), then whole days to close, then
closing time (PostgreSQL only): a median or 90th percentile's rank in one whole day of one row
of the report is then one short index-only scan of just that row's cases of that day in the
period, sorted only as far as the rank (``operational._at_ranks``).

They replace the quick- and later-closings indexes (0003, 0004), keyed by city and closing
time (and whole days) alone, from which each row's cases had to be picked out of every case
of the period's wanted days, and the cases of two days or less out of all of them. About
4.5 MB each at 100,000 cases (one entry per closed case). SQLite has its own (0006)."""

from typing import Any

from django.db import migrations

# The whole days to close, as operational.WHOLE_DAYS_SQL writes them.
WHOLE_DAYS = "(GREATEST(date_part('day', closed_at - opened_at), 0))"
# (name, key, included): a type, department or district belongs to one city, so those lead with
# it and keep the city beside (for the cases of no department or district, and a time zone's
# cities).
INDEXES = (
    ("cases_closings_by_city", f"city_id, {WHOLE_DAYS}, closed_at", "opened_at"),
    ("cases_closings_by_type", f"service_type_id, {WHOLE_DAYS}, closed_at", "opened_at, city_id"),
    ("cases_closings_by_department", f"department_id, {WHOLE_DAYS}, closed_at", "opened_at, city_id"),
    ("cases_closings_by_district", f"district_id, {WHOLE_DAYS}, closed_at", "opened_at, city_id"),
)
QUICK = (
    "CREATE INDEX cases_quick_closings ON cases_servicerequest (city_id, closed_at)"
    " INCLUDE (opened_at, service_type_id, department_id, district_id)"
    " WHERE closed_at - opened_at < interval '2 days'"
)
LATER = (
    "CREATE INDEX cases_later_closings ON cases_servicerequest"
    " (city_id, (date_part('day', closed_at - opened_at)), closed_at)"
    " INCLUDE (opened_at, service_type_id, department_id, district_id)"
    " WHERE closed_at - opened_at >= interval '2 days'"
)


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for name, key, included in INDEXES:
            schema_editor.execute(
                f"CREATE INDEX {name} ON cases_servicerequest ({key}) INCLUDE ({included}) WHERE closed_at IS NOT NULL"
            )
        schema_editor.execute("DROP INDEX IF EXISTS cases_quick_closings")
        schema_editor.execute("DROP INDEX IF EXISTS cases_later_closings")


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(QUICK)
        schema_editor.execute(LATER)
        for name, _key, _included in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("reports", "0004_later_closings_index")]

    operations = [migrations.RunPython(create, drop)]
