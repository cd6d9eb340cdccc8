"""`make run`'s mail (EMAIL_URL file://…): each message is its own .eml file in the folder, as a
mail client reads it (README: "each email is written as a file to var/mail/*.eml")."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from django.core import mail
from django.core.mail import EmailMultiAlternatives

from config.env import email_settings


def test_a_file_url_writes_each_message_to_its_own_eml_file_that_a_mail_client_reads(settings, tmp_path: Path) -> None:
    folder = tmp_path / "mail"
    configured = email_settings(f"file://{folder}", tmp_path)
    assert configured == {"EMAIL_BACKEND": "civicdesk.core.mail.EmlFileBackend", "EMAIL_FILE_PATH": str(folder)}
    settings.EMAIL_BACKEND = configured["EMAIL_BACKEND"]
    settings.EMAIL_FILE_PATH = configured["EMAIL_FILE_PATH"]

    with mail.get_connection() as connection:
        first = EmailMultiAlternatives(
            "Case IND-2026-000123 received",
            "Thank you. Track it at http://127.0.0.1:8100/track/abc/",
            "311@independence.civicdesk.localhost",
            ["rita@example.org"],
            connection=connection,
        )
        first.attach_alternative(
            "<p>Thank you. <a href='http://127.0.0.1:8100/track/abc/'>Track it</a></p>", "text/html"
        )
        second = mail.EmailMessage(
            "Nuevo caso — señal caída",
            "Calle 5 y Main",
            "311@raytown.test",
            ["dept@raytown.test"],
            connection=connection,
        )
        assert connection.send_messages([first, second]) == 2

    files = sorted(folder.glob("*.eml"))
    assert len(files) == 2 and not list(folder.glob("*.log")) and len(list(folder.iterdir())) == 2
    parsed = [email.message_from_bytes(f.read_bytes(), policy=email.policy.default) for f in files]
    by_subject = {str(m["Subject"]): m for m in parsed}
    assert set(by_subject) == {"Case IND-2026-000123 received", "Nuevo caso — señal caída"}
    ack = by_subject["Case IND-2026-000123 received"]
    assert ack["To"] == "rita@example.org" and ack["Date"] and ack["Message-ID"]
    assert "http://127.0.0.1:8100/track/abc/" in ack.get_body(("plain",)).get_content()
    assert "<a href=" in ack.get_body(("html",)).get_content()
    assert by_subject["Nuevo caso — señal caída"].get_body(("plain",)).get_content().strip() == "Calle 5 y Main"
