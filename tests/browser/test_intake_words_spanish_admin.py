"""In Chromium, a Spanish-reading administrator reads why inbound messages were ignored or
failed in Spanish in the admin's list, on a phone and on a desk; and a supervisor on a phone
reads a refused photo's reason inside the intake's note in Spanish too."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from PIL import Image

from civicdesk.accounts.models import Role, User
from civicdesk.catalog.models import ServiceType
from civicdesk.intake.services import IngestFailed, email_ingest
from tests.browser.conftest import SCREENSHOTS, open_page, screenshot, sign_in
from tests.intake.conftest import triage_code
from tests.intake.mail import plain, raw

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("width", [360, 1280])
def test_a_spanish_administrator_reads_why_messages_were_ignored_or_failed_in_spanish(
    new_context: Any, site: str, trash: ServiceType, settings: Any, width: int
) -> None:
    settings.INTAKE_MAX_ATTEMPTS = 1
    User.objects.create_superuser(username="ops", email="ops@example.org", password="correct horse battery")
    email_ingest(raw=raw(plain("I am away until Monday.", subject="Out of office", Auto_Submitted="auto-replied")))
    ServiceType.objects.create(city=trash.city, code=triage_code(), name="Needs triage", active=False)
    with pytest.raises(IngestFailed):
        email_ingest(raw=raw(plain("Something is wrong somewhere", subject="help")))

    context = new_context(
        viewport={"width": width, "height": 800}, locale="es", extra_http_headers={"Accept-Language": "es"}
    )
    page = open_page(context)
    page.goto(f"{site}/console/login/")
    sign_in(page, "ops", password="correct horse battery")
    page.goto(site + reverse("admin:intake_inboundmessage_changelist"))

    errors = [" ".join(t.split()) for t in page.locator("td.field-error_in_words").all_inner_texts()]
    assert sorted(errors) == [
        "No se pudo procesar: Needs triage ya no se ofrece.",
        "encabezado Auto-Submitted: auto-replied",
    ]
    screenshot(page, f"admin-inbound-errors-es-{width}")
    # The list scrolls sideways within its own region: the column as a reader scrolls to it.
    page.locator("td.field-error_in_words").last.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"admin-inbound-errors-es-{width}-column.png"))
    assert page.errors == []


def test_a_spanish_supervisor_reads_a_refused_photos_reason_in_spanish_on_a_phone(
    new_context: Any, site: str, trash: ServiceType, make_staff: Any, settings: Any
) -> None:
    settings.PHOTO_MAX_BYTES = 2048
    make_staff(trash.city, Role.SUPERVISOR, username="sue")
    email = plain("Trash piled up at 1200 N Main St", subject="trash")
    out = io.BytesIO()
    Image.effect_noise((80, 80), 100).convert("RGB").save(out, format="JPEG")
    email.add_attachment(out.getvalue(), maintype="image", subtype="jpeg", filename="IMG_0001 (1).jpg")
    case = email_ingest(raw=raw(email)).case
    assert case is not None

    context = new_context(
        viewport={"width": 360, "height": 800}, locale="es", extra_http_headers={"Accept-Language": "es"}
    )
    page = open_page(context)
    page.goto(f"{site}/console/login/")
    sign_in(page, "sue")
    page.goto(site + reverse("console:case", args=[case.city.slug, case.number]))

    notes = [" ".join(text.split()) for text in page.locator(".event-text").all_inner_texts()]
    assert "Archivos adjuntos no agregados como fotos: IMG_0001 (1).jpg (La foto ocupa más de 2 KB.)" in notes
    page.locator(".event-text").first.scroll_into_view_if_needed()
    screenshot(page, "console-refused-photo-es-360")
    assert page.errors == []
