"""A resident's emails name the problem type in the resident's language: a Spanish-speaking
reporter, follower or alert subscriber reads the city's Spanish name ("Bache") in the subject
and the body of the acknowledgement, the updates, the closing, the reopening and the alerts; a
type without a Spanish name keeps its name; English readers and staff read the city's name.
Read from a real SMTP server on loopback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from civicdesk.cases import services
from civicdesk.catalog.models import ServiceType
from civicdesk.notifications import services as alert_services
from civicdesk.notifications.services import case_follow
from civicdesk.tenants.models import City
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db


@pytest.fixture
def pothole(independence: City, trash: ServiceType, make_service_type: Callable[..., ServiceType]) -> ServiceType:
    return make_service_type(
        independence, "pothole", name="Pothole", name_es="Bache", department=trash.department, group="Streets"
    )


def subject(received: Any) -> str:
    # A long encoded subject is folded onto a second line: the unfolded header starts with a space.
    return " ".join(str(received.message["Subject"]).split())


def html(received: Any) -> str:
    return str(received.message.get_body(preferencelist=("html",)).get_content())


def by_recipient(received: list[Any]) -> dict[str, Any]:
    return {m.to: m for m in received}


def test_a_spanish_reporter_reads_the_spanish_name_in_every_email(
    report: Any, pothole: ServiceType, supervisor: Any, smtp_inbox: Any
) -> None:
    case = report(service_type=pothole, notify_reporter=True, language="es", reporter_name="Ana")
    case_follow(case=case, email="vecina@example.org", language="es")
    services.case_add_note(case=case, actor=supervisor, text="La cuadrilla va en camino", public=True)
    services.case_close(case=case, actor=supervisor, note="Reparado")
    services.case_reopen(case=case, actor=supervisor, reason="El bache volvió.")
    received = smtp_inbox()
    to_ana = [m for m in received if m.to == "resident@example.org"]
    to_vecina = [m for m in received if m.to == "vecina@example.org"]
    assert len(to_ana) == 4 and len(to_vecina) == 3  # acknowledgement, update, closing, reopening
    acknowledgement = to_ana[0]
    assert subject(acknowledgement) == f"[{case.reference}] Recibimos su reporte: Bache"
    for message in (*to_ana, *to_vecina):
        assert "Bache" in subject(message), subject(message)
        assert "Bache" in message.text() and "Bache" in html(message), subject(message)
        assert "Pothole" not in message.text() + html(message) + subject(message), subject(message)
    assert f"Su reporte {case.reference} (Bache) se reabrió" in to_ana[3].text()
    # Staff read the city's name, whatever the reporter's language.
    staff = [m for m in received if m.to not in ("resident@example.org", "vecina@example.org")]
    assert staff and all("Bache" not in m.text() + subject(m) for m in staff)


def test_an_english_reporter_reads_the_citys_name(report: Any, pothole: ServiceType, smtp_inbox: Any) -> None:
    case = report(service_type=pothole, notify_reporter=True, language="en")
    [acknowledgement] = [m for m in smtp_inbox() if m.to == "resident@example.org"]
    assert subject(acknowledgement) == f"[{case.reference}] We received your report: Pothole"
    assert "Pothole" in acknowledgement.text() and "Pothole" in html(acknowledgement)
    assert "Bache" not in acknowledgement.text() + html(acknowledgement)


def test_a_type_without_a_spanish_name_keeps_its_name_in_spanish(report: Any, smtp_inbox: Any) -> None:
    case = report(notify_reporter=True, language="es")
    [acknowledgement] = [m for m in smtp_inbox() if m.to == "resident@example.org"]
    assert subject(acknowledgement) == f"[{case.reference}] Recibimos su reporte: Trash/Rubbish"
    assert "Trash/Rubbish" in acknowledgement.text()


def test_an_alert_names_the_type_in_the_subscribers_language(
    independence: City, pothole: ServiceType, smtp_inbox: Any
) -> None:
    lat, lng = INSIDE["independence"]
    for email, language in (("alerta@example.org", "es"), ("alert@example.org", "en")):
        subscription = alert_services.subscription_create(
            email=email, city=independence, area="radius", lat=lat, lng=lng, radius_m=500, language=language
        )
        alert_services.subscription_confirm(token=subscription.confirm_token)
    smtp_inbox()
    services.case_create(service_type=pothole, lat=lat, lng=lng, description="Hole", reporter_email="e@example.org")
    mail = by_recipient(smtp_inbox())
    spanish, english = mail["alerta@example.org"], mail["alert@example.org"]
    assert subject(spanish) == "Nuevo reporte cerca de usted: Bache"
    assert "Bache" in spanish.text() and "Bache" in html(spanish) and "Pothole" not in spanish.text()
    assert subject(english) == "New report near you: Pothole"
    assert "Pothole" in english.text() and "Bache" not in english.text()


def test_the_feeds_name_the_type_in_the_readers_language(independence: City, pothole: ServiceType) -> None:
    lat, lng = INSIDE["independence"]
    services.case_create(service_type=pothole, lat=lat, lng=lng, description="Hole")
    for language, shown, hidden in (("es", "Bache", "Pothole"), ("en", "Pothole", "Bache")):
        body = Client(HTTP_ACCEPT_LANGUAGE=language).get("/independence/feeds/new.atom").content.decode()
        assert shown in body and hidden not in body, language
