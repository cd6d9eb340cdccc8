"""On PostgreSQL, a trigram index of the text the console's search reads (``SearchedText`` in
cases/selectors.py: address, description, reporter's name and email): a search for a rare word,
a name or an email reads the few cases that hold it, where it read the city's whole history
(at 1,000,000 cases, under a millisecond instead of most of a second: docs/performance.md).

The index's expression is the SQL that the search's ``icontains`` writes, character for
character in meaning; tests/pages/test_list_plans.py checks that searches use it. Built
CONCURRENTLY, so a city's server keeps taking reports while it is built. Nothing on SQLite.
"""

from django.db import migrations

INDEX = "cases_search_trgm"
EXPRESSION = "UPPER((address || ' ' || description || ' ' || reporter_name || ' ' || reporter_email)::text)"


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        try:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except Exception as exc:
            raise RuntimeError(
                "The console's search needs PostgreSQL's pg_trgm extension, and this database user "
                f"may not create it ({exc}). As a superuser, run CREATE EXTENSION pg_trgm; in this "
                "database, then migrate again (docs/operations.md)."
            ) from exc
        # A build stopped half-way (CONCURRENTLY, interrupted) leaves an invalid index that
        # IF NOT EXISTS would keep for ever, unused: drop it and build it again.
        cursor.execute(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = %s",
            [INDEX],
        )
        found = cursor.fetchone()
        if found is not None and not found[0]:
            cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")
        cursor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON cases_servicerequest "
            f"USING gin ({EXPRESSION} gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [("cases", "0011_open_district_index")]

    operations = [migrations.RunPython(create, drop)]
