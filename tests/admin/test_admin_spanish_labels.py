"""The admin in Spanish: every field's label, every list's column, every fieldset's title and
every list filter and action a city administrator or the operator reads is in Spanish.

Each page is opened twice, in English and in Spanish, as the operator (who sees every model
and every field). The pages are the same but for their words, so the n-th label of the
Spanish page is the n-th label of the English one: a label reading the same in both is one
the catalogue does not translate, and fails, unless it is in ``SAME_IN_BOTH`` (a word that is
the same in Spanish, or a name not to translate). List columns are read from the changelist
itself (``result_headers``), so an empty list is checked too.

The index names every app, in the reader's language and in the words of the people who run a
city's 311, never in the code's ("Tenants", "Tasks Database Backend").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.templatetags.admin_list import result_headers
from django.test import Client
from django.urls import reverse
from django.utils import translation

from civicdesk.accounts.models import User
from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceAttribute, ServiceType

pytestmark = pytest.mark.django_db

# Words a Spanish-reading administrator reads as they are, each with why.
SAME_IN_BOTH = {
    "---------",  # Django's "no action chosen" line of a list's actions
    "Open311",  # the standard's name
    "error",  # the same word in Spanish (an inbound message's error column)
}


# Words of the code, not of the people who run a city's 311: no app is named with them.
INTERNAL_WORDS = {"tenant", "tenants", "backend", "database", "db", "django", "app", "apps", "model", "models"}


def ours(model: type) -> bool:
    """The product's models and its users: a third-party app's own admin (django-tasks' task
    results, for the operator) is worded by that app, in English only."""
    return model.__module__.startswith("civicdesk.")


class Words(HTMLParser):
    """The words of a page's labels, fieldset and inline titles, list filters and list actions,
    in order."""

    def __init__(self) -> None:
        super().__init__()
        self.words: list[tuple[str, str]] = []
        self._open: list[str] = []
        self._text: list[str] = []
        self._in_select = 0
        self._in_action = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "select":
            self._in_select += 1
            self._in_action = dict(attrs).get("name") == "action"
        title = dict(attrs).get("data-filter-title")
        if tag == "details" and title:  # a list's filter, "By <title>"
            self.words.append(("filter", title))
        if tag in {"label", "h2"} or (tag == "option" and self._in_action):
            self._open.append(tag)
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._in_select -= 1
            self._in_action = False
        if self._open and self._open[-1] == tag:
            self._open.pop()
            text = " ".join("".join(self._text).split()).rstrip(":").strip()
            if text:
                self.words.append((tag, text))

    def handle_data(self, data: str) -> None:
        if self._open and (not self._in_select or self._open[-1] == "option"):
            self._text.append(data)


def words_of(html: str) -> list[tuple[str, str]]:
    parser = Words()
    parser.feed(html)
    return parser.words


class AppNames(HTMLParser):
    """The admin index's sections: each app's label (from its ``app-<label>`` class) and the
    name its caption shows."""

    def __init__(self) -> None:
        super().__init__()
        self.names: dict[str, str] = {}
        self._label = ""
        self._caption: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "div" and "module" in classes:
            self._label = next((c.removeprefix("app-") for c in classes if c.startswith("app-")), "")
        if tag == "caption" and self._label:
            self._caption = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption" and self._caption is not None:
            self.names[self._label] = " ".join("".join(self._caption).split())
            self._caption = None

    def handle_data(self, data: str) -> None:
        if self._caption is not None:
            self._caption.append(data)


def app_names(html: str) -> dict[str, str]:
    parser = AppNames()
    parser.feed(html)
    return parser.names


def page(client: Client, url: str, language: str) -> Any:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, (url, response.status_code)
    return response


def untranslated(client: Client, url: str, shown: str = "") -> list[str]:
    """The words of ``url`` that read the same in English and Spanish and are not allowed to.

    ``shown``: the object a change page is about, whose name (its title) is data."""
    english, spanish = page(client, url, "en"), page(client, url, "es")
    assert spanish.headers["Content-Language"] == "es"
    en_words, es_words = words_of(english.content.decode()), words_of(spanish.content.decode())
    assert [tag for tag, _ in en_words] == [tag for tag, _ in es_words], url
    pairs = [(en, es) for (_, en), (_, es) in zip(en_words, es_words, strict=True)]
    if spanish.context and "cl" in spanish.context:
        changelist = spanish.context["cl"]
        columns = {}
        for language in ("en", "es"):
            with translation.override(language):
                columns[language] = [str(h["text"]) for h in result_headers(changelist)]
        pairs += [(en, es) for en, es in zip(columns["en"], columns["es"], strict=True) if en]
    return [f"{url}: {en!r}" for en, es in pairs if en == es and en not in SAME_IN_BOTH and en != shown]


@pytest.fixture
def operator(superuser: User, login: Callable[[User], Client]) -> Client:
    return login(superuser)


def test_every_add_page_and_list_of_the_admin_reads_in_spanish(operator: Client, superuser: User) -> None:
    found: list[str] = []
    checked = 0
    for model, model_admin in admin.site._registry.items():
        if not ours(model):
            continue
        opts = model._meta
        found += untranslated(operator, reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        checked += 1
        request = operator.get("/").wsgi_request
        request.user = superuser
        if model_admin.has_add_permission(request):
            found += untranslated(operator, reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
            checked += 1
    assert checked > 2 * 10
    assert not found, "\n".join(found)


def test_the_change_pages_of_a_type_with_its_question_a_case_and_a_user_read_in_spanish(
    operator: Client, superuser: User, trash: ServiceType, independence_case: ServiceRequest
) -> None:
    ServiceAttribute.objects.create(
        service_type=trash,
        code="what",
        question="What was dumped?",
        datatype="singlevaluelist",
        values=[{"key": "sofa", "name": "Sofa", "name_es": "Sofá"}],
        order=1,
    )
    objects: list[Any] = [trash, trash.city, trash.department, independence_case, superuser]
    found: list[str] = []
    for obj in objects:
        opts = obj._meta
        found += untranslated(
            operator, reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]), str(obj)
        )
    assert not found, "\n".join(found)


def test_every_app_on_the_admin_index_is_named_for_its_reader_in_english_and_spanish(operator: Client) -> None:
    english = app_names(page(operator, reverse("admin:index"), "en").content.decode())
    spanish = app_names(page(operator, reverse("admin:index"), "es").content.decode())
    # The operator sees every app with a model in the admin, the third-party ones too.
    assert set(english) == set(spanish) == {model._meta.app_label for model in admin.site._registry}
    assert english["tenants"] == "Cities and regions"
    assert spanish["tenants"] == "Ciudades y regiones"
    internal = {
        label: name for label, name in english.items() if INTERNAL_WORDS & set(re.findall(r"[a-z]+", name.lower()))
    }
    assert not internal, internal
    same = {label: name for label, name in english.items() if spanish[label] == name and name not in SAME_IN_BOTH}
    assert not same, same


def test_every_app_of_ours_that_names_itself_is_named_in_spanish_too() -> None:
    """An app with no model in the admin (the history import) is named all the same: Django
    shows an app's name wherever it lists apps, and a name written plain stays English."""
    named = [
        config
        for config in apps.get_app_configs()
        if config.name.startswith("civicdesk.") and "verbose_name" in type(config).__dict__
    ]
    assert "history" in {config.label for config in named}
    untranslated = []
    for config in named:
        with translation.override("en"):
            english = str(config.verbose_name)
        with translation.override("es"):
            spanish = str(config.verbose_name)
        if english == spanish and english not in SAME_IN_BOTH:
            untranslated.append(english)
    assert not untranslated
    with translation.override("es"):
        assert str(apps.get_app_config("history").verbose_name) == "Importación del historial"
