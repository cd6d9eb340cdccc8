"""``{{ case.reference|one_line }}``: words a page must never split across two lines.

A browser may break a line after any hyphen, so on a phone a case's reference in a heading
("Gracias: su reporte es el IND-3455") came out as "IND-" on one line and "3455" on the next:
a number a resident copies down, or reads out on the phone, read wrong. Inside
``<span class="one-line">`` (``white-space: nowrap`` in site.css) it stays whole, and its text
is unchanged for copying, searching and screen readers (no look-alike no-break hyphen).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def one_line(text: Any) -> SafeString:
    """The text, escaped, kept on one line."""
    return format_html('<span class="one-line">{}</span>', text)
