"""The portal's "file only once" rows move to the one table of every channel (cases.SubmissionKey)."""

from typing import Any

from django.db import migrations

SCOPE = "portal"


def forwards(apps: Any, schema_editor: Any) -> None:
    PortalSubmission = apps.get_model("portal", "PortalSubmission")
    SubmissionKey = apps.get_model("cases", "SubmissionKey")
    rows = PortalSubmission.objects.values_list("client_token", "case_id", "created_at").iterator(chunk_size=2000)
    batch = []
    for token, case_id, created_at in rows:
        batch.append(SubmissionKey(scope=SCOPE, key=str(token), case_id=case_id, received_at=created_at))
        if len(batch) >= 2000:
            SubmissionKey.objects.bulk_create(batch)
            batch = []
    SubmissionKey.objects.bulk_create(batch)


def backwards(apps: Any, schema_editor: Any) -> None:
    PortalSubmission = apps.get_model("portal", "PortalSubmission")
    SubmissionKey = apps.get_model("cases", "SubmissionKey")
    keys = SubmissionKey.objects.filter(scope=SCOPE)
    PortalSubmission.objects.bulk_create(
        PortalSubmission(client_token=key, case_id=case_id) for key, case_id in keys.values_list("key", "case_id")
    )
    keys.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_submission_key"),
        ("portal", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.DeleteModel(name="PortalSubmission"),
    ]
