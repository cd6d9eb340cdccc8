"""``{{ event.changes|shown_changes }}``: a timeline event's changes as people read them
(cases/changes.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

from civicdesk.cases.changes import ShownChange
from civicdesk.cases.changes import shown_changes as _shown_changes

register = template.Library()


@register.filter
def shown_changes(changes: Mapping[str, Any] | None) -> list[ShownChange]:
    return _shown_changes(changes)
