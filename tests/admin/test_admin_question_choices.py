"""A question's choices in the admin: typed one a line ("key: Name" or just a name), shown the
same way, stored as Open311's JSON list of {key, name}; mistakes explained with an example."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from civicdesk.catalog.models import ServiceAttribute, ServiceType

pytestmark = pytest.mark.django_db


def type_with_question(department_id: int, choices: str, datatype: str = "singlevaluelist") -> dict[str, object]:
    return {
        "name": "Bulky item",
        "code": "bulky-item",
        "department": department_id,
        "target_days": "5",
        "sort_order": "0",
        "active": "on",
        "attributes-TOTAL_FORMS": "1",
        "attributes-INITIAL_FORMS": "0",
        "attributes-MIN_NUM_FORMS": "0",
        "attributes-MAX_NUM_FORMS": "1000",
        "attributes-0-order": "1",
        "attributes-0-code": "item",
        "attributes-0-question": "What is it?",
        "attributes-0-datatype": datatype,
        "attributes-0-variable": "on",
        "attributes-0-values": choices,
    }


def test_an_administrator_types_one_choice_a_line_with_or_without_a_key(login, city_admin, make_department):
    dept = make_department(city_admin.city)
    typed = "sofa: Sofa or chair\r\n\r\nMattress or box spring\r\nwhite-goods:  Fridge, washer or dryer \r\n"
    response = login(city_admin).post(reverse("admin:catalog_servicetype_add"), type_with_question(dept.pk, typed))
    assert response.status_code == 302
    question = ServiceAttribute.objects.get(service_type__code="bulky-item")
    assert question.values == [
        {"key": "sofa", "name": "Sofa or chair"},
        {"key": "mattress-or-box-spring", "name": "Mattress or box spring"},
        {"key": "white-goods", "name": "Fridge, washer or dryer"},
    ]


def _choices_box(html: str, prefix: str = "attributes-0") -> str:
    found = re.search(rf'<textarea name="{prefix}-values"[^>]*>(.*?)</textarea>', html, re.S)
    assert found, "no choices box on the page"
    return unescape(found.group(1)).strip()


def _page_data(html: str) -> dict[str, str]:
    """What the browser would send back from the change page, unchanged."""
    data: dict[str, str] = {}
    for name, value in re.findall(r'<input type="(?:text|number|hidden)" name="([^"]+)" value="([^"]*)"', html):
        data[name] = unescape(value)
    for name in re.findall(r'<input type="checkbox" name="([^"]+)"[^>]*checked', html):
        data[name] = "on"
    for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        data[name] = unescape(chosen.group(1)) if chosen else ""
    for name, body in re.findall(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = unescape(body).removeprefix("\n")
    return data


def test_existing_choices_show_one_a_line_and_saving_the_page_keeps_them(login, city_admin, make_service_type):
    service_type = make_service_type(city_admin.city, "stray", name="Stray animal")
    stored = [
        {"key": "dog", "name": "Dog"},
        {"key": "cat", "name": "Cat: or kitten"},
        {"key": "other_1", "name": "Other"},
    ]
    ServiceAttribute.objects.create(
        service_type=service_type, code="kind", question="What kind?", datatype="singlevaluelist", values=stored
    )
    client = login(city_admin)
    url = reverse("admin:catalog_servicetype_change", args=[service_type.pk])
    page = client.get(url).content.decode()
    assert _choices_box(page) == "dog: Dog\ncat: Cat: or kitten\nother_1: Other"

    data = _page_data(page)
    data["_save"] = "Save"
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert ServiceAttribute.objects.get(service_type=service_type).values == stored


def test_choices_lines_cannot_carry_are_shown_and_kept_as_json(login, city_admin, make_service_type):
    service_type = make_service_type(city_admin.city, "stray", name="Stray animal")
    stored = [{"key": "large dog", "name": "Large dog"}]
    ServiceAttribute.objects.create(
        service_type=service_type, code="kind", question="What kind?", datatype="singlevaluelist", values=stored
    )
    client = login(city_admin)
    url = reverse("admin:catalog_servicetype_change", args=[service_type.pk])
    page = client.get(url).content.decode()
    assert _choices_box(page) == '[{"key": "large dog", "name": "Large dog"}]'
    data = _page_data(page)
    data["_save"] = "Save"
    assert client.post(url, data).status_code == 302
    assert ServiceAttribute.objects.get(service_type=service_type).values == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("sofa, mattress", "“sofa, mattress” is a single choice. Write each choice on a line of its own, e.g. “sofa”"),
        (
            "big sofa: Big sofa",
            "Line 1: a key is one word (letters, digits, “-” or “_”), and “big sofa” is not. "
            "Write e.g. “big-sofa: Big sofa”, or just the name, “Big sofa”.",
        ),
        ("sofa: Sofa\nchair:", "Line 2, “chair:”: write the name residents see after the colon, e.g. “chair: Chair”."),
        ("Dog\ndog", "Two choices have the key “dog”. Give each its own key before a colon"),
        ("", "A question answered from a list needs at least one choice."),
    ],
)
def test_badly_typed_choices_are_explained_with_an_example(login, city_admin, make_department, typed, message):
    dept = make_department(city_admin.city)
    response = login(city_admin).post(reverse("admin:catalog_servicetype_add"), type_with_question(dept.pk, typed))
    assert response.status_code == 200
    errors = " ".join(response.context["inline_admin_formsets"][0].formset.errors[0]["values"])
    assert message in errors
    assert "JSON" not in errors
    # What was typed stays in the box to be corrected.
    assert _choices_box(response.content.decode()) == typed.strip()
    assert not ServiceType.objects.filter(code="bulky-item").exists()


def test_a_question_that_is_not_a_list_has_no_choices(login, city_admin, make_department):
    dept = make_department(city_admin.city)
    response = login(city_admin).post(
        reverse("admin:catalog_servicetype_add"), type_with_question(dept.pk, "yes: Yes", datatype="string")
    )
    errors = " ".join(response.context["inline_admin_formsets"][0].formset.errors[0]["values"])
    assert "Only “One choice” and “Several choices” questions have choices" in errors


def test_an_administrator_gives_the_spanish_of_a_question_and_of_its_choices(login, city_admin, make_department):
    """The Spanish question has a box of its own; a choice's Spanish name follows a bar. The
    page shows them the same way, and a Spanish-speaking resident reads them."""
    dept = make_department(city_admin.city)
    data = type_with_question(dept.pk, "sofa: Sofa or chair | Sofá o silla\r\nMattress | Colchón\r\nOther\r\n")
    data["group"] = "Trash and recycling"
    data["group_es"] = "Basura y reciclaje"
    data["attributes-0-question_es"] = "¿Qué es?"
    client = login(city_admin)
    assert client.post(reverse("admin:catalog_servicetype_add"), data).status_code == 302
    question = ServiceAttribute.objects.get(service_type__code="bulky-item")
    assert question.question_es == "¿Qué es?"
    assert question.values == [
        {"key": "sofa", "name": "Sofa or chair", "name_es": "Sofá o silla"},
        {"key": "mattress", "name": "Mattress", "name_es": "Colchón"},
        {"key": "other", "name": "Other"},
    ]
    assert question.local_choices("es") == [("sofa", "Sofá o silla"), ("mattress", "Colchón"), ("other", "Other")]
    assert question.service_type.local_group("es") == "Basura y reciclaje"
    page = client.get(reverse("admin:catalog_servicetype_change", args=[question.service_type.pk])).content.decode()
    assert _choices_box(page) == "sofa: Sofa or chair | Sofá o silla\nmattress: Mattress | Colchón\nother: Other"
