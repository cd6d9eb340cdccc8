"""``<input type="file" … {% photo_picker %}>``: a photo box written by hand in a template
(the console's case page) gets the words ``portal.js`` draws it with in the page's language
(``core/photo_box.py``), as the report form's box gets them from its widget."""

from __future__ import annotations

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from civicdesk.core.photo_box import photo_picker_words

register = template.Library()


@register.simple_tag
def photo_picker() -> SafeString:
    """The box's ``data-msg-*`` attributes, escaped, each after a space."""
    return format_html_join("", ' {}="{}"', photo_picker_words().items())
