"""``{% load email_text %}``: ``{{ case.description|quoted }}`` in a plain-text email quotes
what someone wrote, as written (notifications/plaintext.py)."""

from __future__ import annotations

from django import template

from civicdesk.notifications import plaintext

register = template.Library()


@register.filter
def quoted(text: object) -> str:
    return plaintext.quote(str(text or ""))
