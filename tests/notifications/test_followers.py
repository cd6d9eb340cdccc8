"""Residents who follow a case hear of public notes and the closing, never of internal
notes, never see the reporter's details, and can stop with one click."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from civicdesk.cases import services
from civicdesk.notifications.models import CaseFollower
from civicdesk.notifications.services import case_follow
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(trash):
    lat, lng = INSIDE["independence"]
    return services.case_create(
        service_type=trash,
        lat=lat,
        lng=lng,
        description="Mattress",
        reporter_name="Rita Reporter",
        reporter_email="rita@example.org",
    )


@pytest.fixture
def worker(make_staff, independence, trash):
    return make_staff(independence, "worker", department=trash.department)


def test_a_follower_hears_of_public_notes_and_the_closing_but_not_internal_notes(case, worker, outbox):
    case_follow(case=case, email="neighbour@example.org")
    services.case_add_note(case=case, actor=worker, text="Crew scheduled for Tuesday", public=True)
    services.case_add_note(case=case, actor=worker, text="Owner is a repeat offender", public=False)
    services.case_close(case=case, actor=worker, note="Removed the mattress")
    to_neighbour = [m for m in outbox() if m.to == ["neighbour@example.org"]]
    assert [("Crew scheduled" in m.body, "Removed the mattress" in m.body) for m in to_neighbour] == [
        (True, False),
        (False, True),
    ]
    for message in to_neighbour:
        assert "repeat offender" not in message.body
        assert "Rita" not in message.body and "rita@example.org" not in message.body
        assert case.tracking_token not in message.body
        assert "/unsubscribe/" in message.body


def test_following_twice_is_one_follow_and_a_bad_address_is_refused(case):
    case_follow(case=case, email="n@example.org")
    case_follow(case=case, email="N@example.org")
    assert CaseFollower.objects.filter(case=case).count() == 1
    with pytest.raises(ValidationError, match="not an email address"):
        case_follow(case=case, email="not-an-address")


def test_the_unsubscribe_link_stops_the_emails(case, worker, client, outbox):
    follow = case_follow(case=case, email="n@example.org")
    page = client.get(f"/unsubscribe/{follow.unsubscribe_token}/")
    assert page.status_code == 200 and b"Stop the emails" in page.content
    follow.refresh_from_db()
    assert follow.active, "a GET (mail scanners follow links) must not unsubscribe"
    assert client.post(f"/unsubscribe/{follow.unsubscribe_token}/").status_code == 200
    mail.outbox.clear()
    services.case_add_note(case=case, actor=worker, text="Crew scheduled", public=True)
    assert all(m.to != ["n@example.org"] for m in outbox())


def test_an_unknown_unsubscribe_link_is_not_found(client):
    assert client.get("/unsubscribe/nope/").status_code == 404
