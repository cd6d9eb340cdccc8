"""Lists and pages of cases never read the city limits or district boundaries: GeoJSON of
tens of kB each, which decoded for every row of a 1,000-case Open311 answer took seconds
(make bench found it). A case's page and every list walk the same selectors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from civicdesk.accounts.models import Role
from civicdesk.tenants.models import City

pytestmark = pytest.mark.django_db


def boundary_reads(client: Client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return [q["sql"] for q in queries.captured_queries if '"boundary"' in q["sql"] and "servicerequest" in q["sql"]]


def test_public_lists_pages_and_open311_read_no_boundary(
    client: Client, independence: City, report: Callable[..., Any]
) -> None:
    cases = [report(description=f"Sofa {n}") for n in range(3)]
    juris = independence.jurisdiction_id
    for url in (
        "/independence/",
        "/independence/requests/",
        f"/independence/requests/{cases[0].number}/",
        f"/track/{cases[0].tracking_token}/",
        f"/open311/v2/requests.json?jurisdiction_id={juris}",
        f"/open311/v2/requests/{cases[0].reference}.json?jurisdiction_id={juris}",
    ):
        assert boundary_reads(client, url) == [], url


def test_the_console_queue_and_case_page_read_no_boundary(
    client: Client, independence: City, report: Callable[..., Any], make_staff: Callable[..., Any]
) -> None:
    case = report()
    client.force_login(make_staff(independence, Role.SUPERVISOR))
    for url in ("/console/", f"/console/cases/independence/{case.number}/"):
        assert boundary_reads(client, url) == [], url
