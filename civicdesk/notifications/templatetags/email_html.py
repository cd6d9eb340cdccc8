"""``{% load email_html %}``: ``{{ case.reference|unbroken }}`` in an HTML email keeps a case
number on one line. A narrow screen otherwise breaks "IND-1004" after its hyphen, and a
reader looking for it in the list of their cases, or reading it out on the phone, meets
"IND-" at one line's end and "1004" on the next."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def unbroken(text: object) -> SafeString:
    return format_html('<span style="white-space: nowrap;">{}</span>', text)
