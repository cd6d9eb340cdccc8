"""An index of the open cases only, by city and opening time: the reports' backlog (open
cases by age) reads it alone, an index-only scan of the open cases instead of a visit to
every open case's row. Plain SQL (partial indexes are the same on PostgreSQL and SQLite), so
it adds nothing to the model's state; owned by civicdesk/reports (docs/reports.md)."""

from django.db import migrations

OPEN = "('new', 'assigned', 'in_progress')"  # cases.models.OPEN_STATUSES


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_case_transfer")]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX cases_open_by_city_opened ON cases_servicerequest (city_id, opened_at) WHERE status IN {OPEN}",
            reverse_sql="DROP INDEX cases_open_by_city_opened",
        )
    ]
