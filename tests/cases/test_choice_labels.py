"""A case's choice labels (status, channel, priority) come from a table made once per process
(core.models.ChoiceLabels), and are still in the language of the moment they are shown."""

from __future__ import annotations

import pytest
from django.utils import translation

from civicdesk.cases.models import CaseEvent, Channel, EventKind, Priority, ServiceRequest, Status


def test_labels_are_the_choices_labels_in_the_language_shown() -> None:
    case = ServiceRequest(status=Status.NEW, channel=Channel.WALK_IN, priority=Priority.HIGH)
    with translation.override("en"):
        assert (case.get_status_display(), case.get_channel_display()) == ("New", "Walk-in")
        assert case.get_priority_display() == str(Priority.HIGH.label)
    with translation.override("es"):
        assert (case.get_status_display(), case.get_channel_display()) == ("Nuevo", "En persona")
    with translation.override("en"):
        assert case.get_status_display() == "New"  # the table kept the label, not its translation


@pytest.mark.parametrize("status", list(Status))
def test_every_status_shows_as_django_would_show_it(status: Status) -> None:
    assert ServiceRequest(status=status).get_status_display() == str(status.label)


def test_a_value_outside_the_choices_shows_as_itself() -> None:
    assert ServiceRequest(status="archived").get_status_display() == "archived"
    assert CaseEvent(kind=EventKind.CREATED).get_kind_display() == str(EventKind.CREATED.label)
