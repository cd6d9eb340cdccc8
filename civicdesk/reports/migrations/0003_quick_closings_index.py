"""An index of the cases closed within two days of being opened, by city and closing time,
with what the operational report groups them by (PostgreSQL only): a median or 90th
percentile under a day is worked out from those cases' own times to close
(``operational._quick_closings``), an index-only scan of a tenth or so of the period's closed
cases instead of a visit to every one. SQLite needs none at its sizes."""

from typing import Any

from django.db import migrations

INDEX = "cases_quick_closings"


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX {INDEX} ON cases_servicerequest (city_id, closed_at)"
            " INCLUDE (opened_at, service_type_id, department_id, district_id)"
            " WHERE closed_at - opened_at < interval '2 days'"
        )


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_case_tally_covering_index"), ("cases", "0013_fewer_case_indexes")]

    operations = [migrations.RunPython(create, drop)]
