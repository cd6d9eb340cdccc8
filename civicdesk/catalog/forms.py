"""Form fields for a service type's questions (Open311 attributes), shared by every form
that takes a report: the resident's portal and the staff console ask them the same way.

The fields only check the shape of an answer; ``catalog.attributes.clean_attributes``
(called by ``case_create``) decides what a question accepts.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from civicdesk.catalog.models import Datatype, ServiceAttribute
from civicdesk.core.written import WrittenCheckboxes, WrittenSelect, written

# Question fields are named after the attribute's code, apart from the form's own fields.
ATTRIBUTE_PREFIX = "attr_"


def attribute_field(attribute: ServiceAttribute) -> forms.Field:
    """The form field for one of a type's questions, by its Open311 datatype: the question and
    its choices in the page's language where the city gave a Spanish version, else as written
    (``Written``: a Spanish page marks them ``lang="en"``)."""
    language = translation.get_language() or ""
    choices = attribute.local_choices(language)
    common: dict[str, Any] = {"label": attribute.local_question(language), "required": attribute.required}
    if attribute.description:
        common["help_text"] = written(attribute.description, "", language)
    if attribute.datatype == Datatype.SINGLEVALUELIST:
        return forms.ChoiceField(choices=[("", _("Choose…")), *choices], widget=WrittenSelect, **common)
    if attribute.datatype == Datatype.MULTIVALUELIST:
        return forms.MultipleChoiceField(choices=choices, widget=WrittenCheckboxes, **common)
    if attribute.datatype == Datatype.NUMBER:
        return forms.CharField(widget=forms.NumberInput(attrs={"step": "any"}), **common)
    if attribute.datatype == Datatype.DATETIME:
        return forms.CharField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), **common)
    if attribute.datatype == Datatype.TEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **common)
    return forms.CharField(max_length=500, **common)


def attribute_answers(cleaned_data: dict[str, Any]) -> dict[str, Any]:
    """The answers given, keyed by attribute code (unanswered questions left out)."""
    return {
        name.removeprefix(ATTRIBUTE_PREFIX): value
        for name, value in cleaned_data.items()
        if name.startswith(ATTRIBUTE_PREFIX) and value not in ("", [], None)
    }
