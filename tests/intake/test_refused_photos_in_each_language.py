"""A photo the photo check refused is named in the email intake's note with why, and the
whole note reads in the reader's language: "Archivos adjuntos no agregados como fotos:
big.jpg (La foto ocupa más de 2 KB.); …" on the Spanish console, the stored English on the
English one. The reason is stored in English whatever language the site speaks, and a note
stored before with its reason in Spanish reads in English too."""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from PIL import Image

from civicdesk.accounts.models import Role, User
from civicdesk.cases import event_words
from civicdesk.cases.models import CaseEvent, EventKind, ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.core import clock
from civicdesk.intake.services import email_ingest
from civicdesk.tenants.models import City
from tests.intake.mail import plain, raw

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor(independence: City, make_staff: Callable[..., User]) -> User:
    return make_staff(independence, Role.SUPERVISOR, email="sue@independence.test")


def console(case: ServiceRequest, user: User, language: str) -> str:
    client = Client()
    client.force_login(user)
    url = reverse("console:case", kwargs={"city": case.city.slug, "number": case.number})
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def image(size: tuple[int, int], fmt: str, *, noise: bool = False) -> bytes:
    img = Image.new("RGB", size, (0, 120, 0))
    if noise:
        rng = random.Random(7)
        img.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(size[0] * size[1])])
    out = io.BytesIO()
    img.save(out, format=fmt)
    return out.getvalue()


def email_with_refused_photos() -> bytes:
    """Five images the photo check refuses, each for its own reason; two named as a
    computer names a copy, with brackets of their own."""
    msg = plain("Trash piled up at 1200 N Main St", subject="trash")
    small = image((20, 20), "JPEG")
    for data, name in (
        (image((80, 80), "JPEG", noise=True), "big (1).jpg"),
        (image((40, 30), "JPEG"), "wide.jpg"),
        (image((20, 20), "GIF"), "moving.gif"),
        (small[:-20], "cut (2).jpg"),
        (b"just words", "notes.jpg"),
    ):
        maintype, subtype = ("image", "gif") if name.endswith(".gif") else ("image", "jpeg")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return raw(msg)


STORED = (
    "Attachments not added as photos: big (1).jpg (The photo is larger than 2 KB.); "
    "wide.jpg (The photo has too many pixels (40 × 30). The largest we accept is 0.001 megapixels.); "
    "moving.gif (GIF images are not accepted. Please send a JPEG, PNG, WebP or HEIC image.); "
    "cut (2).jpg (The photo is damaged and could not be read.); "
    "notes.jpg (That file is not a photo we can read. Please send a JPEG, PNG, WebP or HEIC image.)"
)
SPANISH = (
    "Archivos adjuntos no agregados como fotos: big (1).jpg (La foto ocupa más de 2 KB.); "
    "wide.jpg (La foto tiene demasiados píxeles (40 × 30). El máximo que aceptamos es 0.001 megapíxeles.); "
    "moving.gif (No aceptamos imágenes GIF. Envíe una imagen JPEG, PNG, WebP o HEIC.); "
    "cut (2).jpg (La foto está dañada y no se pudo leer.); "
    "notes.jpg (Ese archivo no es una foto que podamos leer. Envíe una imagen JPEG, PNG, WebP o HEIC.)"
)


@pytest.mark.parametrize("site_language", ["en", "es"])
def test_a_refused_photos_reason_is_stored_in_english_and_reads_in_spanish_on_the_spanish_console(
    catalogue: dict[str, ServiceType], supervisor: User, settings: Any, site_language: str
) -> None:
    settings.LANGUAGE_CODE = site_language
    settings.PHOTO_MAX_BYTES = 2048
    settings.PHOTO_MAX_PIXELS = 1000
    case = email_ingest(raw=email_with_refused_photos()).case
    assert case is not None and case.photos.count() == 0

    [note] = case.events.filter(kind=EventKind.INTERNAL_NOTE, text__startswith="Attachments").values_list(
        "text", flat=True
    )
    assert note == STORED

    spanish = console(case, supervisor, "es")
    assert escape(SPANISH) in spanish
    assert "The photo" not in spanish and "Please send" not in spanish

    english = console(case, supervisor, "en")
    assert escape(STORED) in english
    assert "La foto" not in english


def test_a_note_stored_with_its_reason_in_spanish_reads_in_english_too(
    catalogue: dict[str, ServiceType], supervisor: User
) -> None:
    case = email_ingest(raw=raw(plain("Trash piled up at 1200 N Main St", subject="trash"))).case
    assert case is not None
    # As a note read when the photo check answered in the language active at the time.
    CaseEvent.objects.create(
        case=case,
        at=clock.now(),
        kind=EventKind.INTERNAL_NOTE,
        actor_label=event_words.EMAIL_INTAKE,
        text="Attachments not added as photos: IMG_2.jpg (El archivo de la foto está vacío.); "
        "IMG_3.jpg (No pudimos guardar la foto en este momento por un problema de nuestra parte, "
        "así que no se guardó nada. Por favor, inténtelo de nuevo más tarde.)",
    )

    english = console(case, supervisor, "en")
    assert (
        escape(
            "Attachments not added as photos: IMG_2.jpg (The photo file is empty.); IMG_3.jpg (The photo could "
            "not be stored just now because of a problem on our side, so nothing was saved. Please try again later.)"
        )
        in english
    )
    spanish = console(case, supervisor, "es")
    assert "Archivos adjuntos no agregados como fotos: IMG_2.jpg (El archivo de la foto está vacío.)" in spanish
