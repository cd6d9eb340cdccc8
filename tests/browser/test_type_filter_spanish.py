"""The report form's type filter finds a type by its English or its Spanish name, accents or
not, on a page in either language: typing "bache" finds Pothole, "via" finds "Grafiti en la vía"."""

from __future__ import annotations

import pytest

from tests.browser.conftest import open_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _named_in_spanish(catalogue):
    pothole = catalogue["independence"]["pothole"]
    pothole.name_es = "Bache"
    pothole.save()
    graffiti = catalogue["independence"]["graffiti"]
    graffiti.name_es = "Grafiti en la vía pública"
    graffiti.save()
    return pothole, graffiti


def _shown(page):
    return page.eval_on_selector_all(
        "#id_service_type option:not([hidden])", "options => options.filter(o => o.value).map(o => o.textContent)"
    )


def _filter(page, words):
    page.fill("#type-filter", words)
    page.dispatch_event("#type-filter", "input")


@pytest.mark.parametrize(
    ("language", "typed", "chosen"),
    [("en", "bache", "Pothole"), ("es", "pothole", "Bache"), ("es", "bache", "Bache"), ("es", "via publica", None)],
)
def test_typing_either_name_finds_the_type(new_context, catalogue, language, typed, chosen):
    pothole, graffiti = _named_in_spanish(catalogue)
    page = open_page(new_context(locale=language, extra_http_headers={"Accept-Language": language}))
    page.goto("/independence/report/")
    _filter(page, typed)
    if chosen is None:
        assert _shown(page) == ["Grafiti en la vía pública"]
        assert page.input_value("#id_service_type") == str(graffiti.pk)
    else:
        assert _shown(page) == [chosen]
        assert page.input_value("#id_service_type") == str(pothole.pk)
    assert not page.errors
