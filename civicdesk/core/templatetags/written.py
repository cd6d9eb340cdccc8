"""City-entered text on a page, with its language (``civicdesk.core.written``).

``{{ measure.name|as_written }}`` writes the text, inside ``<span lang="en">`` when it is
in another language than the page (English on a Spanish page): a ``Written`` says its own
language, a message of the catalog is the page's, and any other text is what a city typed, in
the site's main language. ``{{ text|written_lang }}`` is only the ``lang`` it needs ("" for
none), for an attribute (``<optgroup label=… lang=…>``) or an element of its own.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString

from civicdesk.core.written import lang_if_other

register = template.Library()


@register.filter
def as_written(text: Any) -> SafeString | str:
    """The text, escaped, marked with its language where it is not the page's."""
    if text is None or text == "":
        return ""
    lang = lang_if_other(text)
    if not lang:
        return conditional_escape(text)
    return format_html('<span lang="{}">{}</span>', lang, text)


@register.filter
def written_lang(text: Any) -> str:
    """The ``lang`` the text needs on this page, "" when it is in the page's language."""
    return lang_if_other(text) if text not in (None, "") else ""
