"""GET services with ``locale=es`` (not GeoReport v2's, accepted by some servers) names each
service and its group in Spanish where the city gives a Spanish name, for an app that shows the
list to Spanish-speaking residents, and a service definition asks its questions in Spanish;
without it, or with another locale, the city's words as before."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from civicdesk.catalog.models import ServiceAttribute, ServiceType
from civicdesk.tenants.models import City
from tests.api.conftest import API
from tests.api.open311_client import body

pytestmark = pytest.mark.django_db


@pytest.fixture
def named(independence: City, make_service_type: Callable[..., ServiceType]) -> None:
    make_service_type(independence, "pothole", name="Pothole", name_es="Bache")
    make_service_type(independence, "graffiti", name="Graffiti")


def names(client: Any, fmt: str = "json", header: str = "", **params: Any) -> dict[str, str]:
    params["jurisdiction_id"] = City.objects.get(slug="independence").jurisdiction_id
    headers = {"HTTP_ACCEPT_LANGUAGE": header} if header else {}
    doc = body(client.get(f"{API}/services.{fmt}", params, **headers))
    if fmt == "xml":
        return {s.findtext("service_code"): s.findtext("service_name") for s in doc.findall("service")}
    return {s["service_code"]: s["service_name"] for s in doc}


@pytest.mark.parametrize("locale", ["es", "es_US", "es-MX", "ES"])
def test_a_spanish_locale_names_the_services_in_spanish(client: Any, named: None, locale: str) -> None:
    assert names(client, locale=locale) == {"pothole": "Bache", "graffiti": "Graffiti"}
    assert names(client, "xml", locale=locale) == {"pothole": "Bache", "graffiti": "Graffiti"}


@pytest.mark.parametrize("params", [{}, {"locale": "en"}, {"locale": "fr"}, {"locale": ""}])
def test_without_a_spanish_locale_the_services_keep_the_citys_names(client: Any, named: None, params: Any) -> None:
    assert names(client, **params) == {"pothole": "Pothole", "graffiti": "Graffiti"}


def test_each_language_is_kept_apart(client: Any, named: None, settings: Any) -> None:
    settings.CATALOGUE_CACHE_SECONDS = 3600
    assert names(client, locale="es")["pothole"] == "Bache"
    assert names(client)["pothole"] == "Pothole"
    assert names(client, header="es")["pothole"] == "Pothole"  # the locale decides, not the header
    assert names(client, locale="es")["pothole"] == "Bache"


def test_a_spanish_locale_gives_the_groups_and_a_definitions_questions_in_spanish(
    client: Any, independence: City, make_service_type: Callable[..., ServiceType]
) -> None:
    stray = make_service_type(
        independence, "animal-stray", name="Stray animal", name_es="Animal suelto", group="Animals", group_es="Animales"
    )
    make_service_type(independence, "graffiti", name="Graffiti", group="Graffiti")
    ServiceAttribute.objects.create(
        service_type=stray,
        code="kind",
        datatype="singlevaluelist",
        question="What kind of animal?",
        question_es="¿Qué tipo de animal?",
        values=[{"key": "dog", "name": "Dog", "name_es": "Perro"}, {"key": "other", "name": "Other"}],
    )
    params = {"jurisdiction_id": independence.jurisdiction_id}
    spanish = body(client.get(f"{API}/services.json", {**params, "locale": "es"}))
    assert {s["service_code"]: s["group"] for s in spanish} == {"animal-stray": "Animales", "graffiti": "Graffiti"}
    english = body(client.get(f"{API}/services.json", params))
    assert {s["service_code"]: s["group"] for s in english} == {"animal-stray": "Animals", "graffiti": "Graffiti"}

    (question,) = body(client.get(f"{API}/services/animal-stray.json", {**params, "locale": "es"}))["attributes"]
    assert question["description"] == "¿Qué tipo de animal?"
    assert question["values"] == [{"key": "dog", "name": "Perro"}, {"key": "other", "name": "Other"}]
    (question,) = body(client.get(f"{API}/services/animal-stray.json", params))["attributes"]
    assert question["description"] == "What kind of animal?"
    assert question["values"] == [{"key": "dog", "name": "Dog"}, {"key": "other", "name": "Other"}]
