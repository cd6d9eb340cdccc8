"""Blank every stored media_url that core.safe_urls refuses (javascript:, data:, file:, a
local or private host, control characters, over 2000 characters): before the check
existed the API stored whatever an application sent. The output check would hide them
anyway; blanking them means no copy of the database (a backup, an export) still holds
them. What was there is not kept: it was never a photo anyone could show. Irreversible in
effect (reversing does nothing)."""

import logging

from django.db import migrations

logger = logging.getLogger(__name__)


def blank_unsafe_media_urls(apps, schema_editor):
    from civicdesk.core.safe_urls import public_url

    Submission = apps.get_model("open311", "Open311Submission")
    unsafe = [
        pk
        for pk, url in Submission.objects.exclude(media_url="").values_list("pk", "media_url").iterator()
        if not public_url(url)
    ]
    for start in range(0, len(unsafe), 1000):
        Submission.objects.filter(pk__in=unsafe[start : start + 1000]).update(media_url="")
    if unsafe:
        logger.warning("open311 0007: blanked %d media_url values that were not public http(s) URLs", len(unsafe))


class Migration(migrations.Migration):
    dependencies = [
        ("open311", "0007_media_url_public_only"),
    ]

    operations = [
        migrations.RunPython(blank_unsafe_media_urls, migrations.RunPython.noop),
    ]
