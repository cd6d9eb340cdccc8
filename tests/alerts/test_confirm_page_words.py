"""The page that starts email alerts asks in a sentence, as the confirmation email does:
"Send ann@example.org emails about new and closed reports in Independence?", in English and
in Spanish."""

from __future__ import annotations

import pytest
from django.test import Client

from civicdesk.notifications import services as alert_services
from civicdesk.notifications.models import AlertOn

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "question"),
    [
        ("en", "Send ann@example.org emails about new and closed reports in Independence?"),
        ("es", "¿Enviar a ann@example.org correos sobre reportes nuevos y cerrados en Independence?"),
    ],
)
def test_the_alert_confirmation_page_asks_in_a_sentence(independence, language, question):
    subscription = alert_services.subscription_create(city=independence, email="ann@example.org", on=AlertOn.BOTH)
    page = Client(HTTP_ACCEPT_LANGUAGE=language).get(f"/alerts/confirm/{subscription.confirm_token}/")
    assert page.status_code == 200 and question in page.content.decode()
