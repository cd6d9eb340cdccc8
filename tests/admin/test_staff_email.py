"""The admin's Add user page asks for the email address beside the username, and an active
account of a city's role (call taker, worker, supervisor, administrator, investigator) must
have one: the cases assigned to it are emailed there. A regional administrator's or an
operator's account may go without; two accounts may share an address (nothing matches a
reply or a sign-in to an account by it). What was typed is kept when the page is sent back."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from civicdesk.accounts.models import Role, User
from civicdesk.tenants.models import City

pytestmark = pytest.mark.django_db

PASSWORD = "moss-lantern-harbor-42"
ADD = "admin:accounts_user_add"


def new_account(**fields: object) -> dict[str, object]:
    return {"usable_password": "true", "password1": PASSWORD, "password2": PASSWORD, **fields}


def test_the_add_page_asks_for_the_email_beside_the_username(login: Callable[[User], Client], superuser: User) -> None:
    page = login(superuser).get(reverse(ADD)).content.decode()
    username, email, password = (page.index(f'id="id_{name}"') for name in ("username", "email", "password1"))
    assert username < email < password
    assert "the cases assigned to them are emailed here" in page


@pytest.mark.parametrize("role", [Role.CITY_ADMIN, Role.SUPERVISOR, Role.CALL_TAKER, Role.INVESTIGATOR])
def test_an_operator_adding_a_citys_staff_member_without_an_email_is_asked_for_one_and_keeps_what_was_typed(
    login: Callable[[User], Client], superuser: User, independence: City, role: Role
) -> None:
    client = login(superuser)
    typed = new_account(username="ana-ruiz", first_name="Ana", last_name="Ruiz", role=role, city=independence.pk)
    response = client.post(reverse(ADD), typed)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["email"] == [
        f"Enter an email address: the cases assigned to staff with the role “{role.label}” are emailed to them, "
        "and an account without one is told of nothing."
    ]
    page = response.content.decode()
    assert 'value="ana-ruiz"' in page and 'value="Ruiz"' in page
    assert f'<option value="{role.value}" selected>' in page
    box = re.search(r'<input[^>]*id="id_email"[^>]*>', page)
    assert box is not None and 'aria-invalid="true"' in box.group(0)
    assert 'href="#id_email"' in page  # the summary at the top links to the box
    assert not User.objects.filter(username="ana-ruiz").exists()

    saved = client.post(reverse(ADD), {**typed, "email": "ana.ruiz@independence.test"})
    assert saved.status_code == 302
    assert User.objects.get(username="ana-ruiz").email == "ana.ruiz@independence.test"


def test_an_address_that_is_not_one_is_refused_in_words_and_kept(
    login: Callable[[User], Client], superuser: User, independence: City
) -> None:
    response = login(superuser).post(
        reverse(ADD), new_account(username="ana-ruiz", email="ana.ruiz@", role=Role.WORKER, city=independence.pk)
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"] == ["Enter a valid email address."]
    assert 'value="ana.ruiz@"' in response.content.decode()
    assert not User.objects.filter(username="ana-ruiz").exists()


def test_a_city_administrator_adding_a_worker_is_asked_for_the_email_too(
    login: Callable[[User], Client], city_admin: User
) -> None:
    client = login(city_admin)
    refused = client.post(reverse(ADD), new_account(username="new-worker", role=Role.WORKER))
    assert refused.status_code == 200
    assert "Department worker" in refused.context["adminform"].form.errors["email"][0]
    assert not User.objects.filter(username="new-worker").exists()

    spanish = client.post(
        reverse(ADD), new_account(username="new-worker", role=Role.WORKER), headers={"Accept-Language": "es"}
    )
    assert "Escriba una dirección de correo electrónico" in spanish.context["adminform"].form.errors["email"][0]

    assert (
        client.post(reverse(ADD), new_account(username="new-worker", role=Role.WORKER, email="w@ind.test")).status_code
        == 302
    )


def test_a_regional_administrators_or_operators_account_may_have_no_email(
    login: Callable[[User], Client], superuser: User
) -> None:
    client = login(superuser)
    assert client.post(reverse(ADD), new_account(username="region-2", role=Role.REGIONAL_ADMIN)).status_code == 302
    assert client.post(reverse(ADD), new_account(username="operator-2")).status_code == 302
    assert set(User.objects.filter(username__in=["region-2", "operator-2"]).values_list("email", flat=True)) == {""}


def test_two_accounts_may_share_an_address(
    login: Callable[[User], Client], superuser: User, independence: City
) -> None:
    client = login(superuser)
    for username in ("night-desk-1", "night-desk-2"):
        response = client.post(
            reverse(ADD),
            new_account(
                username=username, email="nightdesk@independence.test", role=Role.CALL_TAKER, city=independence.pk
            ),
        )
        assert response.status_code == 302
    assert User.objects.filter(email="nightdesk@independence.test").count() == 2


def test_the_change_page_keeps_an_active_staff_members_address_and_lets_a_departed_one_go_without(
    login: Callable[[User], Client], city_admin: User, make_staff: Callable[..., User]
) -> None:
    worker = make_staff(city_admin.city, Role.WORKER, username="old-worker", email="")
    client = login(city_admin)
    url = reverse("admin:accounts_user_change", args=[worker.pk])
    fields = {"username": "old-worker", "first_name": "Olga", "role": Role.WORKER, "email": ""}

    kept_active = client.post(url, {**fields, "is_active": "on"})
    assert kept_active.status_code == 200
    assert "email" in kept_active.context["adminform"].form.errors
    assert 'value="Olga"' in kept_active.content.decode()

    assert client.post(url, fields).status_code == 302  # deactivated: nothing more is emailed to it
    worker.refresh_from_db()
    assert not worker.is_active and worker.first_name == "Olga"
