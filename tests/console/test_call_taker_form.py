"""The call taker's console: what it opens on and the types the new-case form offers."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse

from civicdesk.cases.models import ServiceRequest
from tests.console.test_new_case_duplicates_bulk import NEW, caller_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def triage(independence, make_service_type):
    """Email intake's triage type, as the catalogue ships it (no department)."""
    return make_service_type(
        independence, settings.INTAKE_TRIAGE_SERVICE_CODE, name="Needs triage", group="General", department=None
    )


@pytest.fixture
def other(independence, make_service_type):
    return make_service_type(independence, "other", name="Other / not sure", group="General", department=None)


# --- where the console opens ---------------------------------------------------------------


def test_a_call_taker_signing_in_lands_on_the_new_case_form(client, call_taker, supervisor):
    signed = client.post(
        reverse("console:login") + "?next=/console/",
        {"username": call_taker.username, "password": "a-long-test-password"},
    )
    assert signed.status_code == 302 and signed["Location"] == NEW
    client.logout()
    plain = client.post(reverse("console:login"), {"username": call_taker.username, "password": "a-long-test-password"})
    assert plain["Location"] == NEW
    client.logout()
    # Another page asked for is where they go; a supervisor starts at the case list.
    overdue = client.post(
        reverse("console:login") + "?next=/console/overdue/",
        {"username": call_taker.username, "password": "a-long-test-password"},
    )
    assert overdue["Location"] == "/console/overdue/"
    client.logout()
    boss = client.post(reverse("console:login"), {"username": supervisor.username, "password": "a-long-test-password"})
    assert boss["Location"] == reverse("console:home")


def test_a_call_takers_case_list_opens_on_every_case_of_the_city_not_an_empty_mine(
    signed_in, call_taker, supervisor, report
):
    case = report()
    page = signed_in(call_taker).get(reverse("console:home"))
    body = page.content.decode()
    assert re.search(r'href="\?queue=all" aria-current="page"', body), "All of my city is the queue shown"
    assert case.reference in body
    # The search box keeps that queue, and "Mine" is still a click away.
    assert 'name="queue" value="all"' in body
    assert 'href="?queue=mine"' in body
    searched = signed_in(call_taker).get(reverse("console:home"), {"q": case.reference})
    assert case.reference in searched.content.decode()
    # Staff who are given cases still start at their own.
    theirs = signed_in(supervisor).get(reverse("console:home")).content.decode()
    assert re.search(r'href="\?queue=mine" aria-current="page"', theirs)


# --- the types offered -----------------------------------------------------------------------


def test_the_new_case_form_offers_no_triage_type_but_keeps_other_not_sure(
    signed_in, call_taker, pothole, triage, other
):
    client = signed_in(call_taker)
    body = client.get(NEW).content.decode()
    assert f'<option value="{pothole.pk}">Pothole</option>' in body
    assert f'<option value="{other.pk}">Other / not sure</option>' in body
    assert "Needs triage" not in body
    refused = client.post(NEW, caller_form(triage))
    assert refused.status_code == 400 and not ServiceRequest.objects.exists()
    # The case list still filters by it: staff find what email intake left there.
    listed = client.get(reverse("console:home")).content.decode()
    assert f'<option value="{triage.pk}">Needs triage</option>' in listed
