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
- ``{% change_form_error_summary %}`` gives Django's generic admin change pages the same
  summary (templates/admin/change_form.html), with their inline formsets' mistakes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
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


class SignInMistakes:
    """For a sign-in form (Django's ``AuthenticationForm`` and its kin): "wrong username or
    password" is a mistake of the whole form, so the summary links it to the username
    (``error_anchors``) and both boxes are marked invalid and described by it (``mistake_id``:
    what the page writes it in), as a field's own mistake is. A form sent back gives the focus
    to the summary, not to the username box."""

    error_anchors = {NON_FIELD_ERRORS: "id_username"}
    mistake_id = "login-error"
    fields: dict[str, forms.Field]
    errors: Any

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()  # type: ignore[misc,no-any-return]
        except ValidationError:
            for name in ("username", "password"):
                self.fields[name].widget.attrs.update({"aria-invalid": "true", "aria-describedby": self.mistake_id})
            raise

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        if self.errors:
            self.fields["username"].widget.attrs.pop("autofocus", None)


def _first_box(form: forms.BaseForm) -> str:
    for field in form:
        if not field.is_hidden and field.id_for_label:
            return str(field.id_for_label)
    return ""


def change_form_error_items(
    form: forms.BaseForm, inlines: Sequence[tuple[str, forms.BaseFormSet]] = ()
) -> list[tuple[str, str]]:
    """(anchor, message) for each mistake of an admin change page: the main form's, then each
    inline formset's, in the page's order. A mistake of a whole form, which Django writes
    above its boxes, links to the form's first box (or what the form names in
    ``error_anchors["__all__"]``); a mistake of a whole formset ("please correct the
    duplicate data") to its first form's first box, or the group when it has no form. An
    inline form's mistakes say which form they are in ("Attribute 2: Name: ...")."""
    whole = getattr(form, "error_anchors", {}).get(NON_FIELD_ERRORS) or _first_box(form)
    items = [(anchor or whole, message) for anchor, message in error_items(form)[: len(form.non_field_errors())]]
    items += error_items(form)[len(form.non_field_errors()) :]
    for title, formset in inlines:
        group = _first_box(formset.forms[0]) if formset.forms else f"{formset.prefix}-group"
        items += [(group, str(message)) for message in formset.non_form_errors()]
        for number, inline in enumerate(formset.forms, start=1):
            if not inline.errors:
                continue
            box = getattr(inline, "error_anchors", {}).get(NON_FIELD_ERRORS) or _first_box(inline)
            wholes = len(inline.non_field_errors())
            for index, (anchor, message) in enumerate(error_items(inline)):
                items.append((anchor or (box if index < wholes else ""), f"{title} {number}: {message}"))
    return items


def refused(values: Iterable[Any]) -> bool:
    """Whether any of ``values`` (a page's context) is a form that was checked and refused."""
    for value in values:
        if isinstance(value, forms.BaseForm) and value.is_bound and getattr(value, "_errors", None):
            # _errors: only a form the view has checked (never validated here, as a side effect).
            return True
    return False
