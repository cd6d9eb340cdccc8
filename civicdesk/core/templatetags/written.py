"""City-entered text on a page, with its language (``civicdesk.core.written``).

``{{ measure.name|as_written }}`` writes the text, inside ``<span lang="en">`` when it is
in another language than the page (English on a Spanish page): a ``Written`` says its own
language, a message of the catalog is the page's, and any other text is what a city typed, in
the site's main language. ``{{ text|written_lang }}`` is only the ``lang`` it needs ("" for
none), for an attribute (``<optgroup label=… lang=…>``) or an element of its own.

What a person typed (a note, a reason, a resident's description) says no language: staff and
residents write in either. ``{{ note.text|linebreaksbr|as_typed }}`` writes it inside
``<span lang="es">`` when its words are clearly in another language than the page (or the
email), and as it is when they are in the page's language or say nothing clear.
"""

from __future__ import annotations

import html
from typing import Any

from django import template
from django.conf import settings
from django.utils.html import conditional_escape, format_html, strip_tags
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from civicdesk.core.languages import written_language
from civicdesk.core.written import lang_if_other

register = template.Library()


@register.filter
def as_written(text: Any) -> SafeString | str:
    """The text, escaped, marked with its language where it is not the page's."""
    if text is None or text == "":
        return ""
    return _in_lang(text, lang_if_other(text))


@register.filter
def written_lang(text: Any) -> str:
    """The ``lang`` the text needs on this page, "" when it is in the page's language."""
    return lang_if_other(text) if text not in (None, "") else ""


def typed_lang(text: Any) -> str:
    """The ``lang`` a person's text needs on this page: the language its words are in when that
    is clearly another than the page's, else "" (its own, or unclear: left to the page)."""
    if text is None or text == "":
        return ""
    words = html.unescape(strip_tags(text)) if isinstance(text, SafeString) else str(text)
    own = written_language(words)
    page = (get_language() or settings.LANGUAGE_CODE).split("-")[0].lower()
    return own if own and own != page else ""


@register.filter
def as_typed(text: Any) -> SafeString | str:
    """A person's text (escaped, or already made safe by ``linebreaksbr``), inside
    ``<span lang>`` when it is in another language than the page."""
    if text is None or text == "":
        return ""
    return _in_lang(text, typed_lang(text))


def _in_lang(text: Any, lang: str) -> SafeString | str:
    """``text`` escaped, inside ``<span lang>`` when ``lang`` is given."""
    if not lang:
        return conditional_escape(text)
    return format_html('<span lang="{}">{}</span>', lang, text)
