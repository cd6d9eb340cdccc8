"""In Chromium, on a phone, a Spanish supervisor reads the email intake's notes on a triage
case in Spanish, as the timeline shows them, and none of the stored English."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from civicdesk.accounts.models import Role
from civicdesk.intake.services import email_ingest
from tests.browser.conftest import open_page, screenshot, sign_in
from tests.intake.mail import plain, raw

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_spanish_supervisor_reads_the_intakes_notes_in_spanish_on_a_phone(
    new_context: Any, site: str, trash: Any, make_staff: Any, settings: Any
) -> None:
    make_staff(trash.city, Role.SUPERVISOR, username="sue")
    email = plain("Something is wrong near my house, please call me.", subject="Help")
    email.add_attachment(b"%PDF-1.4 minutes", maintype="application", subtype="pdf", filename="minutes.pdf")
    case = email_ingest(raw=raw(email)).case
    assert case is not None

    context = new_context(
        viewport={"width": 360, "height": 800}, locale="es", extra_http_headers={"Accept-Language": "es"}
    )
    page = open_page(context)
    page.goto(f"{site}/console/login/")
    sign_in(page, "sue")
    page.goto(f"{site}" + reverse("console:case", args=[case.city.slug, case.number]))

    notes = [" ".join(text.split()) for text in page.locator(".event-text").all_inner_texts()]
    assert (
        "Enviado a clasificación: la recepción no encontró en él palabras de ningún tipo de problema. "
        "No da dirección ni punto en el mapa. Elija el tipo (que lo dirige) y agregue el lugar."
    ) in notes
    assert "Archivos adjuntos no agregados como fotos: minutes.pdf (no es una imagen)" in notes
    assert not [text for text in notes if "Sent to triage" in text or "not added as photos" in text]
    # The notes wrap within the phone's width.
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    page.locator(".event-text").first.scroll_into_view_if_needed()
    screenshot(page, "console-intake-notes-es-360")
    assert page.errors == []
