"""A case event's ``changes`` (field code → [before, after], as cases.services and
cases.transfers write them) as a person reads them in the console's timeline: each field by
its name, a status, resolution, priority or address source by its label, a due date as a day
of the page's time zone. The stored codes stay as they are: exports and the audit read them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils import dateformat, timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from civicdesk.cases.models import AddressSource, Priority, Resolution, Status

FIELDS = {
    "service_type": _("Type"),
    "department": _("Department"),
    "district": _("District"),
    "entered_from_city": _("Entered from"),
    "assignee": _("Assignee"),
    "status": _("Status"),
    "priority": _("Priority"),
    "due_at": _("Due"),
    "resolution": _("Resolution"),
    "point": _("Map point"),
    "address": _("Address"),
    "address_source": _("How the address was found"),
    "city": _("City"),
    "reference": _("Reference"),
}
CHOICES: dict[str, type[models.TextChoices]] = {
    "status": Status,
    "resolution": Resolution,
    "priority": Priority,
    "address_source": AddressSource,
}
DATES = {"due_at"}
# Stored as the city typed them (a type's, a department's, a district's name): on a page in
# another language they are marked as the city's (``as_written``, WCAG 3.1.2).
CITY_WORDS = {"service_type", "department", "district"}
# Shown by the event itself (the photo under a "Photo added"), not as a line of changes.
HIDDEN = {"photo"}


@dataclass(frozen=True)
class ShownChange:
    field: str  # the stored code, for the page's markup and tests
    label: str
    before: str  # "" for none
    after: str

    @property
    def city_words(self) -> bool:
        """Whether the values are the city's own words (``CITY_WORDS``)."""
        return self.field in CITY_WORDS


def shown_changes(changes: Mapping[str, Any] | None) -> list[ShownChange]:
    """The lines of ``changes`` to show, in the order they were written: not a field that
    stayed as it was (an assignment records the department even when it does not move)."""
    return [
        ShownChange(
            field,
            str(FIELDS.get(field) or capfirst(field.replace("_", " "))),
            _value(field, pair[0]),
            _value(field, pair[1]),
        )
        for field, pair in (changes or {}).items()
        if field not in HIDDEN and isinstance(pair, list | tuple) and len(pair) == 2 and pair[0] != pair[1]
    ]


def _value(field: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    text = str(value)
    choices = CHOICES.get(field)
    if choices is not None:
        # A value no longer among the choices reads as stored, rather than not at all.
        return str(choices(text).label) if text in choices.values else text
    if field in DATES:
        return moment_words(text, gettext("N j, Y")) or text
    return text


def moment_words(text: str, form: str) -> str | None:
    """A stored ISO date and time (``text``) in Django's date format ``form``, in the page's
    time zone when it has an offset (as written), else as it is; None when it is not one."""
    moment = parse_datetime(text)
    if moment is None:
        return None
    return dateformat.format(timezone.localtime(moment) if timezone.is_aware(moment) else moment, form)
