"""``{{ url|public_url }}``: a URL that came from outside, shown only if ``core.safe_urls``
passes it (else ""), so a template never puts ``javascript:`` into an ``href``."""

from __future__ import annotations

from django import template

from civicdesk.core import safe_urls

register = template.Library()


@register.filter
def public_url(value: object) -> str:
    return safe_urls.public_url(value)
