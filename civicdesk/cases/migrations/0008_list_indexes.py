"""Indexes that match the lists' filters and orders (docs/performance.md, "Pages"): the console
sorted by due date and its overdue queue, sorted by status, and a city's cases of one type
newest first (the browse page and Open311 filtered by service code)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0007_event_placed"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="servicerequest",
            index=models.Index(fields=["city", "due_at", "number"], name="cases_city_due_number"),
        ),
        migrations.AddIndex(
            model_name="servicerequest",
            index=models.Index(
                condition=models.Q(("status__in", ("new", "assigned", "in_progress"))),
                fields=["city", "due_at", "number"],
                name="cases_open_city_due_number",
            ),
        ),
        migrations.AddIndex(
            model_name="servicerequest",
            index=models.Index(fields=["city", "status", "number"], name="cases_city_status_number"),
        ),
        migrations.AddIndex(
            model_name="servicerequest",
            index=models.Index(fields=["city", "address", "number"], name="cases_city_address_number"),
        ),
        migrations.AddIndex(
            model_name="servicerequest",
            index=models.Index(fields=["city", "service_type", "opened_at"], name="cases_city_type_opened"),
        ),
    ]
