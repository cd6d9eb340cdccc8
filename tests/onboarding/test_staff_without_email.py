"""The checklist's staff step names each active account of a city's role that has no email
address (one made before the add page asked for it): the cases assigned to it are told to no
one. It is done once each has an address; a departed (inactive) account is not named."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from civicdesk.accounts.models import Role, User
from civicdesk.tenants.models import City
from civicdesk.tenants.selectors import city_setup_steps

pytestmark = pytest.mark.django_db


def staff_step(city: City):
    return next(s for s in city_setup_steps(city=city) if s.key == "staff")


def test_a_staff_member_without_an_email_keeps_the_step_to_do(
    independence: City, make_staff: Callable[..., User]
) -> None:
    make_staff(independence, Role.CITY_ADMIN, username="ind-admin")
    worker = make_staff(independence, Role.WORKER, username="pat", first_name="Pat", last_name="Lee", email="")
    make_staff(independence, Role.SUPERVISOR, username="gone", email="", is_active=False)

    step = staff_step(independence)
    assert not step.done
    assert step.detail == (
        "2 active; no email, so they are told of none of the cases assigned to them (give each an email under "
        "Users): Pat Lee"
    )

    worker.email = "pat.lee@independence.test"
    worker.save()
    step = staff_step(independence)
    assert step.done and step.detail == "2 active"


def test_a_long_list_is_cut_after_five_names(independence: City, make_staff: Callable[..., User]) -> None:
    for n in range(1, 8):
        make_staff(independence, Role.CALL_TAKER, username=f"desk-{n}", email="")
    assert staff_step(independence).detail.endswith("desk-1, desk-2, desk-3, desk-4, desk-5 and 2 more")


def test_the_checklist_page_names_them_in_english_and_spanish(
    independence: City, make_staff: Callable[..., User], login: Callable[[User], Client], superuser: User
) -> None:
    make_staff(independence, Role.WORKER, username="pat", first_name="Pat", last_name="Lee", email="")
    client = login(superuser)
    url = reverse("admin:tenants_city_setup", args=[independence.pk])
    english = client.get(url).content.decode()
    assert "so they are told of none of the cases assigned to them" in english and "Pat Lee" in english
    spanish = client.get(url, headers={"Accept-Language": "es"}).content.decode()
    assert "no se les avisa de ninguno de los casos que se les asignan" in spanish and "Pat Lee" in spanish
