"""The reporter's tracking page says how to add to an open report: reply to the email we sent
(what the acknowledgement says too), or, without an email, call the city with the reference.
Nothing is said once the report is closed, nor on the public page of the report."""

from __future__ import annotations

import pytest

from civicdesk.cases import services
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db


def _case(service_type, **kw):
    lat, lng = INSIDE["independence"]
    return services.case_create(
        service_type=service_type, lat=lat, lng=lng, description="Hole", attributes={"size": "small"}, **kw
    )


def test_a_reporter_with_an_email_is_told_to_reply_to_it_in_english_and_spanish(client, catalogue):
    case = _case(catalogue["independence"]["pothole"], reporter_email="rita@example.org")
    html = client.get(f"/track/{case.tracking_token}/").content.decode()
    assert "Something to add?" in html
    assert "Reply to the email we sent you about this report: what you write is added to it." in html
    spanish = client.get(f"/track/{case.tracking_token}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "¿Algo que agregar?" in spanish
    assert "Responda al correo que le enviamos sobre este reporte: lo que escriba se agrega al reporte." in spanish
    public = client.get(f"/independence/requests/{case.number}/").content.decode()
    assert "Something to add?" not in public


def test_a_reporter_without_an_email_is_given_the_citys_phone_and_the_reference(client, catalogue, independence):
    independence.phone = "816-325-7000"
    independence.save(update_fields=["phone"])
    case = _case(catalogue["independence"]["pothole"])
    html = client.get(f"/track/{case.tracking_token}/").content.decode()
    # The reference is held on one line (a phone never splits it at its hyphen).
    assert (
        "Call Independence at 816-325-7000 and give the reference "
        f'<span class="one-line">{case.reference}</span>.' in html
    )
    spanish = client.get(f"/track/{case.tracking_token}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert (
        f'Llame a Independence al 816-325-7000 y dé la referencia <span class="one-line">{case.reference}</span>.'
        in spanish
    )


def test_nothing_is_offered_on_a_closed_report_or_without_a_way_to_add(client, catalogue, independence, make_staff):
    independence.phone = ""
    independence.save(update_fields=["phone"])
    anonymous = _case(catalogue["independence"]["pothole"])
    assert "Something to add?" not in client.get(f"/track/{anonymous.tracking_token}/").content.decode()
    case = _case(catalogue["independence"]["pothole"], reporter_email="rita@example.org")
    worker = make_staff(independence, "worker", department=case.department)
    services.case_close(case=case, actor=worker, note="Filled")
    assert "Something to add?" not in client.get(f"/track/{case.tracking_token}/").content.decode()
