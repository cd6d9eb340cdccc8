"""The form error tags every template uses (civicdesk/core/forms.py says why)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms, template
from django.template.context import Context
from django.utils.text import capfirst
from django.utils.translation import gettext

from civicdesk.core.forms import change_form_error_items, error_items, refused

register = template.Library()


@register.inclusion_tag("core/forms/field_errors.html")
def field_errors(field: forms.BoundField) -> dict[str, Any]:
    """A field's errors, with the id its ``aria-describedby`` names (``<auto_id>_error``)."""
    return {"field": field}


@register.inclusion_tag("core/forms/error_summary.html")
def error_summary(
    form: forms.BaseForm | Iterable[tuple[str, str] | str] | None,
    heading: str,
    after: str = "",
    element_id: str = "error-summary",
    anchor: str = "",
) -> dict[str, Any]:
    """The errors of ``form`` listed at its top as links to their fields, focused on load.

    A page whose mistakes come from no Django form (a service's refusal) gives its own list
    instead: (anchor, message) pairs, or messages, which link to ``anchor`` (the one box of
    the form) or nowhere. ``element_id``: for a page whose fields already name the summary in
    their ``aria-describedby``."""
    if form is None:
        items: list[tuple[str, str]] = []
    elif isinstance(form, forms.BaseForm):
        items = error_items(form) if form.is_bound else []
    else:
        items = [(item[0], str(item[1])) if isinstance(item, tuple) else (anchor, str(item)) for item in form]
    return {"items": items, "heading": heading, "after": after, "element_id": element_id}


@register.simple_tag(takes_context=True)
def error_title(context: Context) -> str:
    """ "Error: " before the page's title when a form of the page was refused, or the page
    lists its own ``errors`` (an action on a case that was not done)."""
    flat = context.flatten()
    if refused(flat.values()) or (isinstance(flat.get("errors"), list | tuple) and flat["errors"]):
        return gettext("Error:") + " "
    return ""


@register.inclusion_tag("core/forms/error_summary.html", takes_context=True)
def change_form_error_summary(context: Context) -> dict[str, Any]:
    """The summary on Django's generic admin add and change pages (templates/admin/
    change_form.html): the mistakes of the page's form and of its inline formsets, as links
    to their boxes, where Django only says "Please correct the errors below." """
    adminform = context.get("adminform")
    if not context.get("errors") or adminform is None:
        return {"items": []}
    inlines = [
        (str(capfirst(inline.opts.verbose_name)), inline.formset)
        for inline in context.get("inline_admin_formsets") or []
    ]
    return {
        "items": change_form_error_items(adminform.form, inlines),
        "heading": gettext("Nothing was saved yet. Please check:"),
        "after": "",
        "element_id": "error-summary",
    }
