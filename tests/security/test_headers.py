"""Security headers on the pages residents and staff open: a Content-Security-Policy with no
inline script or style, framing denied, referrer kept to our own site, geolocation for our
own pages only; HSTS under production settings. And no template carries inline script,
event handlers or style attributes that the policy would block."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from civicdesk.accounts.models import Role
from civicdesk.core.middleware import content_security_policy
from tests.conftest import REPO
from tests.security.conftest import World

pytestmark = pytest.mark.django_db


def directives(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def pages(world: World) -> list[str]:
    case = world.cases[0]
    return [
        reverse("portal:home"),
        reverse("portal:report"),
        reverse("portal:city", kwargs={"city": "independence"}),
        reverse("portal:case", kwargs={"city": "independence", "number": case.number}),
        reverse("portal:track", kwargs={"token": case.tracking_token}),
        reverse("reports:service-requests"),
        reverse("performance:dashboard", kwargs={"city": "independence"}),
        reverse("console:login"),
        reverse("open311:services", kwargs={"fmt": "json"})
        + "?jurisdiction_id="
        + world.cities["independence"].jurisdiction_id,
    ]


def test_every_page_carries_the_security_headers(world: World, client: Client) -> None:
    for url in pages(world):
        response = client.get(url)
        assert response.status_code == 200, url
        csp = directives(response["Content-Security-Policy"])
        assert csp["script-src"] == ["'self'"], url
        assert csp["style-src"] == ["'self'"], url
        assert csp["frame-ancestors"] == ["'none'"], url
        assert csp["connect-src"] == ["'self'"], url
        assert csp["object-src"] == ["'none'"], url
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]
        assert "'unsafe-eval'" not in response["Content-Security-Policy"]
        assert response["X-Frame-Options"] == "DENY", url
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["Referrer-Policy"] == "same-origin", url
        assert "geolocation=(self)" in response["Permissions-Policy"], url
        assert response["X-Request-ID"], url


def test_the_console_carries_them_too(world: World) -> None:
    client = Client()
    client.force_login(world.staff[("independence", Role.SUPERVISOR)])
    response = client.get(reverse("console:home"))
    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"])["script-src"] == ["'self'"]


@override_settings(MAP_TILES_URL="https://{s}.tiles.example.org/{z}/{x}/{y}.png")
def test_images_may_come_from_the_configured_tile_server_only() -> None:
    assert directives(content_security_policy())["img-src"] == ["'self'", "data:", "https://*.tiles.example.org"]


def test_without_tiles_images_come_from_this_site_and_data_urls_only() -> None:
    assert directives(content_security_policy())["img-src"] == ["'self'", "data:"]


def test_the_report_only_switch_reports_instead_of_blocking(world: World) -> None:
    with override_settings(CSP_REPORT_ONLY=True):
        response = Client().get(reverse("portal:home"))
    assert "Content-Security-Policy" not in response
    assert directives(response["Content-Security-Policy-Report-Only"])["script-src"] == ["'self'"]


def test_production_settings_send_hsts_and_secure_cookies(tmp_path: Path) -> None:
    # A fresh interpreter: settings are read from the environment once, at import.
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup();"
        "from django.conf import settings as s;"
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    )
    env = {"DEBUG": "0", "SECRET_KEY": "x" * 60, "CIVICDESK_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["31536000", "True", "True", "True"]


def test_production_refuses_the_public_development_secret_key(tmp_path: Path) -> None:
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup()"
    env = {"DEBUG": "0", "CIVICDESK_VAR_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True)
    assert done.returncode != 0
    assert "SECRET_KEY must be set to a long random value when DEBUG is off" in done.stderr


TEMPLATE_DIRS = [REPO / "templates", *sorted((REPO / "civicdesk").glob("*/templates"))]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTR = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)
STYLE_TAG = re.compile(r"<style\b", re.IGNORECASE)


def web_templates() -> list[Path]:
    # Email bodies are read by mail clients, not under our CSP; the PDF template is WeasyPrint's.
    found = []
    for folder in TEMPLATE_DIRS:
        for path in folder.rglob("*.html"):
            rel = str(path.relative_to(REPO))
            if "/email/" in rel or rel.endswith("_document.html"):
                continue
            found.append(path)
    return found


def test_no_web_template_has_inline_script_event_handlers_or_inline_style() -> None:
    problems = []
    for path in web_templates():
        text = path.read_text()
        for name, pattern in [
            ("inline <script>", INLINE_SCRIPT),
            ("event handler attribute", EVENT_HANDLER),
            ("style attribute", STYLE_ATTR),
            ("<style> block", STYLE_TAG),
        ]:
            if pattern.search(text):
                problems.append(f"{path.relative_to(REPO)}: {name}")
    assert not problems, "\n".join(problems)
