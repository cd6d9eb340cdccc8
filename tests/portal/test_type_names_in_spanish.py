"""A city that gives a problem type a Spanish name (``name_es``) has its Spanish-speaking
residents read it wherever they read the type: the report form, the confirmation, the public
and tracking pages, browse and a city's home with their map pins, the public reports. A type
without one keeps its name; English pages are unchanged; the staff console keeps the city's
main name."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from civicdesk.accounts.models import Role
from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from tests.portal.conftest import report_data

pytestmark = pytest.mark.django_db

WIDE = "?from=2020-01-01&to=2030-12-31"


@pytest.fixture
def pothole(catalogue: dict[str, dict[str, ServiceType]]) -> ServiceType:
    pothole = catalogue["independence"]["pothole"]
    pothole.name_es = "Bache"
    pothole.save()
    return pothole


def client_in(language: str) -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE=language)


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def option(body: str, value: Any) -> tuple[str, str]:
    """(the text, the data-keywords) of the select option with ``value``."""
    found = re.search(rf'<option value="{value}"([^>]*)>([^<]*)</option>', body)
    assert found, f"no option {value}"
    keywords = re.search(r'data-keywords="([^"]*)"', found.group(1))
    return html.unescape(found.group(2)), html.unescape(keywords.group(1)) if keywords else ""


def pins(body: str, element: str) -> list[dict[str, Any]]:
    found = re.search(rf'<script id="{element}" type="application/json">(.*?)</script>', body, re.S)
    assert found, f"no {element}"
    return list(json.loads(found.group(1)))


def reported(language: str, service_type: ServiceType, email: str) -> tuple[ServiceRequest, str]:
    """Report through the form in ``language``; the case and the confirmation page."""
    client = client_in(language)
    response = client.post("/independence/report/", report_data(service_type, reporter_email=email), follow=True)
    assert response.status_code == 200
    return ServiceRequest.objects.get(reporter_email=email), response.content.decode()


def test_the_spanish_report_form_lists_the_spanish_name_and_the_filter_finds_either_name(
    pothole: ServiceType, catalogue: dict[str, dict[str, ServiceType]]
) -> None:
    graffiti = catalogue["independence"]["graffiti"]
    spanish = page(client_in("es"), "/independence/report/")
    text, keywords = option(spanish, pothole.pk)
    assert text == "Bache"
    assert "bache" in keywords.split() and "pothole" in keywords.split()
    assert option(spanish, graffiti.pk)[0] == "Graffiti"  # no Spanish name: its name

    english = page(client_in("en"), "/independence/report/")
    text, keywords = option(english, pothole.pk)
    assert text == "Pothole"
    assert "bache" in keywords.split()  # typing "bache" finds Pothole on the English page too


def test_the_chosen_types_questions_are_headed_with_its_spanish_name(pothole: ServiceType) -> None:
    body = page(client_in("es"), f"/report/questions/?service_type={pothole.pk}")
    assert "Sobre: Bache" in body


def test_the_confirmation_public_and_tracking_pages_name_the_problem_in_spanish(pothole: ServiceType) -> None:
    case, confirmation = reported("es", pothole, "ana@example.org")
    assert "Bache" in confirmation and "Pothole" not in confirmation
    spanish = client_in("es")
    for url in (reverse("portal:case", args=["independence", case.number]), f"/track/{case.tracking_token}/"):
        body = page(spanish, url)
        assert re.search(r"<h1>Bache <span", body), url
        assert "Pothole" not in body, url
        assert [p["label"] for p in pins(body, "case-pins")] == [f"{case.reference} · Bache"]

    english = client_in("en")
    body = page(english, reverse("portal:case", args=["independence", case.number]))
    assert re.search(r"<h1>Pothole <span", body) and "Bache" not in body
    assert [p["label"] for p in pins(body, "case-pins")] == [f"{case.reference} · Pothole"]


def test_an_english_resident_reads_the_english_name_on_the_confirmation(pothole: ServiceType) -> None:
    _case, confirmation = reported("en", pothole, "rita@example.org")
    assert "Pothole" in confirmation and "Bache" not in confirmation


def test_browse_and_the_citys_home_name_problems_in_the_readers_language(
    pothole: ServiceType, catalogue: dict[str, dict[str, ServiceType]]
) -> None:
    graffiti = catalogue["independence"]["graffiti"]
    hole, _ = reported("es", pothole, "ana@example.org")
    paint, _ = reported("es", graffiti, "luis@example.org")
    browse = reverse("portal:browse", args=["independence"])

    body = page(client_in("es"), browse)
    # Graffiti has no Spanish name: its English is marked as English (WCAG 3.1.2).
    assert '<td class="what">Bache</td>' in body and '<td class="what"><span lang="en">Graffiti</span></td>' in body
    assert option(body, "pothole")[0] == "Bache"
    # The filter lists the names a Spanish reader reads, in their order.
    filter_names = re.findall(
        r'<option value="[^"]+"[^>]*>([^<]+)</option>', body.split('id="f-type"')[1].split("</select>")[0]
    )
    assert filter_names == sorted(filter_names)
    labels = {p["label"] for p in pins(body, "browse-pins")}
    assert labels == {f"{hole.reference} · Bache", f"{paint.reference} · Graffiti"}
    home = page(client_in("es"), "/independence/")
    assert '<td class="what">Bache</td>' in home and '<td class="what"><span lang="en">Graffiti</span></td>' in home

    body = page(client_in("en"), browse)
    assert '<td class="what">Pothole</td>' in body and "Bache" not in body
    assert option(body, "pothole")[0] == "Pothole"
    assert {p["label"] for p in pins(body, "browse-pins")} == {
        f"{hole.reference} · Pothole",
        f"{paint.reference} · Graffiti",
    }
    home = page(client_in("en"), "/independence/")
    assert '<td class="what">Pothole</td>' in home and "Bache" not in home


def test_the_public_reports_name_problems_in_the_readers_language(pothole: ServiceType) -> None:
    reported("es", pothole, "ana@example.org")
    for name in ("reports:city-service-requests", "reports:city-operations"):
        url = reverse(name, args=["independence"]) + WIDE
        spanish = page(client_in("es"), url)
        assert "Bache" in spanish and "Pothole" not in spanish, name
        english = page(client_in("en"), url)
        assert "Pothole" in english and "Bache" not in english, name
    spanish_csv = client_in("es").get(reverse("reports:city-service-requests-csv", args=["independence"]) + WIDE)
    assert (
        "Bache" in b"".join(spanish_csv.streaming_content if spanish_csv.streaming else [spanish_csv.content]).decode()
    )


def test_the_staff_console_keeps_the_citys_main_name(pothole: ServiceType, make_staff: Any) -> None:
    case, _ = reported("es", pothole, "ana@example.org")
    worker = make_staff(case.city, Role.WORKER, department=pothole.department)
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    client.force_login(worker)
    body = page(client, reverse("console:case", args=[case.city.slug, case.number]))
    assert "Pothole" in body
