"""Passwords follow Django's validators (length 10, not common, not numeric, not like the
username) wherever one is set: the admin's add-user and change-password forms."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from civicdesk.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(db: object) -> Client:
    user = User.objects.create_superuser(username="operator", email="ops@example.org", password="a-long-test-password")
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1", "too short"),
        ("password123", "too common"),
        ("4815162342", "entirely numeric"),
        ("maryjohnson1", "too similar"),
    ],
)
def test_the_admin_refuses_a_weak_password_for_a_new_user(operator: Client, password: str, reason: str) -> None:
    response = operator.post(
        reverse("admin:accounts_user_add"),
        {"username": "maryjohnson", "password1": password, "password2": password, "usable_password": "true"},
    )
    assert response.status_code == 200
    assert reason in response.content.decode()
    assert not User.objects.filter(username="maryjohnson").exists()


def test_the_admin_refuses_a_weak_password_when_changing_one(operator: Client) -> None:
    user = User.objects.create_user(username="clerk", password="a-long-test-password")
    response = operator.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": "12345678", "password2": "12345678"},
    )
    assert response.status_code == 200
    assert "too short" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password("a-long-test-password")


def test_a_strong_password_is_accepted(operator: Client) -> None:
    response = operator.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "maryjohnson",
            "password1": "violet-harbor-ledger-42",
            "password2": "violet-harbor-ledger-42",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="maryjohnson").check_password("violet-harbor-ledger-42")
