"""The alerts page's problem types: one group of checkboxes per catalogue group (a fieldset
and its legend), groups in alphabetical order with the types of no group last, and the types
of each group by name, in the page's language (Spanish names in Spanish order)."""

from __future__ import annotations

import re

import pytest

from civicdesk.notifications.models import AlertOn, AreaKind, AreaSubscription

pytestmark = pytest.mark.django_db


def _groups(html: str) -> list[tuple[str, list[str]]]:
    """Each group of the problems' checkboxes as the page shows it: its legend and labels
    (their words, whether or not they are marked with the language they are written in)."""
    html = re.sub(r'<span lang="[a-z-]+">([^<]*)</span>', r"\1", html)
    problems = re.search(r"<div class=\"type-groups\">(.*)</div></fieldset>", html, re.S)
    assert problems, "no groups of problem types on the page"
    return [
        (legend, re.findall(r'<label for="id_service_types_\d+">([^<]*)</label>', body))
        for legend, body in re.findall(r"<fieldset[^>]*>\s*<legend>([^<]*)</legend>(.*?)</fieldset>", problems[1], re.S)
    ]


@pytest.fixture
def alert_types(independence, make_service_type):
    """Types given out of order (sort_order says otherwise), in three groups and none."""
    made = {}
    for code, name, name_es, group, order in [
        ("trash", "Trash/Rubbish", "Basura", "Code enforcement", 1),
        ("weeds", "Tall grass and weeds", "Hierba alta", "Code enforcement", 2),
        ("abandoned", "Abandoned vehicle", "Vehículo abandonado", "Code enforcement", 3),
        ("sign", "Street sign damaged", "Señal de tráfico dañada", "Streets", 1),
        ("pothole", "Pothole", "Bache", "Streets", 2),
        ("tree", "Tree down", "Árbol caído", "Streets", 3),
        ("path", "Trail damaged", "Senda del parque dañada", "Parks", 1),
        ("other", "Compliment or complaint", "", "", 1),
    ]:
        made[code] = make_service_type(independence, code, name=name, name_es=name_es, group=group, sort_order=order)
    return made


def test_the_problems_are_grouped_and_sorted_by_name_in_english(client, alert_types):
    html = client.get("/independence/alerts/").content.decode()
    assert _groups(html) == [
        ("Code enforcement", ["Abandoned vehicle", "Tall grass and weeds", "Trash/Rubbish"]),
        ("Parks", ["Trail damaged"]),
        ("Streets", ["Pothole", "Street sign damaged", "Tree down"]),
        ("Other", ["Compliment or complaint"]),
    ]
    # One question for all of them, and each group a fieldset of its own inside it.
    assert "Problems (none checked: every problem)" in html


def test_in_spanish_the_problems_have_their_spanish_names_in_spanish_order(client, alert_types):
    """ "Árbol" before "Bache" (an accent is no later letter), "Senda" before "Señal" (ñ is a
    letter after n), and a type with no Spanish name by its English one."""
    html = client.get("/independence/alerts/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    groups = dict(_groups(html))
    assert groups["Streets"] == ["Árbol caído", "Bache", "Señal de tráfico dañada"]
    assert groups["Code enforcement"] == ["Basura", "Hierba alta", "Vehículo abandonado"]
    assert groups["Otros"] == ["Compliment or complaint"]


def test_the_checked_types_are_kept_when_the_form_comes_back_and_are_subscribed(client, alert_types):
    chosen = [alert_types["tree"].pk, alert_types["trash"].pk]
    data = {"on": AlertOn.NEW, "area": AreaKind.CITY, "radius_m": 500, "service_types": chosen}
    again = client.post("/independence/alerts/", {**data, "email": "not an email"})
    assert again.status_code == 400
    checked = re.findall(
        r'<input type="checkbox" name="service_types" value="(\d+)"[^>]*checked', again.content.decode()
    )
    assert sorted(map(int, checked)) == sorted(chosen)
    assert client.post("/independence/alerts/", {**data, "email": "ann@example.org"}).status_code == 200
    subscription = AreaSubscription.objects.get(email="ann@example.org")
    assert sorted(subscription.service_types.values_list("pk", flat=True)) == sorted(chosen)


def test_a_group_given_in_spanish_on_some_of_its_types_only_is_one_group_as_on_the_report_form(
    client, independence, make_service_type
):
    """Streets' types, "Calles" on one of them and no Spanish group on the others: in Spanish
    the alerts page shows one "Calles" group with all three, as the report form does (one
    rule, ``portal.selectors.grouped``), not "Calles" and "Streets" apart."""
    for code, name, group_es in [
        ("pothole", "Pothole", ""),
        ("sign", "Street sign damaged", "Calles"),
        ("tree", "Tree down", ""),
    ]:
        make_service_type(independence, code, name=name, group="Streets", group_es=group_es)
    alerts = client.get("/independence/alerts/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert _groups(alerts) == [("Calles", ["Pothole", "Street sign damaged", "Tree down"])]
    report = client.get("/independence/report/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert re.findall(r"<optgroup label=\"([^\"]*)\"", report) == ["Calles"]
