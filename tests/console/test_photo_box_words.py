"""The case page's photo box carries the words portal.js draws it with in the page's language
("Elegir fotos", "Ninguna foto elegida"), on the whole page and in the part htmx swaps in after
an action, as the report form's box does: the browser's own words are in its language."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from civicdesk.cases.models import ServiceRequest

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true", "HX-Target": "case-body"}


def url(name: str, case: ServiceRequest) -> str:
    return reverse(f"console:{name}", kwargs={"city": case.city.slug, "number": case.number})


def _photo_box(html: str) -> str:
    box = re.search(r'<input type="file" name="photos" id="photo-files"[^>]*>', html)
    assert box, "no photo box on the case page"
    return box.group(0)


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ('data-msg-choose="Choose photos"', 'data-msg-chosen-none="No photo chosen"')),
        ("es", ('data-msg-choose="Elegir fotos"', 'data-msg-chosen-none="Ninguna foto elegida"')),
    ],
)
def test_the_case_pages_photo_box_carries_the_pages_words_on_the_page_and_after_an_action(
    signed_in, worker, report, language, words
):
    case = report()
    client = signed_in(worker)
    client.cookies["django_language"] = language
    whole = _photo_box(client.get(url("case", case)).content.decode())
    swapped = _photo_box(
        client.post(
            url("case_note", case), {"text": "Crew booked", "visibility": "internal"}, headers=HTMX
        ).content.decode()
    )
    for box in (whole, swapped):
        for said in words:
            assert said in box
        assert 'data-msg-chosen-many="%(n)s ' in box
