"""A retired district ("District 1 (map until 2026-12-07)", kept with its cases) is not a
choice for anything new: the alerts form offers the current map's districts only, and a
retired one's id sent anyway is refused in words with what was typed kept. An alert that has
it already keeps it (its change form offers it, chosen) and still hears of its cases' closing.
Lists of cases already filed (the browse page, the console's case list) keep retired
districts as a filter, after the current ones, under "Retired districts"."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from civicdesk.accounts.models import Role
from civicdesk.cases import services as case_services
from civicdesk.notifications import alerts
from civicdesk.notifications import services as alert_services
from civicdesk.notifications.models import AlertOn, AreaKind, AreaSubscription
from civicdesk.tenants import services as tenant_services
from civicdesk.tenants.models import District

pytestmark = pytest.mark.django_db


def words(text: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", text).replace("&#x27;", "'").split())


def retire(district: District) -> District:
    return tenant_services.district_retire(district=district, on=tenant_services.city_today(district.city))


def select(page: str, name: str) -> str:
    """The HTML of the <select> named ``name``."""
    found = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S) or re.search(
        rf'<select id="f-{name}" name="{name}"[^>]*>(.*?)</select>', page, re.S
    )
    assert found, page
    return found.group(1)


def options(html: str) -> list[str]:
    return [words(o) for o in re.findall(r"<option[^>]*>(.*?)</option>", html, re.S)]


@pytest.fixture
def gone(spots) -> District:
    """The district of the first test point, retired today; the other stays on the map."""
    return retire(spots["a_district"])


def test_the_alerts_form_offers_the_current_districts_only(client, independence, gone, spots):
    offered = options(select(client.get("/independence/alerts/").content.decode(), "district"))
    assert offered[0] == "Choose a district" and spots["b_district"].name in offered
    assert gone.name not in offered and not any("map until" in o for o in offered)
    current = independence.districts.filter(retired_on__isnull=True).count()
    assert len(offered) == current + 1


@pytest.mark.parametrize(
    ("language", "said"),
    [
        (
            "en",
            "“{name}” is no longer on the map of Independence (retired on {day}): choose one of its current districts.",
        ),
        (
            "es",
            "“{name}” ya no está en el mapa de Independence (retirado el {day}): elija uno de sus distritos actuales.",
        ),
    ],
)
def test_a_retired_districts_id_sent_anyway_is_refused_in_words_and_what_was_typed_is_kept(
    client, trash, gone, language, said
):
    data = {
        "email": "ann@example.org",
        "on": AlertOn.BOTH,
        "area": AreaKind.DISTRICT,
        "district": gone.pk,
        "radius_m": 402,
        "service_types": [trash.pk],
    }
    response = client.post("/independence/alerts/", data, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    page = response.content.decode()
    assert said.format(name=gone.name, day=gone.retired_on.isoformat()) in words(page)
    assert 'value="ann@example.org"' in page and '<option value="both" selected>' in page
    assert re.search(r'<input type="radio" name="area" value="district"[^>]*checked', page)
    assert f'value="{trash.pk}" id="id_service_types_{trash.pk}" checked' in page
    assert not AreaSubscription.objects.exists() and mail.outbox == []


def test_the_service_refuses_a_new_alert_of_a_retired_district(independence, gone):
    with pytest.raises(Exception, match="no longer on the map") as refused:
        alert_services.subscription_create(
            email="ann@example.org", city=independence, area=AreaKind.DISTRICT, district=gone
        )
    assert "district" in refused.value.message_dict  # type: ignore[attr-defined]


@pytest.fixture
def kept(independence, trash, spots):
    """Ann's confirmed alert of the first point's district, with a case filed there, both
    before the district was retired; and the case."""
    subscription = alert_services.subscription_create(
        email="ann@example.org",
        city=independence,
        area=AreaKind.DISTRICT,
        district=spots["a_district"],
        on=AlertOn.BOTH,
    )
    alert_services.subscription_confirm(token=subscription.confirm_token)
    case = case_services.case_create(service_type=trash, lat=spots["a"][0], lng=spots["a"][1], address="1 Truman Rd")
    assert case.district == spots["a_district"]
    retire(spots["a_district"])
    subscription.refresh_from_db()
    return {"subscription": subscription, "case": case}


def test_an_alert_of_a_district_since_retired_hears_of_its_cases_closing(
    independence, kept, outbox, make_staff, trash, spots
):
    outbox()
    mail.outbox.clear()
    case = kept["case"]
    case_services.case_close(case=case, actor=make_staff(independence, Role.SUPERVISOR), note="Picked up")
    [alert] = [m for m in outbox() if m.to == ["ann@example.org"]]
    assert case.reference in alert.body and kept["subscription"].district.name in alert.body
    mail.outbox.clear()
    # New cases at that point are no longer placed in the retired district: nothing to tell of.
    new = case_services.case_create(service_type=trash, lat=spots["a"][0], lng=spots["a"][1])
    assert new.district_id != kept["subscription"].district_id
    assert [m for m in outbox() if m.to == ["ann@example.org"]] == []


def test_the_change_form_keeps_the_alerts_own_retired_district_and_offers_no_other(
    client, independence, kept, trash, spots
):
    subscription = kept["subscription"]
    other = District.objects.create(
        city=independence, name="Old Ward 9", number=None, boundary=spots["b_district"].boundary
    )
    other = retire(other)
    path = (
        re.sub(r"^https?://[^/]+", "", alerts.your_alerts_url(email="ann@example.org", city=independence))
        + f"{subscription.pk}/change/"
    )
    page = client.get(path).content.decode()
    offered = options(select(page, "district"))
    assert subscription.district.name in offered and other.name not in options(select(page, "district"))
    assert f'<option value="{subscription.district_id}" selected>' in page
    data = {"email": "ann@example.org", "on": AlertOn.BOTH, "area": AreaKind.DISTRICT, "radius_m": 402}
    # Only the types changed: the alert keeps its district.
    response = client.post(path, {**data, "district": subscription.district_id, "service_types": [trash.pk]})
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.district_id == kept["case"].district_id and list(subscription.service_types.all()) == [trash]
    # Another retired district is refused in words, and the alert stays as it was.
    response = client.post(path, {**data, "district": other.pk})
    assert response.status_code == 400
    assert f"“{other.name}” is no longer on the map of Independence" in words(response.content.decode())
    assert AreaSubscription.objects.get(pk=subscription.pk).district_id == subscription.district_id


def test_the_browse_page_filters_by_retired_districts_after_the_current_ones(client, independence, kept, spots):
    page = client.get("/independence/requests/").content.decode()
    html = select(page, "district")
    current = html.split("<optgroup")[0]
    assert spots["b_district"].name in current and "map until" not in current
    retired = re.search(r'<optgroup label="Retired districts">(.*?)</optgroup>', html, re.S)
    assert retired and options(retired.group(1)) == [kept["subscription"].district.name]
    listed = client.get(f"/independence/requests/?district={kept['case'].district_id}").content.decode()
    assert kept["case"].reference in listed and f'<option value="{kept["case"].district_id}" selected' in listed
    spanish = client.get("/independence/requests/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<optgroup label="Distritos retirados">' in spanish


def test_the_console_case_list_filters_by_retired_districts_after_the_current_ones(
    client, independence, kept, spots, make_staff
):
    client.force_login(make_staff(independence, Role.SUPERVISOR))
    page = client.get("/console/").content.decode()
    html = select(page, "district")
    current, _, rest = html.partition("<optgroup")
    assert spots["b_district"].name in current and "map until" not in current
    assert rest.startswith(' label="Retired districts">') and kept["subscription"].district.name in rest
    listed = client.get(f"/console/?queue=all&district={kept['case'].district_id}").content.decode()
    assert kept["case"].reference in listed
