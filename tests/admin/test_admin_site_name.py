"""The admin is named civicdesk 311 (its header and every page's title), in English and in
Spanish, not "Django administration"; its own words stay in the reader's language."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "index_title", "django_name"),
    [
        ("en", "Site administration", "Django administration"),
        ("es", "Sitio administrativo", "Administración de Django"),
    ],
)
def test_the_admin_is_named_civicdesk_in_its_header_and_titles(
    login: Any, city_admin: AbstractBaseUser, language: str, index_title: str, django_name: str
) -> None:
    client = login(city_admin)
    client.cookies["django_language"] = language
    for url in ("/admin/", "/admin/catalog/servicetype/"):
        page = client.get(url).content.decode()
        assert f'<html lang="{language}"' in page, url
        assert '<a href="/admin/">civicdesk 311</a>' in page, url
        assert "| civicdesk 311</title>" in page, url
        assert django_name not in page, url
    index = client.get("/admin/").content.decode()
    assert f"<title>{index_title} | civicdesk 311</title>" in index
