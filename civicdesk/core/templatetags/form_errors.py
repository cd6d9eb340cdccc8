"""The form error tags every template uses (civicdesk/core/forms.py says why)."""

from __future__ import annotations

from typing import Any

from django import forms, template
from django.template.context import Context
from django.utils.translation import gettext

from civicdesk.core.forms import error_items, refused

register = template.Library()


@register.inclusion_tag("core/forms/field_errors.html")
def field_errors(field: forms.BoundField) -> dict[str, Any]:
    """A field's errors, with the id its ``aria-describedby`` names (``<auto_id>_error``)."""
    return {"field": field}


@register.inclusion_tag("core/forms/error_summary.html")
def error_summary(form: forms.BaseForm | None, heading: str, after: str = "") -> dict[str, Any]:
    """The errors of ``form`` listed at its top as links to their fields, focused on load."""
    return {
        "items": error_items(form) if form is not None and form.is_bound else [],
        "heading": heading,
        "after": after,
    }


@register.simple_tag(takes_context=True)
def error_title(context: Context) -> str:
    """ "Error: " before the page's title when a form of the page was refused, or the page
    lists its own ``errors`` (an action on a case that was not done)."""
    flat = context.flatten()
    if refused(flat.values()) or (isinstance(flat.get("errors"), list | tuple) and flat["errors"]):
        return gettext("Error:") + " "
    return ""
