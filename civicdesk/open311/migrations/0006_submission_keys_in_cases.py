"""Open311's "file only once" keys (the Idempotency-Key, the device's content digest) move to
the one table of every channel (cases.SubmissionKey), scoped per application."""

from typing import Any

from django.db import migrations


def forwards(apps: Any, schema_editor: Any) -> None:
    Open311Submission = apps.get_model("open311", "Open311Submission")
    SubmissionKey = apps.get_model("cases", "SubmissionKey")
    rows = (
        Open311Submission.objects.filter(api_key__isnull=False)
        .exclude(idempotency_key="", content_digest="")
        .values_list("api_key_id", "case_id", "received_at", "idempotency_key", "content_digest")
    )
    batch = []
    for api_key_id, case_id, received_at, idempotency_key, content_digest in rows.iterator(chunk_size=2000):
        scope = f"open311:{api_key_id}"
        if idempotency_key:
            batch.append(
                SubmissionKey(scope=scope, key=f"key:{idempotency_key}", case_id=case_id, received_at=received_at)
            )
        if content_digest:
            batch.append(
                SubmissionKey(scope=scope, key=f"content:{content_digest}", case_id=case_id, received_at=received_at)
            )
        if len(batch) >= 2000:
            SubmissionKey.objects.bulk_create(batch)
            batch = []
    SubmissionKey.objects.bulk_create(batch)


def backwards(apps: Any, schema_editor: Any) -> None:
    Open311Submission = apps.get_model("open311", "Open311Submission")
    SubmissionKey = apps.get_model("cases", "SubmissionKey")
    keys = SubmissionKey.objects.filter(scope__startswith="open311:")
    for key, case_id in keys.values_list("key", "case_id"):
        kind, _, value = key.partition(":")
        field = {"key": "idempotency_key", "content": "content_digest"}.get(kind)
        if field:
            Open311Submission.objects.filter(case_id=case_id).update(**{field: value})
    keys.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_submission_key"),
        ("open311", "0005_device_content_digest"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.RemoveConstraint(model_name="open311submission", name="one_report_per_idempotency_key_and_app"),
        migrations.RemoveConstraint(model_name="open311submission", name="one_report_per_device_content_and_app"),
        migrations.RemoveField(model_name="open311submission", name="idempotency_key"),
        migrations.RemoveField(model_name="open311submission", name="content_digest"),
    ]
