"""Partial indexes of the open cases that match the console's queues (docs/performance.md,
"Pages"): the unassigned queue (and each person's) and a department's, counted and listed
newest first, and the "Not placed" queue oldest first. Each holds the open cases only, a few
per cent of history, so a count of a queue reads a small index and never the cases."""

from django.db import migrations, models

OPEN = models.Q(("status__in", ("new", "assigned", "in_progress")))


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0008_list_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="servicerequest",
            index=models.Index(
                condition=OPEN, fields=["city", "assignee", "opened_at", "number"], name="cases_open_city_assignee"
            ),
        ),
        migrations.AddIndex(
            model_name="servicerequest",
            index=models.Index(
                condition=OPEN, fields=["department", "city", "opened_at", "number"], name="cases_open_department_opened"
            ),
        ),
        migrations.AddIndex(
            model_name="servicerequest",
            index=models.Index(
                condition=models.Q(("lat__isnull", True), ("status__in", ("new", "assigned", "in_progress"))),
                fields=["city", "opened_at", "number"],
                name="cases_unplaced_city_opened",
            ),
        ),
    ]
