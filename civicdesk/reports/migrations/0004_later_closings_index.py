"""An index of the cases closed two days or more after being opened, by city, whole days to
close and closing time, with what the operational report groups them by (PostgreSQL only):
beside the quick-closings index (0003), which holds the cases closed sooner, it lets a median
or 90th percentile of any length be worked out from the one or two cases at its ranks
(``operational._exact_closings``) by an index-only scan of the period's cases of the whole
days it needs (``operational.LATER_DAYS_SQL``), instead of a scan of every case of the city.
Each closed case is in one of the two. SQLite needs none at its sizes."""

from typing import Any

from django.db import migrations

INDEX = "cases_later_closings"


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX {INDEX} ON cases_servicerequest"
            " (city_id, (date_part('day', closed_at - opened_at)), closed_at)"
            " INCLUDE (opened_at, service_type_id, department_id, district_id)"
            " WHERE closed_at - opened_at >= interval '2 days'"
        )


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("reports", "0003_quick_closings_index")]

    operations = [migrations.RunPython(create, drop)]
