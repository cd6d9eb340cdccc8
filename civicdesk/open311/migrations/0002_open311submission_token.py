"""A token on each Open311 submission. Added nullable and filled row by row first: a unique
column with one default would give every existing submission the same token."""

import secrets

from django.db import migrations, models


def fill_tokens(apps, schema_editor):
    Open311Submission = apps.get_model("open311", "Open311Submission")
    for submission in Open311Submission.objects.filter(token__isnull=True).only("pk"):
        submission.token = secrets.token_urlsafe(18)
        submission.save(update_fields=["token"])


class Migration(migrations.Migration):
    dependencies = [("open311", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="open311submission",
            name="token",
            field=models.CharField(editable=False, max_length=32, null=True),
        ),
        migrations.RunPython(fill_tokens, migrations.RunPython.noop),
    ]
