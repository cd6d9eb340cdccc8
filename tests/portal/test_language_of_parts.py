"""WCAG 3.1.2 Language of Parts on the Spanish pages: what a city typed in English and gave no
Spanish for (a question, its choices, a type's group, a measure's name) is inside an element
with lang="en", so a screen reader speaking Spanish switches to English for it; what it gave
in Spanish is shown in Spanish, with no lang of its own; the page's own words stay Spanish.

The pages are read as a browser's accessibility tree would: each text (and each label=
attribute of an <optgroup>) with the language of its nearest element that has a lang."""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from civicdesk.accounts.models import Role
from civicdesk.cases import services
from civicdesk.catalog.models import ServiceAttribute, ServiceType
from civicdesk.core import clock
from civicdesk.tenants.models import District
from civicdesk.tenants.selectors import district_at
from tests.conftest import INSIDE

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


# --- The resident's pages that name a case's type and district -----------------------------
# A type with a Spanish name (the stray animal's) is named in Spanish with no lang of its own;
# one without (the pothole) and the district the city named are inside <span lang="en">.


@pytest.fixture
def reported(independence: Any, stray: ServiceType, catalogue: Any) -> dict[str, Any]:
    """A pothole (no Spanish name) and a stray animal (a Spanish name), each with its pin in a
    council district the city named in English."""

    lat, lng = INSIDE["independence"]
    # The demo's district at the pin, named as a city names one.
    district = district_at(city=independence, lat=lat, lng=lng)
    assert district is not None
    district = District.objects.defer("boundary").get(pk=district.pk)
    district.name = "Council District 1"
    district.save(update_fields=["name", "updated_at"])
    answers = {"pothole": {"size": "small", "lanes": ["left"]}, "stray": {"animal-kind": "livestock"}}
    made = {
        key: services.case_create(
            service_type=service_type,
            lat=lat,
            lng=lng,
            description="Seen this morning",
            reporter_email=f"{key}@example.org",
            attributes=answers[key],
        )
        for key, service_type in (("pothole", catalogue["independence"]["pothole"]), ("stray", stray))
    }
    assert all(case.district and case.district.name == "Council District 1" for case in made.values())
    return made


def english_is_marked(html: str, found: list[tuple[str, str]], english: str) -> None:
    """``english`` is on the page inside a span of its own with lang="en", and read in English."""
    assert f'<span lang="en">{english}</span>' in html, english
    assert read_in(found, english) == {"en"}, english


def spanish_is_not(html: str, found: list[tuple[str, str]], spanish_text: str) -> None:
    """``spanish_text`` is on the page, read in Spanish, never inside a lang="en"."""
    assert read_in(found, spanish_text) == {"es"}, spanish_text
    assert f'lang="en">{spanish_text}' not in html, spanish_text


def test_the_public_and_tracking_pages_mark_an_english_type_and_district(spanish: Any, reported: Any) -> None:
    for case in reported.values():
        for url in (reverse("portal:case", args=["independence", case.number]), f"/track/{case.tracking_token}/"):
            html = spanish.get(url).content.decode()
            found = texts(html)
            english_is_marked(html, found, "Council District 1")
            if case.service_type.name_es:
                assert "<h1>Animal callejero o suelto <span" in html, url
                spanish_is_not(html, found, "Animal callejero o suelto")
            else:
                assert '<h1><span lang="en">Pothole</span> <span' in html, url
                english_is_marked(html, found, "Pothole")
            assert read_in(found, "Referencia") == {"es"}


def test_browse_marks_english_names_in_its_list_its_filters_and_its_pins(spanish: Any, reported: Any) -> None:
    html = spanish.get("/independence/requests/").content.decode()
    found = texts(html)
    assert '<td class="what"><span lang="en">Pothole</span></td>' in html
    assert '<td class="what">Animal callejero o suelto</td>' in html
    english_is_marked(html, found, "Council District 1")
    # The filters: an option's text carries the lang on the option itself.
    assert '<option value="pothole" lang="en">Pothole</option>' in html
    assert '<option value="animal-stray">Animal callejero o suelto</option>' in html
    district = reported["pothole"].district
    assert f'<option value="{district.pk}" lang="en">Council District 1</option>' in html
    assert '<option value="">Todos los distritos</option>' in html  # the page's own words: no lang
    # The map's popups: map.js puts the pin's lang on its link.
    pins = json.loads(re.search(r'<script id="browse-pins" type="application/json">(.*?)</script>', html, re.S)[1])
    assert {(p["label"].split(" · ")[1], p["lang"]) for p in pins} == {
        ("Pothole", "en"),
        ("Animal callejero o suelto", ""),
    }


