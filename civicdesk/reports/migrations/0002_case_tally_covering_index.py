"""A covering index of the tallies for PostgreSQL: the reports' sums are then read from the
index alone (an index-only scan), about twice as fast on a year of a million cases
(docs/performance.md). SQLite has no INCLUDE and needs none at its sizes."""

from typing import Any

from django.db import migrations

INDEX = "case_tally_covering"


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX {INDEX} ON reports_casetally (city_id, dimension, grain, start)"
            " INCLUDE (key, days, opened, closed, closed_on_time, closed_with_target)"
        )


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_case_tally")]

    operations = [migrations.RunPython(create, drop)]
