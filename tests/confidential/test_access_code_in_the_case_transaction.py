"""The access code is issued in the case's own transaction: if the database refuses the
code, the report is not saved at all (the reporter sees an error and sends it again),
rather than leaving a confidential case that nobody holds a key to."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import DatabaseError, connection

from civicdesk.cases.models import ServiceRequest
from civicdesk.notifications.models import ConfidentialAccess, OutboxMessage
from civicdesk.portal.services import report_submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def codes_refused() -> Iterator[None]:
    """A database that refuses every new access code (a real failure, as a full disk or a
    lost connection would be, at the moment the code is written)."""
    table = ConfidentialAccess._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_codes() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'no access codes today'; END $$"
            )
            cursor.execute(f"CREATE TRIGGER refuse_codes BEFORE INSERT ON {table} EXECUTE FUNCTION refuse_codes()")
        else:
            cursor.execute(
                f"CREATE TRIGGER refuse_codes BEFORE INSERT ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'no access codes today'); END"
            )
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER refuse_codes ON {table}")
            cursor.execute("DROP FUNCTION refuse_codes()")
        else:
            cursor.execute("DROP TRIGGER refuse_codes")


def test_a_confidential_report_whose_code_cannot_be_stored_is_not_saved(client, hotline, codes_refused):
    form = {"service_type": hotline.pk, "description": "The contractor bills for hours never worked"}
    with pytest.raises(DatabaseError, match="no access codes today"):
        client.post("/independence/report/", form)
    assert not ServiceRequest.objects.exists()
    assert not ConfidentialAccess.objects.exists() and not OutboxMessage.objects.exists()


def test_the_service_returns_the_code_of_the_case_it_made_and_none_on_a_replay(hotline, independence):
    token = "0b7f3c6e-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
    made = report_submit(
        service_type=hotline, city=independence, client_token=token, description="Invoices for work never done"
    )
    again = report_submit(
        service_type=hotline, city=independence, client_token=token, description="Invoices for work never done"
    )
    assert made.created and made.access_code and len(made.access_code.replace("-", "")) == 20
    assert ConfidentialAccess.objects.get().case == made.case
    assert (again.case, again.created, again.access_code) == (made.case, False, None)
