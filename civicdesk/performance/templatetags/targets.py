"""How a dashboard writes a target in a narrow column."""

from __future__ import annotations

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString

register = template.Library()

SIGNS = {"≥", ">", "≤", "<"}


@register.filter
def sign_kept(text: object) -> SafeString:
    """A target whose sign never parts from its figure at a line's end: "≥ 80%" and "≤ 5.00"
    stay together, what follows ("min", "(6:20)") may wrap onto the next line, so a phone's
    narrow column neither leaves "≥" alone above "80%" nor grows past the screen. Any other
    text ("No target") is written as it is."""
    sign, _space, rest = str(text).partition(" ")
    if sign not in SIGNS or not rest:
        return conditional_escape(str(text))
    figure, space, tail = rest.partition(" ")
    return format_html('<span class="sign-kept">{} {}</span>{}{}', sign, figure, space, tail)
