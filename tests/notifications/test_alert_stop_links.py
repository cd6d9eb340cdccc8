"""Each alert has one link to stop the alerts (and the List-Unsubscribe headers); the
confirmation email, sent before any alert, has none: it says to ignore it."""

from __future__ import annotations

import pytest

from civicdesk.notifications import services as alert_services

pytestmark = pytest.mark.django_db


def html(m) -> str:
    return m.message.get_body(preferencelist=("html",)).get_content()


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_confirmation_has_no_stop_link_and_an_alert_has_exactly_one(language, independence, report, smtp_inbox):
    subscription = alert_services.subscription_create(email="alerts@example.org", city=independence, language=language)
    [confirm] = smtp_inbox()
    stop_path = f"/alerts/unsubscribe/{subscription.unsubscribe_token}/"
    for part in (confirm.text(), html(confirm)):
        assert stop_path not in part
        assert "nsubscribe" not in part and "Stop these alerts" not in part and "Dejar de recibir" not in part
    assert "List-Unsubscribe" not in confirm.message
    ignore = {"en": "If you did not ask for this, ignore this email", "es": "Si usted no lo pidió"}[language]
    assert ignore in " ".join(confirm.text().split())

    alert_services.subscription_confirm(token=subscription.confirm_token)
    report()
    [alert] = [m for m in smtp_inbox() if m.to == "alerts@example.org"]
    assert alert.text().count(stop_path) == 1
    assert html(alert).count(stop_path) == 1
    assert "nsubscribe from these alerts" not in html(alert)
    assert stop_path in alert.message["List-Unsubscribe"]
    assert alert.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
