"""The demo never takes over an account someone made before it was loaded."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate

from civicdesk.accounts.models import User
from civicdesk.demo.loader import load_demo
from civicdesk.demo.staff import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_an_existing_admin_keeps_their_own_password() -> None:
    User.objects.create_superuser(username="admin", password="my-own-secret-4711", email="ops@example.org")
    summary = load_demo(days=1, scale=0.05)
    assert summary.loaded
    assert authenticate(username="admin", password="my-own-secret-4711") is not None
    assert authenticate(username="admin", password=DEMO_PASSWORD) is None
    assert authenticate(username="ind-supervisor", password=DEMO_PASSWORD) is not None