def test_the_citys_home_marks_an_english_type_in_its_recent_reports(spanish: Any, reported: Any) -> None:
    html = spanish.get("/independence/").content.decode()
    found = texts(html)
    assert '<td class="what"><span lang="en">Pothole</span></td>' in html
    assert '<td class="what">Animal callejero o suelto</td>' in html
    spanish_is_not(html, found, "Animal callejero o suelto")
    # No address: the district names where it is, in English.
    assert '<td class="where" data-label="Dónde"><span lang="en">Council District 1</span></td>' in html


def test_in_english_the_resident_pages_mark_nothing(client: Any, reported: Any) -> None:
    case = reported["pothole"]
    for url in (
        reverse("portal:case", args=["independence", case.number]),
        f"/track/{case.tracking_token}/",
        "/independence/requests/",
        "/independence/",
    ):
        html = client.get(url).content.decode()
        main = html[html.index("<main") : html.index("</main>")]
        assert ' lang="' not in main, url
        assert "Pothole" in main and "Council District 1" in main, url


def test_the_service_request_report_marks_english_departments_types_and_districts(
    spanish: Any, reported: Any, catalogue: Any
) -> None:
    url = reverse("reports:city-service-requests", args=["independence"]) + "?from=2020-01-01&to=2030-12-31"
    html = spanish.get(url).content.decode()
    found = texts(html)
    department = catalogue["independence"]["pothole"].department.name
    assert f'<tr><th scope="row"><span lang="en">{department}</span></th>' in html
    english_is_marked(html, found, department)
    # The top five and each district's problems.
    assert '<th scope="row"><span lang="en">Pothole</span></th>' in html
    assert '<th scope="row" class="sub"><span lang="en">Pothole</span></th>' in html
    assert '<th scope="row">Animal callejero o suelto</th>' in html
    assert '<th scope="row" class="sub">Animal callejero o suelto</th>' in html
    spanish_is_not(html, found, "Animal callejero o suelto")
    english_is_marked(html, found, "Council District 1")
    # The report's own rows are Spanish, not marked.
    for own in ("Sin departamento asignado", "Sin distrito asignado", "Otros"):
        spanish_is_not(html, found, own)

    html = Client().get(url).content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    assert ' lang="' not in main and "Council District 1" in main


def test_the_operational_report_marks_english_types_departments_and_districts(
    spanish: Any, reported: Any, catalogue: Any
) -> None:
    url = reverse("reports:city-operations", args=["independence"]) + "?from=2020-01-01&to=2030-12-31"
    html = spanish.get(url).content.decode()
    found = texts(html)
    assert '<th scope="row"><span lang="en">Pothole</span></th>' in html
    assert '<th scope="row">Animal callejero o suelto</th>' in html
    english_is_marked(html, found, catalogue["independence"]["pothole"].department.name)
    english_is_marked(html, found, "Council District 1")


def test_the_overdue_report_marks_the_type_department_and_district(
    reported: Any, catalogue: Any, make_staff: Any, independence: Any
) -> None:
    staff = Client()
    staff.force_login(make_staff(independence, Role.SUPERVISOR))
    staff.cookies["django_language"] = "es"
    with clock.frozen_at(clock.now() + dt.timedelta(days=30)):
        html = staff.get(reverse("reports:city-overdue", args=["independence"])).content.decode()
    department = catalogue["independence"]["pothole"].department.name
    assert (
        f'<td><span lang="en">Pothole</span></td><td><span lang="en">{department}</span></td>'
        '<td><span lang="en">Council District 1</span></td>'
    ) in html
    # The stray animal is named as the city typed it in its main language (a staff page).
    assert '<td><span lang="en">Stray or loose animal</span></td>' in html
