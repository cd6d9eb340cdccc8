"""The checklist's counts agree with what they count in Spanish: "1 activo" (one department,
one type), "0 activas" (staff accounts: cuentas), not "1 activos". (An Open311 key's "1 activa":
test_checklist_words_for_a_new_city.py; with none the step says what a key is for.)"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from civicdesk.accounts.models import User
from civicdesk.catalog.models import ServiceType
from civicdesk.tenants.models import City, Department
from civicdesk.tenants.selectors import city_setup_steps

pytestmark = pytest.mark.django_db


def test_each_count_is_said_as_its_noun_wants(
    independence: City,
    make_department: Callable[..., Department],
    make_service_type: Callable[..., ServiceType],
    login: Callable[[User], Client],
    superuser: User,
) -> None:
    make_service_type(independence, "pothole", name="Pothole", department=make_department(independence, "Streets"))
    english = {s.key: s.detail for s in city_setup_steps(city=independence)}
    assert (english["departments"], english["types"], english["staff"]) == ("1 active", "1 active", "0 active")

    page = login(superuser).get(
        reverse("admin:tenants_city_setup", args=[independence.pk]), headers={"Accept-Language": "es"}
    )
    html = page.content.decode()
    rows = {
        key: html.split(f'class="step-{key} ', 1)[1].split("</tr>", 1)[0]
        for key in ("departments", "types", "staff", "open311")
    }
    assert "1 activo<" in rows["departments"] and "1 activo<" in rows["types"]
    assert "0 activas<" in rows["staff"]
    assert "activos" not in rows["departments"] + rows["types"]
