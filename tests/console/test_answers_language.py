"""The answers a resident typed to a type's questions (Open311 attributes) read in their own
language on the console's case page, as a description does (WCAG 3.1.2): a Spanish answer on
the English page is <span lang="es">, an English one on the Spanish page lang="en". A chosen
option is the city's own words, marked as the city's where the page is in another language,
whatever the resident reads; an answer too short to tell stands as the page reads it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from civicdesk.accounts.models import User
from civicdesk.catalog.models import ServiceAttribute, ServiceType

pytestmark = pytest.mark.django_db

SPANISH_WHAT = "Un sofá viejo y dos colchones mojados junto a la acera de la casa."
ENGLISH_MORE = "The sofa has been there since Monday and the neighbours say it smells."
SPANISH_RETIRED = "El colchón está roto y mojado por la lluvia de toda la semana."
SHORT = "Sofá"


@pytest.fixture
def questions(trash: ServiceType) -> ServiceType:
    for order, (code, datatype, question) in enumerate(
        [
            ("kind", "singlevaluelist", "What kind of rubbish?"),
            ("what", "string", "What was dumped?"),
            ("more", "text", "Anything else?"),
            ("short", "string", "One word for it"),
            ("retired", "string", "Is it wet?"),
        ]
    ):
        ServiceAttribute.objects.create(
            service_type=trash,
            code=code,
            datatype=datatype,
            question=question,
            values=[{"key": "furniture", "name": "Furniture and mattresses"}] if code == "kind" else [],
            order=order,
        )
    return trash


def cell(html: str, code: str) -> str:
    """The answer's cell of the question ``code`` on the case page."""
    found = re.search(r'<tr data-question="' + code + r'"><th scope="row">.*?</th><td>(.*?)</td></tr>', html, re.S)
    assert found, code
    return found.group(1)


def test_typed_answers_are_marked_with_their_language_and_chosen_ones_as_the_citys(
    client: Client, report: Callable[..., Any], questions: ServiceType, supervisor: User
) -> None:
    case = report(
        service_type=questions,
        attributes={
            "kind": "furniture",
            "what": SPANISH_WHAT,
            "more": ENGLISH_MORE,
            "short": SHORT,
            "retired": SPANISH_RETIRED,
        },
    )
    # A question the type no longer asks: its answer reads by its code, still the resident's words.
    ServiceAttribute.objects.filter(service_type=questions, code="retired").delete()
    client.force_login(supervisor)
    url = f"/console/cases/{case.city.slug}/{case.number}/"

    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert cell(english, "what") == f'<span lang="es">{SPANISH_WHAT}</span>'
    assert cell(english, "more") == ENGLISH_MORE
    assert cell(english, "retired") == f'<span lang="es">{SPANISH_RETIRED}</span>'
    assert cell(english, "kind") == "Furniture and mattresses"
    assert cell(english, "short") == SHORT  # one word: too short to tell

    spanish = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert cell(spanish, "what") == SPANISH_WHAT
    assert cell(spanish, "more") == f'<span lang="en">{ENGLISH_MORE}</span>'
    assert cell(spanish, "retired") == SPANISH_RETIRED
    # The option is the city's English on the Spanish page, though the resident typed Spanish.
    assert cell(spanish, "kind") == '<span lang="en">Furniture and mattresses</span>'
    assert cell(spanish, "short") == SHORT


def test_a_long_answer_keeps_its_lines_and_its_language(
    client: Client, report: Callable[..., Any], questions: ServiceType, supervisor: User
) -> None:
    case = report(service_type=questions, attributes={"more": "El sofá sigue ahí.\nLos colchones están mojados."})
    client.force_login(supervisor)
    english = client.get(f"/console/cases/{case.city.slug}/{case.number}/", HTTP_ACCEPT_LANGUAGE="en")
    assert cell(english.content.decode(), "more") == (
        '<span lang="es">El sofá sigue ahí.<br>Los colchones están mojados.</span>'
    )
