"""The migration to one "file only once" table keeps every key the portal and Open311 held:
a report sent again after the upgrade still gets its first case back."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from civicdesk.cases.models import SubmissionKey
from civicdesk.cases.selectors import submission_case

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("cases", "0004_case_language"), ("portal", "0001_initial"), ("open311", "0005_device_content_digest")]
AFTER = [
    ("cases", "0005_submission_key"),
    ("portal", "0002_submission_keys_in_cases"),
    ("open311", "0006_submission_keys_in_cases"),
]


def _migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


def test_the_keys_of_both_channels_are_kept(report, independence):
    web, app, other = report(), report(), report()
    old = _migrate(BEFORE).loader.project_state(BEFORE).apps
    token = uuid.uuid4()
    old.get_model("portal", "PortalSubmission").objects.create(client_token=token, case_id=web.pk)
    api_key = old.get_model("open311", "Open311ApiKey").objects.create(
        city_id=independence.pk, name="An app", key_digest="d" * 64, key_prefix="abcd1234"
    )
    submissions = old.get_model("open311", "Open311Submission")
    submissions.objects.create(case_id=app.pk, api_key=api_key, idempotency_key="retry-7", content_digest="c" * 64)
    submissions.objects.create(case_id=other.pk, api_key=api_key)  # a report with no key

    _migrate(AFTER)
    # Then every later migration, so the current models below read the schema they expect.
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    scope = f"open311:{api_key.pk}"
    assert submission_case(scope="portal", key=str(token)) == web
    assert submission_case(scope=scope, key="key:retry-7") == app
    assert submission_case(scope=scope, key=f"content:{'c' * 64}") == app
    assert SubmissionKey.objects.count() == 3
