"""The background tasks' list is named as our own models are, as a sentence: "Task
results" ("Case events"), not the package's "Task Results"; in Spanish "Resultados de
tareas". Named without a migration of the package's: makemigrations finds nothing to do."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from civicdesk.accounts.models import User

pytestmark = pytest.mark.django_db


def model_names(client: Client, language: str) -> list[str]:
    page = client.get(reverse("admin:app_list", args=["django_tasks_database"]), HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    return re.findall(r'<th scope="row" id="[^"]*">\s*<a href="[^"]*">([^<]*)</a>', page.content.decode())


def test_the_task_results_read_as_a_sentence_in_english_and_in_spanish(
    superuser: User, login: Callable[[User], Client]
) -> None:
    client = login(superuser)
    assert model_names(client, "en") == ["Task results"]
    assert model_names(client, "es") == ["Resultados de tareas"]
    page = client.get(reverse("admin:django_tasks_database_dbtaskresult_changelist"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Select task result to view" in page.content.decode() or "Select task result to change" in (
        page.content.decode()
    )


def test_the_packages_migrations_are_left_as_they_are() -> None:
    # Raises SystemExit(1) if the model's options differed from its migrations.
    call_command("makemigrations", "django_tasks_database", check=True, dry_run=True, verbosity=0)
