"""WCAG 3.1.2 Language of Parts on the Spanish pages: what a city typed in English and gave no
Spanish for (a question, its choices, a type's group, a measure's name) is inside an element
with lang="en", so a screen reader speaking Spanish switches to English for it; what it gave
in Spanish is shown in Spanish, with no lang of its own; the page's own words stay Spanish.

The pages are read as a browser's accessibility tree would: each text (and each label=
attribute of an <optgroup>) with the language of its nearest element that has a lang."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest

from civicdesk.catalog.models import ServiceAttribute, ServiceType

pytestmark = pytest.mark.django_db

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Texts(HTMLParser):
    """Every text of the page with the language it is read in."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str]] = [("", page)]  # a fragment (htmx) is read in the page's
        self.found: list[tuple[str, str]] = []
        self.skip = 0

    def lang(self) -> str:
        return self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        lang = named.get("lang") or self.lang()
        if tag in ("script", "style"):
            self.skip += 1
        if tag == "optgroup" and named.get("label"):
            self.found.append((str(named["label"]), lang))
        if tag not in VOID:
            self.stack.append((tag, lang))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip -= 1
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if not self.skip and data.strip():
            self.found.append((" ".join(data.split()), self.lang()))


def texts(html: str, page: str = "es") -> list[tuple[str, str]]:
    parser = Texts(page)
    parser.feed(html)
    return parser.found


def read_in(found: list[tuple[str, str]], text: str) -> set[str]:
    """The languages ``text`` is read in wherever it is on the page (empty: not there)."""
    return {lang for shown, lang in found if shown == text or shown.startswith(text + " ")}


@pytest.fixture
def spanish(client: Any) -> Any:
    client.cookies["django_language"] = "es"
    return client


@pytest.fixture
def stray(cities: Any, make_service_type: Any) -> ServiceType:
    """A type with a Spanish name, group and question, and one question a city left English."""
    stray = make_service_type(
        cities["independence"],
        "animal-stray",
        name="Stray or loose animal",
        name_es="Animal callejero o suelto",
        group="Animals",
        group_es="Animales",
    )
    ServiceAttribute.objects.create(
        service_type=stray,
        code="animal-kind",
        datatype="singlevaluelist",
        question="What kind of animal?",
        question_es="¿Qué tipo de animal?",
        required=True,
        values=[
            {"key": "dog", "name": "Dog", "name_es": "Perro"},
            {"key": "cat", "name": "Cat", "name_es": "Gato"},
            {"key": "livestock", "name": "Livestock"},
        ],
        order=1,
    )
    ServiceAttribute.objects.create(
        service_type=stray,
        code="aggressive",
        datatype="multivaluelist",
        question="Is it behaving aggressively?",
        values=[{"key": "barking", "name": "Barking"}, {"key": "biting", "name": "Biting"}],
        order=2,
    )
    ServiceAttribute.objects.create(
        service_type=stray, code="note", question="Keep away from it.", variable=False, order=0
    )
    return stray


def test_a_question_given_in_spanish_is_asked_in_spanish_and_one_without_is_marked_english(
    spanish: Any, stray: ServiceType
) -> None:
    response = spanish.get("/report/questions/", {"service_type": stray.pk})
    html = response.content.decode()
    found = texts(html)

    # Given in Spanish: asked in Spanish, the page's language.
    assert read_in(found, "¿Qué tipo de animal?") == {"es"}
    assert read_in(found, "Perro") == {"es"} and read_in(found, "Gato") == {"es"}
    assert "What kind of animal?" not in html and ">Dog<" not in html
    # A choice the city left in English, among Spanish ones, is marked.
    assert read_in(found, "Livestock") == {"en"}
    assert '<option value="livestock" lang="en">Livestock</option>' in html
    # A question with no Spanish at all: its words in English, the form's own in Spanish.
    assert read_in(found, "Is it behaving aggressively?") == {"en"}
    assert read_in(found, "Barking") == {"en"} and read_in(found, "Biting") == {"en"}
    assert read_in(found, "Keep away from it.") == {"en"}
    assert read_in(found, "(obligatorio)") == {"es"}
    assert read_in(found, "Elija…") == {"es"}


def test_in_english_the_same_questions_are_the_citys_own_with_no_lang(client: Any, stray: ServiceType) -> None:
    html = client.get("/report/questions/", {"service_type": stray.pk}).content.decode()
    found = texts(html, page="en")
    for text in ("What kind of animal?", "Dog", "Livestock", "Is it behaving aggressively?", "Keep away from it."):
        assert read_in(found, text) == {"en"}, text
    assert ' lang="' not in html


def test_the_report_forms_problem_groups_are_spanish_or_marked_english(
    spanish: Any, stray: ServiceType, catalogue: Any
) -> None:
    """The portal's small catalogue has groups with no Spanish ("Streets", "Neighbourhood"):
    their <optgroup> says lang="en", and the Spanish type names inside it say lang="es"."""
    pothole = catalogue["independence"]["pothole"]
    pothole.name_es = "Bache"
    pothole.save()
    html = spanish.get("/independence/report/").content.decode()
    found = texts(html)
    assert read_in(found, "Animales") == {"es"}
    assert read_in(found, "Animal callejero o suelto") == {"es"}
    assert read_in(found, "Streets") == {"en"} and read_in(found, "Neighbourhood") == {"en"}
    assert read_in(found, "Bache") == {"es"}  # a Spanish name inside the English group
    assert read_in(found, "Graffiti") == {"en"}  # no Spanish name: English, in an English group
    # Every text of the city's catalogue is read in its own language.
    for service_type in ServiceType.objects.filter(city__slug="independence", is_confidential=False):
        for english in (service_type.name, service_type.group):
            assert read_in(found, english) <= {"en"}, english
    # The language chooser names each language in itself.
    assert '<option value="en" lang="en">English</option>' in html
    assert '<option value="es" lang="es" selected>Español</option>' in html


def test_the_alerts_page_groups_and_types_are_spanish_or_marked_english(
    spanish: Any, stray: ServiceType, catalogue: Any
) -> None:
    html = spanish.get("/independence/alerts/").content.decode()
    found = texts(html)
    assert read_in(found, "Animales") == {"es"}
    assert read_in(found, "Animal callejero o suelto") == {"es"}
    assert read_in(found, "Streets") == {"en"}
    assert read_in(found, "Pothole") == {"en"}
    assert read_in(found, "Otros") <= {"es"}


def test_the_questions_legend_names_a_type_without_a_spanish_name_in_english(spanish: Any, catalogue: Any) -> None:
    pothole = catalogue["independence"]["pothole"]  # no Spanish name, nor Spanish questions
    found = texts(spanish.get("/report/questions/", {"service_type": pothole.pk}).content.decode())
    assert read_in(found, "Pothole") == {"en"}
    assert read_in(found, "How big is it?") == {"en"}
    assert read_in(found, "Smaller than a plate") == {"en"}
    assert read_in(found, "Which lanes?") == {"en"} and read_in(found, "Left") == {"en"}
    assert read_in(found, "If a car is damaged, call the police.") == {"en"}
