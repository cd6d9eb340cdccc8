"""Django's generic admin pages tell a mistake as every form of the site does
(templates/admin/change_form.html, templates/admin/login.html): one summary at the top with
each mistake, the inline questions' and the whole form's too, linked to its box; the boxes
aria-invalid and described by an element that holds their message; "Error: " in the title;
Django's own "Please correct the errors below" and autofocus give way. The admin's own pages
(the districts import, the city's setup) keep their one summary."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.test import Client

from civicdesk.accounts.models import User
from civicdesk.catalog.models import ServiceType


def _summary_links(body: str) -> list[tuple[str, str]]:
    summaries = re.findall(r'<div class="error-summary"[^>]*data-error-summary>(.*?)</div>', body, re.S)
    assert len(summaries) == 1, summaries
    return re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summaries[0])


def _box(body: str, box_id: str) -> str:
    found = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{box_id}"[^>]*>', body)
    assert found, box_id
    return found.group(0)


def _described_by_its_message(body: str, box_id: str, says: str) -> None:
    box = _box(body, box_id)
    assert 'aria-invalid="true"' in box, box
    described = re.search(r'aria-describedby="([^"]+)"', box)
    assert described, box
    texts = []
    for element_id in described.group(1).split():
        element = re.search(rf'<(\w+)[^>]*\bid="{element_id}"[^>]*>(.*?)</\1>', body, re.S)
        assert element, element_id
        texts.append(re.sub(r"<[^>]+>", " ", element.group(2)))
    assert any(says in text for text in texts), texts


def _type_post(trash: ServiceType, **changes: str) -> dict[str, str]:
    data = {
        "name": trash.name,
        "name_es": "",
        "group": "",
        "group_es": "",
        "description": "",
        "keywords": "",
        "department": str(trash.department_id),
        "target_days": "5",
        "sort_order": "0",
        "active": "on",
        "attributes-TOTAL_FORMS": "1",
        "attributes-INITIAL_FORMS": "0",
        "attributes-MIN_NUM_FORMS": "0",
        "attributes-MAX_NUM_FORMS": "1000",
        "attributes-0-order": "1",
        "attributes-0-code": "size",
        "attributes-0-question": "How big is it?",
        "attributes-0-datatype": "string",
        "attributes-0-required": "",
        "attributes-0-variable": "on",
        "attributes-0-values": "",
        "attributes-0-description": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != "" or not key.endswith("required")}


def test_a_type_saved_with_mistakes_lists_each_linked_to_its_box_the_inline_questions_too(
    login: Callable[[User], Client], city_admin: User, trash: ServiceType
) -> None:
    url = f"/admin/catalog/servicetype/{trash.pk}/change/"
    response = login(city_admin).post(url, _type_post(trash, name="", **{"attributes-0-question": ""}))
    assert response.status_code == 200
    body = response.content.decode()
    links = dict(_summary_links(body))
    assert links["id_name"].endswith("This field is required.")
    # The inline question says which question it is, and goes to its box.
    assert re.match(r"Question 1: .*This field is required\.", links["id_attributes-0-question"])
    _described_by_its_message(body, "id_name", "This field is required.")
    _described_by_its_message(body, "id_attributes-0-question", "This field is required.")
    assert re.search(r"<title>Error: ", body)
    # Django's note gives way to the summary (hidden), and the page does not focus its first box.
    assert 'data-model-name="servicetype"' not in body
    assert "admin_forms.js" in body
    # What was typed is kept.
    assert 'value="size"' in _box(body, "id_attributes-0-code")
    ServiceType.objects.get(pk=trash.pk, name=trash.name)  # nothing saved


def test_a_mistake_of_the_whole_inline_set_links_to_its_first_question(
    login: Callable[[User], Client], city_admin: User, trash: ServiceType
) -> None:
    url = f"/admin/catalog/servicetype/{trash.pk}/change/"
    twice = _type_post(
        trash,
        **{
            "attributes-TOTAL_FORMS": "2",
            "attributes-1-order": "2",
            "attributes-1-code": "size",
            "attributes-1-question": "How big, again?",
            "attributes-1-datatype": "string",
            "attributes-1-variable": "on",
            "attributes-1-values": "",
            "attributes-1-description": "",
        },
    )
    body = login(city_admin).post(url, twice).content.decode()
    links = _summary_links(body)
    assert links, body
    assert all(anchor.startswith("id_attributes-") for anchor, _ in links), links
    assert any("size" in text or "duplicate" in text.lower() or "already" in text.lower() for _, text in links), links
    assert re.search(r"<title>Error: ", body)


def test_a_page_without_mistakes_has_no_summary_and_keeps_djangos_focus(
    login: Callable[[User], Client], city_admin: User
) -> None:
    body = login(city_admin).get("/admin/catalog/servicetype/add/").content.decode()
    assert "data-error-summary" not in body
    assert 'data-model-name="servicetype"' in body
    assert "<title>Error: " not in body


def test_the_districts_import_keeps_its_one_summary(login: Callable[[User], Client], city_admin: User) -> None:
    body = login(city_admin).post("/admin/tenants/district/import/", {"name_property": ""}).content.decode()
    assert body.count("data-error-summary") == 1
    assert dict(_summary_links(body))


def test_a_wrong_password_on_the_admin_sign_in_is_in_the_summary_linked_to_the_username(
    client: Client, city_admin: User
) -> None:
    response = client.post("/admin/login/?next=/admin/", {"username": "ind-admin", "password": "nope"})
    assert response.status_code == 200
    body = response.content.decode()
    links = _summary_links(body)
    assert [anchor for anchor, _ in links] == ["id_username"]
    assert "Please enter the correct username and password" in links[0][1]
    for box in ("id_username", "id_password"):
        _described_by_its_message(body, box, "Please enter the correct username and password")
    assert "autofocus" not in _box(body, "id_username")
    assert 'value="ind-admin"' in _box(body, "id_username")
    assert re.search(r"<title>Error: ", body)


def test_an_empty_admin_sign_in_links_each_box_to_its_message(client: Client, db: Any) -> None:
    body = client.post("/admin/login/", {"username": "", "password": ""}).content.decode()
    assert [anchor for anchor, _ in _summary_links(body)] == ["id_username", "id_password"]
    _described_by_its_message(body, "id_password", "This field is required.")


def test_the_admin_sign_in_in_spanish(client: Client, city_admin: User) -> None:
    body = client.post(
        "/admin/login/", {"username": "ind-admin", "password": "nope"}, HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    assert "No ha iniciado sesión. Por favor, revise:" in body
    assert re.search(r"<title>Error: ", body)


def test_setting_a_password_that_does_not_match_lists_it_linked_to_its_box(
    login: Callable[[User], Client], superuser: User, city_admin: User
) -> None:
    url = f"/admin/accounts/user/{city_admin.pk}/password/"
    body = login(superuser).post(url, {"password1": "a-long-new-password", "password2": "another-one"}).content.decode()
    links = _summary_links(body)
    assert [anchor for anchor, _ in links] == ["id_password2"], links
    assert "didn’t match" in links[0][1] or "didn't match" in links[0][1], links
    _described_by_its_message(body, "id_password2", "match")
    assert re.search(r"<title>Error: ", body)


def test_changing_ones_own_password_with_a_wrong_old_one_lists_it_linked_to_its_box(
    login: Callable[[User], Client], city_admin: User
) -> None:
    body = (
        login(city_admin)
        .post(
            "/admin/password_change/",
            {"old_password": "nope", "new_password1": "a-long-new-password", "new_password2": "a-long-new-password"},
        )
        .content.decode()
    )
    links = _summary_links(body)
    assert [anchor for anchor, _ in links] == ["id_old_password"], links
    _described_by_its_message(body, "id_old_password", "incorrect")
    assert re.search(r"<title>Error: ", body)
    assert "admin_forms.js" in body
