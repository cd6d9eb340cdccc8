"""Five indexes of the cases that no query needs, dropped.

Every index of ``cases_servicerequest`` is written for every new case and weighed by the
planner for every query of the table: at 1,000,000 cases the console's list of a queue spent
3.3 ms planning and 0.6 ms running (docs/performance.md, "Indexes of the cases"). Each of
these is the first column(s) of another index, which serves the same lookups:

- ``city_id`` alone (Django's index of the foreign key): the unique (city, number) and many
  more begin with it;
- ``(city_id, status)``: ``cases_city_status_number`` is (city, status, number);
- ``department_id`` and ``assignee_id`` alone: (department, status) and (assignee, status);
- on PostgreSQL, Django's ``…_like`` index of ``tracking_token`` (``varchar_pattern_ops``, for
  ``LIKE 'prefix%'``): a tracking token is only ever looked up whole, by its unique index.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def drop_tracking_token_like(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'cases_servicerequest' "
            "AND indexdef LIKE '%%(tracking_token varchar_pattern_ops)%%'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0012_search_trigram_index"),
        ("tenants", "0003_district_retired_on"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="servicerequest",
            name="cases_servi_city_id_e84626_idx",
        ),
        migrations.AlterField(
            model_name="servicerequest",
            name="assignee",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="assigned_cases",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="servicerequest",
            name="city",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="cases",
                to="tenants.city",
            ),
        ),
        migrations.AlterField(
            model_name="servicerequest",
            name="department",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="cases",
                to="tenants.department",
            ),
        ),
        # Nothing to put back: an index no query used (the reverse leaves it out).
        migrations.RunPython(drop_tracking_token_like, migrations.RunPython.noop),
    ]
