"""The installable app (manifest, service worker, offline page) and the Spanish pages."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.utils import translation
from PIL import Image

from civicdesk.catalog.models import ServiceType
from civicdesk.portal.selectors import grouped

pytestmark = pytest.mark.django_db


def test_the_manifest_installs_an_app_that_opens_on_the_report_form(client):
    response = client.get("/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["display"] == "standalone" and manifest["start_url"].startswith("/report/")
    assert {i["sizes"] for i in manifest["icons"]} == {"192x192", "512x512"}
    for icon in manifest["icons"]:
        path = finders.find(icon["src"].removeprefix("/static/"))
        with Image.open(path) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"] and image.format == "PNG"
    assert 'rel="manifest" href="/manifest.webmanifest"' in client.get("/").content.decode()


def test_favicon_ico_leads_to_the_app_s_icon_not_a_404_page(client):
    # Browsers and feed readers ask for /favicon.ico whatever the page's <link rel="icon"> says.
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and "max-age=86400" in response["Cache-Control"]
    with Image.open(finders.find(response["Location"].removeprefix("/static/"))) as image:
        assert image.format == "PNG" and image.width == image.height == 192
    assert "csrftoken" not in response.cookies


def test_the_service_worker_is_served_from_the_root_with_its_shell(client):
    response = client.get("/sw.js")
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    assert body.startswith("const SHELL = [")
    assert '"/report/"' in body and '"/static/civicdesk/site.css"' in body and "importScripts(QUEUE_SCRIPT)" in body
    assert client.get("/offline/").status_code == 200


def test_every_page_loads_its_javascript_from_files_not_inline(client, cities):
    for url in ("/", "/report/", "/independence/", "/independence/report/", "/independence/requests/"):
        html = client.get(url).content.decode()
        # <script type="application/json"> data is not code; every other script has a src.
        scripts = [s for s in html.split("<script")[1:] if 'type="application/json"' not in s.split(">")[0]]
        assert all(" src=" in s.split(">")[0] for s in scripts), url
        assert " onclick=" not in html and " onchange=" not in html and " onsubmit=" not in html


def test_the_spanish_pages_are_translated(client, cities, make_service_type, independence):
    make_service_type(independence, "pothole", name="Pothole", group="Streets")
    client.post("/i18n/setlang/", {"language": "es", "next": "/"})
    home = client.get("/").content.decode()
    assert '<html lang="es">' in home
    assert "Reportar un problema" in home and "Ciudades miembro" in home
    form = client.get("/independence/report/").content.decode()
    assert "¿Cuál es el problema?" in form and "Usar mi ubicación" in form and "Enviar el reporte" in form
    assert "Sin señal: su reporte está guardado" in form
    outside = client.post(
        "/report/", {"service_type": ServiceType.objects.get().pk, "lat": "38.6270", "lng": "-90.1994"}
    )
    # St. Louis: outside every member city, said in the resident's words.
    assert "las ciudades de las que este servicio recibe reportes" in outside.content.decode()


def test_the_language_switcher_is_a_labelled_form_that_works_without_javascript(client):
    html = client.get("/").content.decode()
    assert 'action="/i18n/setlang/"' in html and '<label for="language-choice">' in html
    assert '<option value="es" lang="es">Español</option>' in html


def test_types_without_a_group_are_listed_under_other(independence, make_service_type):
    make_service_type(independence, name="Odd thing", group="")
    with translation.override("es"):
        assert [g for g, _types in grouped(ServiceType.objects.all())] == ["Otros"]


def test_a_channel_the_portal_does_not_own_is_refused_by_the_service(independence, make_service_type):
    from civicdesk.portal.services import report_submit

    with pytest.raises(ValidationError, match="web or the app"):
        report_submit(
            service_type=make_service_type(independence),
            city=independence,
            client_token=None,
            channel="phone",
            address="1 Main St",
        )
