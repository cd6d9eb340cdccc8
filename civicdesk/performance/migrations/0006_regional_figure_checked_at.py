"""A kept regional figure says when it was last known to hold (``checked_at``) and the soonest
moment time alone changes it (``changes_at``): the task worker works out again only the
figures something fed since. Existing figures were checked when they were computed (the
column is made required in 0007, in a transaction of its own: PostgreSQL will not alter a
table with the update's triggers pending)."""

from django.db import migrations, models


def checked_when_computed(apps, schema_editor):
    RegionalFigure = apps.get_model("performance", "RegionalFigure")
    RegionalFigure.objects.update(checked_at=models.F("computed_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("performance", "0005_business_days_and_department_reports"),
    ]

    operations = [
        migrations.AddField(
            model_name="regionalfigure",
            name="checked_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(checked_when_computed, migrations.RunPython.noop),
        migrations.AddField(
            model_name="regionalfigure",
            name="changes_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
