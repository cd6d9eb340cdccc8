"""The emails residents and staff receive, read as they would read them, links followed."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from civicdesk.cases import services

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver(/\S+)")


def links_in(message) -> list[str]:
    return LINK.findall(message.body)


@pytest.fixture
def private_report(report):
    return report(
        reporter_name="Rita Q. Resident",
        reporter_email="rita.resident@example.org",
        reporter_phone="816-555-0199",
        description="Couch and mattress by the alley",
    )


def test_the_acknowledgement_links_to_a_tracking_page_without_private_details(private_report, worker, outbox, client):
    case = private_report
    services.case_add_note(case=case, actor=worker, text="Neighbour says tenant moved out", public=False)
    [ack] = [m for m in outbox() if m.to == ["rita.resident@example.org"]]
    assert case.reference in ack.subject
    assert "Dear Rita Q. Resident" in ack.body
    [link] = [link for link in links_in(ack) if "/track/" in link]
    page = client.get(link)
    assert page.status_code == 200
    html = page.content.decode()
    assert case.reference in html
    assert "New" in html  # the status
    for private in ("Rita", "rita.resident@example.org", "816-555-0199", "Neighbour says tenant moved out"):
        assert private not in html, private


def test_the_acknowledgement_html_part_carries_the_same_tracking_link(private_report, outbox):
    [ack] = [m for m in outbox() if m.to == ["rita.resident@example.org"]]
    html, mimetype = ack.alternatives[0]
    assert mimetype == "text/html"
    tracking = next(link for link in links_in(ack) if "/track/" in link)
    assert tracking in html


def test_the_tracking_page_follows_the_case_to_its_close(private_report, supervisor, outbox, client):
    case = private_report
    outbox()
    mail.outbox.clear()
    services.case_close(case=case, actor=supervisor, note="Removed by the crew on Friday")
    [closed] = [m for m in outbox() if m.to == ["rita.resident@example.org"]]
    assert "Removed by the crew on Friday" in closed.body
    [link] = [link for link in links_in(closed) if "/track/" in link]
    html = client.get(link).content.decode()
    assert "Closed" in html and "Removed by the crew on Friday" in html


def test_the_staff_email_links_to_the_console_for_that_citys_staff_only(
    report, supervisor, worker, raytown_supervisor, outbox, client
):
    case = report()
    outbox()
    mail.outbox.clear()
    services.case_assign(case=case, actor=supervisor, assignee=worker)
    [to_worker] = outbox()
    assert to_worker.to == [worker.email]
    [link] = [link for link in links_in(to_worker) if "/console/" in link]
    # Not signed in: to the sign-in page first.
    assert client.get(link).status_code == 302
    client.force_login(worker)
    page = client.get(link)
    assert page.status_code == 200
    assert case.reference in page.content.decode()
    client.force_login(raytown_supervisor)
    assert client.get(link).status_code == 404


def test_the_department_email_of_a_new_case_links_to_the_console(report, supervisor, outbox, client):
    case = report()
    [to_department] = [m for m in outbox() if m.to == ["neighborhood@independence.test"]]
    assert "/track/" not in to_department.body
    [link] = [link for link in links_in(to_department) if "/console/" in link]
    client.force_login(supervisor)
    assert client.get(link).status_code == 200
    assert case.reference in to_department.subject


def test_replies_go_to_the_city(report, independence, outbox):
    independence.email = "311@independence.test"
    independence.save()
    report()
    assert {tuple(m.reply_to) for m in outbox()} == {("311@independence.test",)}


def test_a_resident_never_receives_a_console_link(private_report, worker, supervisor, outbox):
    case = private_report
    services.case_add_note(case=case, actor=worker, text="Booked", public=True)
    services.case_close(case=case, actor=supervisor, note="Done")
    to_resident = [m for m in outbox() if m.to == ["rita.resident@example.org"]]
    assert len(to_resident) == 3
    for message in to_resident:
        assert "/console/" not in message.body
        assert all("/console/" not in alt for alt, _ in message.alternatives)
