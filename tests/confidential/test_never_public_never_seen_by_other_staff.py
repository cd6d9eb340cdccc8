"""A confidential case is absent from every public surface (portal pages, nearby reports,
Open311, the service request report's exports, feeds, alert emails) and from every staff
read except an investigator's of the same city; investigators see only such cases."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from civicdesk.accounts.models import Role
from civicdesk.cases import selectors, services
from civicdesk.cases.permissions import Action, can
from civicdesk.console import selectors as console_selectors
from civicdesk.notifications import services as alert_services
from civicdesk.notifications.models import AreaKind
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

SECRET = "bills for hours never worked"


@pytest.fixture
def both(tip, trash):
    lat, lng = INSIDE["independence"]
    ordinary = services.case_create(
        service_type=trash, lat=lat, lng=lng, address="223 N Memorial Dr", description="Sofa on the curb"
    )
    return {"secret": tip(), "ordinary": ordinary}


def test_portal_pages_never_show_a_confidential_case(client, both, hotline):
    secret, ordinary = both["secret"], both["ordinary"]
    for url in ("/independence/", "/independence/requests/", f"/independence/requests/?type={hotline.code}"):
        html = client.get(url).content.decode()
        assert SECRET not in html and hotline.name not in html and f">{secret.reference}<" not in html
    assert ordinary.reference in client.get("/independence/requests/").content.decode()
    assert client.get(f"/independence/requests/{secret.number}/").status_code == 404
    assert (
        client.post(f"/independence/requests/{secret.number}/follow/", {"follow_email": "a@b.org"}).status_code == 404
    )


def test_nearby_duplicates_never_offer_a_confidential_case(client, both, hotline):
    lat, lng = INSIDE["independence"]
    html = client.get("/report/nearby/", {"service_type": hotline.pk, "lat": lat, "lng": lng}).content.decode()
    assert both["secret"].reference not in html and SECRET not in html


def test_open311_neither_lists_nor_returns_a_confidential_case(client, both, independence, hotline):
    juris = {"jurisdiction_id": independence.jurisdiction_id}
    services_json = client.get("/open311/v2/services.json", juris).json()
    assert hotline.code not in {s["service_code"] for s in services_json}
    listed = client.get("/open311/v2/requests.json", juris).json()
    ids = {r["service_request_id"] for r in listed}
    assert both["ordinary"].reference in ids and both["secret"].reference not in ids
    assert client.get(f"/open311/v2/requests/{both['secret'].reference}.json", juris).status_code == 404
    xml = client.get("/open311/v2/requests.xml", juris).content.decode()
    assert both["secret"].reference not in xml and SECRET not in xml


def test_the_service_request_report_counts_confidential_reports_without_detail(client, both, hotline):
    day = both["secret"].opened_at.astimezone(both["secret"].city.tz).date().isoformat()
    query = {"from": day, "to": day}
    data = client.get("/independence/reports/service-requests.csv", query)
    assert data.status_code == 200
    rows = list(csv.reader(io.StringIO(data.content.decode())))
    text = repr(rows)
    assert hotline.name not in text and SECRET not in text
    assert ["1", "Confidential reports", "1"] in rows
    assert ["Total new requests", "2"] in rows
    page = client.get("/independence/reports/service-requests/", query).content.decode()
    assert hotline.name not in page and "Confidential reports" in page
    pdf = client.get("/independence/reports/service-requests.pdf", query)
    assert pdf.status_code == 200 and hotline.name.encode() not in pdf.content


def test_feeds_never_carry_a_confidential_case(client, both, hotline):
    for url in ("/independence/feeds/new.atom", "/independence/feeds/new.rss"):
        body = client.get(url).content.decode()
        ET.fromstring(body)  # noqa: S314 - our own feed
        assert both["ordinary"].reference in body
        assert both["secret"].reference not in body and SECRET not in body and hotline.name not in body
    assert client.get(f"/independence/feeds/new.atom?type={hotline.code}").status_code == 400


def test_no_area_alert_is_ever_written_for_a_confidential_case(independence, tip, outbox):
    subscription = alert_services.subscription_create(
        email="watcher@example.org", city=independence, area=AreaKind.CITY
    )
    alert_services.subscription_confirm(token=subscription.confirm_token)
    outbox()
    from django.core import mail

    mail.outbox.clear()
    tip(reporter_email="")
    assert [m.to for m in outbox()] == [["fraud-unit@independence.test"]]


def test_only_investigators_of_the_city_read_confidential_cases(both, investigator, make_staff, independence, raytown):
    secret, ordinary = both["secret"], both["ordinary"]
    for role in (Role.CALL_TAKER, Role.WORKER, Role.SUPERVISOR, Role.CITY_ADMIN):
        user = make_staff(independence, role)
        assert list(selectors.case_list_for_staff(user=user)) == [ordinary]
        assert not can(user, Action.VIEW, secret)
        assert all(not t.is_confidential for t in console_selectors.service_types_for_staff(user=user))
    assert list(selectors.case_list_for_staff(user=investigator)) == [secret]
    assert can(investigator, Action.CLOSE, secret) and not can(investigator, Action.VIEW, ordinary)
    elsewhere = make_staff(raytown, Role.INVESTIGATOR)
    assert not selectors.case_list_for_staff(user=elsewhere).exists()
    assert list(console_selectors.assignable_staff(user=investigator)) == [investigator]


def test_an_investigator_works_the_case_and_others_may_not_be_given_it(both, investigator, make_staff, independence):
    from django.core.exceptions import ValidationError

    secret = services.case_assign(case=both["secret"], actor=investigator, assignee=investigator)
    assert secret.assignee == investigator
    colleague = make_staff(independence, Role.INVESTIGATOR)
    secret = services.case_assign(case=secret, actor=investigator, assignee=colleague)
    supervisor = make_staff(independence, Role.SUPERVISOR)
    with pytest.raises(ValidationError):
        services.case_assign(case=secret, actor=investigator, assignee=supervisor)
    services.case_close(case=secret, actor=investigator, note="Referred to the prosecutor")


def test_the_console_hides_confidential_cases_from_other_staff(both, investigator, make_staff, independence):
    secret = both["secret"]
    url = f"/console/cases/independence/{secret.number}/"
    client = Client()
    client.force_login(make_staff(independence, Role.CITY_ADMIN))
    assert client.get(url).status_code == 404
    listing = client.get("/console/", {"queue": "all"}).content.decode()
    assert SECRET not in listing and both["ordinary"].address in listing
    client.force_login(investigator)
    assert client.get(url).status_code == 200
    assert secret.address in client.get("/console/", {"queue": "all"}).content.decode()


def test_the_admin_shows_confidential_cases_to_investigators_only(both, investigator, make_staff, independence):
    secret = both["secret"]
    city_admin = make_staff(independence, Role.CITY_ADMIN, is_staff=True)
    client = Client()
    client.force_login(city_admin)
    assert client.get(f"/admin/cases/servicerequest/{secret.pk}/change/").status_code == 404
    assert secret.reference not in client.get("/admin/cases/servicerequest/").content.decode()
    assert SECRET not in client.get("/admin/cases/caseevent/").content.decode()
    client.force_login(investigator)
    assert client.get(f"/admin/cases/servicerequest/{secret.pk}/change/").status_code == 200
