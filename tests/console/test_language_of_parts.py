"""WCAG 3.1.2 Language of Parts in the staff console read in Spanish: the console names a
type, its group, a department and a district as the city typed them (its staff work with the
city's main name, docs/translations.md), so each is inside lang="en" on a Spanish page,
also a type the city gave a Spanish name; the console's own words stay Spanish. In English
nothing is marked."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from civicdesk.cases import services
from civicdesk.cases.models import Channel
from civicdesk.catalog.models import ServiceAttribute, ServiceType
from civicdesk.core import clock
from civicdesk.tenants.models import District
from civicdesk.tenants.selectors import district_at
from tests.conftest import INSIDE
from tests.portal.test_language_of_parts import read_in, texts

pytestmark = pytest.mark.django_db

HOME = reverse("console:home")


@pytest.fixture
def stray(independence: Any, streets: Any, make_service_type: Any) -> ServiceType:
    """A type the city named in Spanish too: the console still shows its main name."""
    return make_service_type(
        independence,
        "animal-stray",
        name="Stray or loose animal",
        name_es="Animal callejero o suelto",
        group="Animals",
        group_es="Animales",
        department=streets,
    )


@pytest.fixture
def cases(independence: Any, pothole: ServiceType, stray: ServiceType) -> dict[str, Any]:
    """A pothole with an answered question and a stray animal, both opened eleven days ago
    (overdue) at a pin in a council district the city named in English."""
    ServiceAttribute.objects.create(
        service_type=pothole,
        code="size",
        datatype="singlevaluelist",
        question="How big is it?",
        values=[{"key": "small", "name": "Smaller than a plate"}],
        order=1,
    )
    ServiceAttribute.objects.create(service_type=pothole, code="more", datatype="text", question="Anything else?")
    lat, lng = INSIDE["independence"]
    shown = district_at(city=independence, lat=lat, lng=lng)
    assert shown is not None
    district = District.objects.defer("boundary").get(pk=shown.pk)
    district.name = "Council District 1"
    district.save(update_fields=["name", "updated_at"])
    with clock.frozen_at(clock.now() - dt.timedelta(days=11)):
        return {
            "pothole": services.case_create(
                service_type=pothole,
                lat=lat,
                lng=lng,
                description="A deep hole",
                attributes={"size": "small", "more": "Es muy profundo"},
            ),
            "stray": services.case_create(service_type=stray, lat=lat, lng=lng, description="A loose dog"),
        }


@pytest.fixture
def in_spanish(signed_in: Any, supervisor: Any) -> Any:
    client = signed_in(supervisor)
    client.cookies["django_language"] = "es"
    return client


def marked(html: str, english: str) -> None:
    """``english`` is on the page inside a span of its own with lang="en", read in English."""
    assert f'<span lang="en">{english}</span>' in html, english
    assert read_in(texts(html), english) == {"en"}, english


def case_page(client: Any, case: Any) -> str:
    return client.get(reverse("console:case", args=[case.city.slug, case.number])).content.decode()


def test_the_spanish_case_page_marks_the_type_department_district_and_the_citys_answers(
    in_spanish: Any, cases: dict[str, Any], streets: Any
) -> None:
    case = cases["pothole"]
    html = case_page(in_spanish, case)
    found = texts(html)
    assert f'<h1>{case.reference} · <span lang="en">Pothole</span></h1>' in html
    marked(html, "Public Works - Streets")
    marked(html, "Council District 1")
    # The city's question and a choice's name are English; what the resident typed is not marked.
    assert (
        '<th scope="row"><span lang="en">How big is it?</span></th><td><span lang="en">Smaller than a plate</span>'
        in html
    )
    assert '<th scope="row"><span lang="en">Anything else?</span></th><td>Es muy profundo</td>' in html
    # Changing the type: each group's label and its types are in English.
    assert '<optgroup label="Streets" lang="en">' in html and '<optgroup label="Animals" lang="en">' in html
    assert f'<option value="{streets.pk}" lang="en">Public Works - Streets</option>' in html
    # The timeline's change of type and department, as stored.
    assert '<li data-field="service_type">Tipo: — → <span lang="en">Pothole</span></li>' in html
    assert read_in(found, "Detalles") == {"es"} and read_in(found, "Trabajar este caso") <= {"es"}

    # A type with a Spanish name: the console keeps the main name, so it is marked too.
    html = case_page(in_spanish, cases["stray"])
    assert f'<h1>{cases["stray"].reference} · <span lang="en">Stray or loose animal</span></h1>' in html
    assert "Animal callejero o suelto" not in html


def test_the_spanish_case_list_marks_the_citys_names_in_its_rows_and_filters(
    in_spanish: Any, cases: dict[str, Any], pothole: ServiceType
) -> None:
    html = in_spanish.get(HOME, {"queue": "all"}).content.decode()
    # Each cell says its column's name for a phone's card (data-label), in the page's language.
    assert '<td data-label="Tipo"><span lang="en">Pothole</span></td>' in html
    assert '<td data-label="Tipo"><span lang="en">Stray or loose animal</span></td>' in html
    assert '<td class="col-district" data-label="Distrito"><span lang="en">Council District 1</span></td>' in html
    # Nobody has them yet: the department that does is named.
    marked(html, "Public Works - Streets")
    # The filters: a group says its language, its types are in it; the page's own words are not marked.
    assert f'<optgroup label="Streets" lang="en"><option value="{pothole.pk}">Pothole</option>' in html
    district = cases["pothole"].district
    assert f'<option value="{district.pk}" lang="en">Council District 1</option>' in html
    assert '<option value="" selected>Cualquier tipo</option>' in html
    assert read_in(texts(html), "Cualquier tipo") == {"es"}


def test_the_spanish_overdue_list_marks_the_type_and_the_department(in_spanish: Any, cases: dict[str, Any]) -> None:
    html = in_spanish.get(reverse("console:overdue")).content.decode()
    assert '<td data-label="Tipo"><span lang="en">Pothole</span></td>' in html
    assert '<td data-label="Tipo"><span lang="en">Stray or loose animal</span></td>' in html
    assert '<td data-label="Asignado a"><span lang="en">Public Works - Streets</span></td>' in html


def test_the_new_case_forms_types_say_their_language(in_spanish: Any, cases: dict[str, Any], pothole: Any) -> None:
    html = in_spanish.get(reverse("console:new")).content.decode()
    assert '<optgroup label="Streets" lang="en">' in html
    assert read_in(texts(html), "Pothole") == {"en"}


def test_in_english_the_console_marks_nothing(signed_in: Any, supervisor: Any, cases: dict[str, Any]) -> None:
    client = signed_in(supervisor)
    for url in (
        reverse("console:case", args=["independence", cases["pothole"].number]),
        f"{HOME}?queue=all",
        reverse("console:overdue"),
        reverse("console:new"),
    ):
        html = client.get(url).content.decode()
        main = html[html.index("<main") : html.index("</main>")]
        # What the resident typed in Spanish is theirs, marked as it is (tests/console/
        # test_answers_language.py); none of the city's own English words is.
        typed = '<span lang="es">Es muy profundo</span>'
        if url.startswith(reverse("console:case", args=["independence", cases["pothole"].number])):
            assert main.count(typed) == 1, url
        assert ' lang="' not in main.replace(typed, ""), url
        assert "Pothole" in main, url


def test_the_not_placed_queue_and_the_placing_page_mark_the_type(
    in_spanish: Any, independence: Any, pothole: ServiceType
) -> None:
    case = services.case_create(
        service_type=pothole, city=independence, channel=Channel.PHONE, description="Called from a payphone"
    )
    for url in (reverse("console:not_placed"), reverse("console:case_place", args=["independence", case.number])):
        html = in_spanish.get(url).content.decode()
        assert f'{case.reference}</a> · <span lang="en">Pothole</span>' in html, url
