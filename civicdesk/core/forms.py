"""How every form of the site tells a mistake, in one place (WCAG 3.3.1, 1.3.1, 4.1.3).

- ``FormRenderer`` (settings.FORM_RENDERER) gives every form's fields ``AccessibleBoundField``:
  a field with an error is ``aria-invalid="true"`` and described by ``<auto_id>_error``, also
  when its widget names a help text of its own (Django then leaves the error out).
- ``{% field_errors field %}`` (core/templatetags/form_errors.py) writes a field's errors with
  that id, so the reference always finds its element.
- ``{% error_summary form heading %}`` lists the errors at the top of the form as links to
  their fields; portal.js focuses it when the page opens, as GOV.UK's summary does.
- ``{% error_title %}`` in base.html starts the page's title with "Error: " when a form of the
  page was refused, so the first thing a screen reader says is that the submit failed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates


class AccessibleBoundField(BoundField):
    """A field whose error is always tied to it: ``aria-describedby`` keeps the widget's own
    ids (a help text above the box) and adds the error's."""

    def build_widget_attrs(self, attrs: dict[str, Any], widget: forms.Widget | None = None) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if self.errors and self.auto_id and not widget.is_hidden and not self.use_fieldset:
            ids = str(attrs.get("aria-describedby") or widget.attrs.get("aria-describedby") or "").split()
            if self.error_id not in ids:
                attrs["aria-describedby"] = " ".join([*ids, self.error_id])
        return attrs

    @property
    def error_id(self) -> str:
        """The id of the element that shows this field's errors ({% field_errors %})."""
        return f"{self.auto_id}_error"


class FormRenderer(DjangoTemplates):
    """Django's renderer, with fields that describe themselves by their errors."""

    bound_field_class = AccessibleBoundField


def error_items(form: forms.BaseForm) -> list[tuple[str, str]]:
    """(anchor, message) for each error of ``form``, in the order of the fields: the anchor is
    the id of what to go to (the field, or what the form names in ``error_anchors``, e.g. the
    map for a pin), for an error of the whole form what it names as ``"__all__"``, else
    empty. A form may give its own list (``error_summary()``)."""
    own = getattr(form, "error_summary", None)
    if callable(own):
        return list(own())
    anchors: Mapping[str, str] = getattr(form, "error_anchors", {})
    # A mistake of the whole form ("wrong username or password") links where it is fixed
    # when the form names that place (error_anchors["__all__"]).
    items = [(anchors.get(NON_FIELD_ERRORS, ""), str(message)) for message in form.non_field_errors()]
    for field in form:
        for message in field.errors:
            anchor = anchors.get(field.name) or ("" if field.is_hidden else field.id_for_label or field.auto_id or "")
            said = f"{field.label}: {message}" if field.label and field.name not in anchors else str(message)
            items.append((anchor, said))
    for name in form.errors:  # errors of a field the form no longer has (added by a service)
        if name != NON_FIELD_ERRORS and name not in form.fields:
            items += [(anchors.get(name, ""), str(message)) for message in form.errors[name]]
    return items


def refused(values: Iterable[Any]) -> bool:
    """Whether any of ``values`` (a page's context) is a form that was checked and refused."""
    for value in values:
        if isinstance(value, forms.BaseForm) and value.is_bound and getattr(value, "_errors", None):
            # _errors: only a form the view has checked (never validated here, as a side effect).
            return True
    return False
