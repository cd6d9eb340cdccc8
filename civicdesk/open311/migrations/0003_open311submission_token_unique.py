"""The token becomes required and unique, in its own migration (and transaction): PostgreSQL
refuses to alter a table with row updates still pending in the same transaction."""

from django.db import migrations, models

import civicdesk.open311.models


class Migration(migrations.Migration):
    dependencies = [("open311", "0002_open311submission_token")]

    operations = [
        migrations.AlterField(
            model_name="open311submission",
            name="token",
            field=models.CharField(
                default=civicdesk.open311.models.new_submission_token, editable=False, max_length=32, unique=True
            ),
        ),
    ]
