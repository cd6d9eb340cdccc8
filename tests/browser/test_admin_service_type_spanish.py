"""A Spanish-reading city administrator's service type page: its fields and its questions'
boxes are labelled in Spanish (the city's own question stays as the city wrote it)."""

from __future__ import annotations

import pytest

from civicdesk.accounts.models import Role
from civicdesk.catalog.models import ServiceAttribute
from tests.browser.conftest import PASSWORD, open_page, screenshot

pytestmark = [pytest.mark.browser]


def test_the_service_type_page_reads_in_spanish_at_1280_px(new_context, independence, make_staff, make_service_type):
    make_staff(independence, Role.CITY_ADMIN, is_staff=True, username="ind-admin")
    stray = make_service_type(independence, "animal-stray", name="Stray or loose animal")
    ServiceAttribute.objects.create(
        service_type=stray, code="animal-kind", question="What kind of animal?", question_es="¿Qué tipo de animal?",
        datatype="singlevaluelist", required=True, order=1,
        values=[{"key": "dog", "name": "Dog", "name_es": "Perro"}, {"key": "cat", "name": "Cat", "name_es": "Gato"}],
    )  # fmt: skip
    context = new_context(locale="es-US", extra_http_headers={"Accept-Language": "es"})
    page = open_page(context)
    page.goto(f"/admin/login/?next=/admin/catalog/servicetype/{stray.pk}/change/")
    page.fill("#id_username", "ind-admin")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit]")
    page.wait_for_selector("#attributes-group")
    screenshot(page, "admin-service-type-spanish-1280")

    def label(for_id: str) -> str:
        return page.locator(f"label[for='{for_id}']").inner_text().strip()

    assert page.locator("html").get_attribute("lang") == "es"
    assert [label(f"id_{name}") for name in ("name", "group", "keywords", "department", "target_days")] == [
        "Nombre:", "Grupo:", "Palabras clave:", "Departamento:", "Días objetivo:",
    ]  # fmt: skip
    assert [label(f"id_attributes-0-{name}") for name in ("order", "code", "question", "datatype", "required")] == [
        "Orden:", "Código:", "Pregunta:", "Tipo de dato:", "Obligatorio",
    ]  # fmt: skip
    # The code cannot change once the type exists: shown, not a box, labelled all the same.
    assert page.locator("fieldset .field-code label").first.inner_text().strip() == "Código:"
    assert page.locator("#attributes-group h2").text_content().strip().startswith("Preguntas a la persona")
    assert page.locator("[name='attributes-0-question']").input_value() == "What kind of animal?"
    assert page.errors == []
