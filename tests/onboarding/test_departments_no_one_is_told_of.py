"""The checklist's departments step names each department that a type sends cases to but that
has no email: no one would be told of its new cases (a neighbor's catalog imported without its
emails leaves every department so). It is done once each has an address."""

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


def departments_step(city: City):
    return next(s for s in city_setup_steps(city=city) if s.key == "departments")


def test_a_department_its_types_route_to_without_an_email_keeps_the_step_to_do(
    independence: City, make_department: Callable[..., Department], make_service_type: Callable[..., ServiceType]
) -> None:
    codes = make_department(independence, "Code Enforcement", email="")
    streets = make_department(independence, "Streets", email="streets@independence.test")
    make_department(independence, "Parks", email="")  # no type sends it cases: not named
    make_service_type(independence, "tall-grass", name="Tall grass", department=codes)
    make_service_type(independence, "pothole", name="Pothole", department=streets)

    step = departments_step(independence)
    assert not step.done
    assert step.detail == (
        "3 active; no email, so no one is told of their new cases (give each an email under Departments): "
        "Code Enforcement"
    )

    codes.email = "codes@independence.test"
    codes.save()
    step = departments_step(independence)
    assert step.done and step.detail == "3 active"


def test_a_long_list_is_cut_after_five_names(
    independence: City, make_department: Callable[..., Department], make_service_type: Callable[..., ServiceType]
) -> None:
    for n in range(1, 8):
        make_service_type(independence, f"t{n}", department=make_department(independence, f"Dept {n}", email=""))
    assert departments_step(independence).detail.endswith("Dept 1, Dept 2, Dept 3, Dept 4, Dept 5 and 2 more")


def test_the_checklist_page_says_it_in_spanish(
    independence: City,
    make_department: Callable[..., Department],
    make_service_type: Callable[..., ServiceType],
    login: Callable[[User], Client],
    superuser: User,
) -> None:
    codes = make_department(independence, "Code Enforcement", email="")
    make_service_type(independence, "tall-grass", name="Tall grass", department=codes)
    client = login(superuser)
    url = reverse("admin:tenants_city_setup", args=[independence.pk])
    english = client.get(url).content.decode()
    assert "no one is told of their new cases" in english and "Code Enforcement" in english
    spanish = client.get(url, headers={"Accept-Language": "es"}).content.decode()
    assert "nadie recibe aviso de sus casos nuevos" in spanish
