"""The site's languages, as stored for a resident (the language of their emails)."""

from __future__ import annotations

from django.utils import translation


def offered_language(code: str) -> str:
    """The site's language closest to ``code`` ("es-MX" is "es"), or "" for the site's
    default: what is stored as a resident's language for their emails."""
    if not code:
        return ""
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return ""
