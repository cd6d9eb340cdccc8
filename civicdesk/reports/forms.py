"""The date-range form of the report pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# A century is far more than any report needs and keeps a typo like 20211 out of the database.
MAX_RANGE_DAYS = 366 * 100


class ReportRangeForm(forms.Form):
    """``from`` and ``to`` (local dates, both included). The names are the query string's, so a
    report's address is readable: ``?from=2021-10-01&to=2021-10-22``."""

    # A period that does not hold together (the end before the start) links to its start.
    error_anchors = {NON_FIELD_ERRORS: "id_from"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        date_input = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        messages = {"invalid": gettext_lazy("Enter a date as YYYY-MM-DD, e.g. 2021-10-01.")}
        self.fields["from"] = forms.DateField(
            label=gettext_lazy("From"), input_formats=["%Y-%m-%d"], widget=date_input, error_messages=messages
        )
        self.fields["to"] = forms.DateField(
            label=gettext_lazy("To"), input_formats=["%Y-%m-%d"], widget=date_input, error_messages=messages
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("from"), data.get("to")
        if isinstance(start, dt.date) and isinstance(end, dt.date):
            if end < start:
                raise forms.ValidationError(_("The end date comes before the start date."))
            if (end - start).days > MAX_RANGE_DAYS:
                raise forms.ValidationError(_("Choose a period of at most a hundred years."))
        return data
