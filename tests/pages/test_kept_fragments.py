"""``{% kept %}`` (civicdesk/core/templatetags/kept.py): the pieces of every page rendered once
per process and language must be exactly what rendering them afresh gives, in every language,
for every menu item and kind of staff member, whatever page was rendered before."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.conf import settings
from django.template import engines
from django.test import Client
from django.utils import translation

from civicdesk.accounts.models import Role, User
from civicdesk.core.templatetags import kept
from tests.pages.conftest import World

pytestmark = pytest.mark.django_db

_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def _pages(world: World, make_staff: Callable[..., User]) -> list[tuple[User | None, str]]:
    regional = make_staff(None, role=Role.REGIONAL_ADMIN)
    slug = world.city.slug
    return [
        (None, "/"),
        (None, f"/{slug}/"),
        (None, f"/{slug}/requests/"),
        (None, f"/{slug}/requests/{world.first.number}/"),
        (world.supervisor, "/console/?queue=all"),
        (world.supervisor, "/console/overdue/"),
        (world.worker, "/console/not-placed/"),
        (world.supervisor, f"/console/cases/{slug}/{world.first.number}/"),
        (regional, "/console/region/"),
        (regional, "/console/overdue/"),  # the console's menu without the case lists
    ]


def _render_all(pages: list[tuple[User | None, str]]) -> list[str]:
    """Each page in English, then Spanish, each signed in as its person (or nobody)."""
    html = []
    for language in ("en", "es"):
        for person, url in pages:
            client = Client()
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            if person is not None:
                client.force_login(person)
            answer = client.get(url)
            assert answer.status_code == 200, url
            html.append(_TOKEN.sub("token", answer.content.decode()))
    return html


def test_kept_pieces_are_what_rendering_afresh_gives(
    world: World, make_staff: Callable[..., User], monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = _pages(world, make_staff)
    kept_pages = _render_all(pages)  # the copies made along the way, English first
    assert _render_all(pages) == kept_pages  # and served from them
    monkeypatch.setattr(kept.KeptNode, "render", lambda self, context: self.nodelist.render(context))
    assert _render_all(pages) == kept_pages
    spanish = kept_pages[len(pages) :]
    assert 'lang="es"' in spanish[0] and "Datos abiertos" in spanish[0]


def test_a_kept_piece_has_a_copy_per_language_and_argument_and_at_most_so_many() -> None:
    piece = engines["django"].from_string(
        "{% load i18n kept %}{% kept n %}{% translate 'Language' %} {{ n }}{% endkept %}|{{ n }}"
    )
    with translation.override("en"):
        assert piece.render({"n": 1}) == "Language 1|1"
        assert piece.render({"n": 2}) == "Language 2|2"
    with translation.override("es"):
        assert piece.render({"n": 1}) == "Idioma 1|1"
    with translation.override("es"):
        for n in range(3, 3 * kept.MOST_COPIES):  # past the most copies kept, rendered afresh
            assert piece.render({"n": n}) == f"Idioma {n}|{n}"
    node = next(n for n in piece.template.nodelist if isinstance(n, kept.KeptNode))
    assert len(node.copies) == kept.MOST_COPIES
    with translation.override("en"):
        assert [piece.render({"n": n}) for n in (1, 500)] == ["Language 1|1", "Language 500|500"]
