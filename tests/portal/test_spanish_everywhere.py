"""Spanish everywhere a resident looks. Every public URL of the URLconf (portal, feeds, the
performance dashboard, public reports), the pages reached by a token or a code, the error
pages and a resident's emails are read in Spanish, and none may show a message the Spanish
catalogue leaves untranslated; the pages say <html lang="es">.

What is watched is read from the catalogue itself: the msgids of locale/es/LC_MESSAGES/
django.po that the compiled django.mo has no translation for (a new English string a
resident can see fails here the day it is added without its Spanish), and the English of
the translated ones (shown in English, they were rendered before the language was chosen)."""

from __future__ import annotations

import gettext
import html
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from civicdesk.accounts.models import Role
from civicdesk.cases import services
from civicdesk.cases.models import ServiceRequest
from civicdesk.demo.performance import load_performance_demo
from civicdesk.notifications import services as alert_services
from civicdesk.notifications.confidential import confidential_access_issue
from civicdesk.notifications.services import case_follow
from tests.conftest import INSIDE
from tests.security import conftest as security
from tests.security.conftest import World
from tests.security.urlwalk import paths, routes

pytestmark = pytest.mark.django_db

# The security tests' world: two member cities, cases with a public note and photos, staff.
world = security.world

CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "es" / "LC_MESSAGES"
PUBLIC_NAMESPACES = {"portal", "reports", "performance"}
# Machine-readable answers: their keys and codes are not prose.
MACHINE = ("application/json", "application/geo+json", "application/manifest+json", "text/csv", "application/pdf")
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdfir]|%%")


# --- The catalogue ---------------------------------------------------------------------


@dataclass
class Entry:
    context: str = ""  # msgctxt (pgettext), "" when none
    msgid: str = ""
    plural: str = ""
    strings: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)


def _unquote(line: str) -> str:
    body = line.strip()[1:-1]
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(1)), body)


def po_entries(path: Path) -> list[Entry]:
    """The entries of a .po file (obsolete ones left out), without the header."""
    entries: list[Entry] = []
    entry, target = Entry(), ""
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if entry.msgid or entry.strings:
                entries.append(entry)
            entry, target = Entry(), ""
        elif line.startswith("#,"):
            entry.flags |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if target == "msgctxt":
                entry.context += _unquote(line)
            elif target == "msgid":
                entry.msgid += _unquote(line)
            elif target == "msgid_plural":
                entry.plural += _unquote(line)
            else:
                entry.strings[-1] += _unquote(line)
        else:
            keyword, _space, value = line.partition(" ")
            target = keyword
            if keyword == "msgctxt":
                entry.context = _unquote(value)
            elif keyword == "msgid":
                entry.msgid = _unquote(value)
            elif keyword == "msgid_plural":
                entry.plural = _unquote(value)
            elif keyword.startswith("msgstr"):
                entry.strings.append(_unquote(value))
    return [e for e in entries if e.msgid]


@cache
def compiled() -> dict[Any, str]:
    with open(CATALOGUE / "django.mo", "rb") as mo:
        return gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]


def key(entry: Entry) -> str:
    """The entry's key in the compiled catalogue: a pgettext message's is its context, EOT, msgid."""
    return f"{entry.context}\x04{entry.msgid}" if entry.context else entry.msgid


def is_compiled(entry: Entry) -> bool:
    catalog = compiled()
    return (key(entry), 0) in catalog if entry.plural else key(entry) in catalog


Watch = tuple[tuple[str, re.Pattern[str], bool], ...]


@cache
def english_only() -> Watch:
    """Every message whose English words must not show on a Spanish page: those the compiled
    catalogue leaves untranslated, and the translated ones too (found in English, they were
    rendered before the language was chosen, e.g. at import time), unless the Spanish is
    the same ("Total", "Web")."""
    catalog = compiled()

    def english(entry: Entry) -> bool:
        if not is_compiled(entry):
            return True
        return catalog[(key(entry), 0) if entry.plural else key(entry)] != entry.msgid

    return patterns(tuple(e for e in po_entries(CATALOGUE / "django.po") if english(e)))


def patterns(entries: tuple[Entry, ...]) -> Watch:
    """(msgid, pattern, whole-text-only) for each message. The pattern allows anything where
    a placeholder stands; a message of one or two words, or a phrase that is no sentence, is
    looked for as a whole text only (a "Total" inside data is no leak)."""
    found = []
    for entry in entries:
        for msgid in filter(None, (entry.msgid, entry.plural)):
            # Messages with markup reach the page as several texts: look for each piece.
            for piece in re.split(r"<[^>]+>", msgid):
                piece = " ".join(piece.split())
                words = re.sub(PLACEHOLDER, " ", piece).split()
                if not any(re.search(r"[A-Za-z]{2}", w) for w in words):
                    continue
                short = len(words) < 3
                # A phrase without a placeholder or a full stop is looked for as a whole text:
                # "Median days to close" is a heading, and also the start of a measure's name.
                whole = short or not (PLACEHOLDER.search(piece) or piece.rstrip().endswith((".", "?", ":", "!")))
                literal = [re.escape(part) for part in PLACEHOLDER.split(piece)]
                # In a short message a placeholder is one value ("0–7 days"), not a sentence.
                pattern = re.compile((r"\S+" if short else ".+?").join(literal).replace(r"\ ", r"\s+"))
                found.append((msgid, pattern, whole))
    return tuple(found)


class _Texts(HTMLParser):
    """The texts a person reads on a page: text nodes and the attributes read aloud or
    shown (titles, labels, placeholders, the offline queue's data-msg-* messages)."""

    SHOWN = {"title", "alt", "placeholder", "aria-label", "content"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._skip += 1
        for name, value in attrs:
            if value and (name in self.SHOWN or name.startswith("data-msg")):
                self.texts.append(" ".join(value.split()))
        if tag == "input" and dict(attrs).get("type") == "submit" and dict(attrs).get("value"):
            self.texts.append(dict(attrs)["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.texts.append(" ".join(data.split()))


def texts_of(body: str, content_type: str) -> list[str]:
    if "html" in content_type or "xml" in content_type:
        parser = _Texts()
        parser.feed(body)
        # Feeds carry their entries' HTML escaped inside XML: read that HTML too.
        return [t for text in parser.texts for t in ([text] if "<" not in text else texts_of(text, "text/html"))]
    return [" ".join(line.split()) for line in body.splitlines() if line.strip()]


def english_in(body: str, content_type: str = "text/html", watch: Watch | None = None) -> list[str]:
    """The untranslated messages (or those of ``watch``) shown in ``body``."""
    texts = [html.unescape(t) for t in texts_of(body, content_type)]
    shown = []
    for msgid, pattern, whole_only in english_only() if watch is None else watch:
        for text in texts:
            if pattern.fullmatch(text) if whole_only else pattern.search(text):
                shown.append(f"{msgid!r} (in {text[:80]!r})")
                break
    return shown


# --- The pages -------------------------------------------------------------------------


@dataclass
class Spanish:
    world: World
    tokens: list[str]
    access_code: str


@pytest.fixture
def spanish(world: World, independence: Any, make_service_type: Any) -> Spanish:
    load_performance_demo()
    subscription = alert_services.subscription_create(email="vecina@example.com", city=independence, language="es")
    follower = case_follow(case=world.cases[0], email="vecino@example.com", language="es")
    hotline = make_service_type(independence, "fraud-hotline", name="Fraud hotline", is_confidential=True)
    secret = services.case_create(service_type=hotline, city=independence, description="Payroll padding")
    code = confidential_access_issue(case=secret)
    tokens = [
        world.cases[0].tracking_token,
        subscription.confirm_token,
        subscription.unsubscribe_token,
        follower.unsubscribe_token,
    ]
    return Spanish(world=world, tokens=tokens, access_code=code)


def public_urls(spanish: Spanish) -> list[str]:
    cases = spanish.world.cases
    values = {
        "city": ["independence", "raytown"],
        "number": [c.number for c in cases],
        "token": spanish.tokens,
        "kind": ["new", "closed"],
        "fmt": ["rss", "atom"],
        "service_code": [spanish.world.service_type.code],
        "period": ["2026", "2026-q1", "2026-m1"],
        "measure_id": ["1"],
        "measure": ["requests-opened"],
    }
    found = [url for route in routes() if route.namespace in PUBLIC_NAMESPACES for url in paths(route, values)]
    return [
        *found,
        reverse("reports:service-requests") + "?from=2020-01-01&to=2030-12-31",
        reverse("reports:operations") + "?from=2020-01-01&to=2030-12-31",
        reverse("reports:service-requests") + "?from=2030-01-01&to=2020-12-31",  # a refused period
        reverse("portal:browse", kwargs={"city": "independence"}) + "?status=closed",
        "/independence/performance/?fy=1999",
        "/no-such-page/at-all/",
    ]


def spanish_client(how: str) -> Client:
    if how == "cookie":
        client = Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
        return client
    return Client(HTTP_ACCEPT_LANGUAGE="es")


def read(response: Any) -> tuple[str, str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode("utf-8", errors="replace"), response.get("Content-Type", "")


@pytest.mark.parametrize("how", ["accept-language", "cookie"])
def test_every_public_page_is_in_spanish_for_a_resident_who_reads_spanish(spanish: Spanish, how: str) -> None:
    client = spanish_client(how)
    problems, pages = [], 0
    for url in public_urls(spanish):
        response = client.get(url)
        body, content_type = read(response)
        if response.status_code >= 500:
            problems.append(f"{url} answered {response.status_code}")
            continue
        if response.status_code in (301, 302) or content_type.startswith(MACHINE) or "javascript" in content_type:
            continue
        if content_type.startswith("text/html") and "<html" in body:  # not a fragment for htmx
            pages += 1
            if '<html lang="es">' not in body:
                problems.append(f'{url} is not <html lang="es">')
        problems += [f"{url} shows {shown}" for shown in english_in(body, content_type)]
    assert not problems, "\n".join(problems)
    assert pages > 30  # the pages were really there


def test_the_staff_console_is_in_spanish_for_staff_who_read_spanish(spanish: Spanish) -> None:
    # Not the residents' side, but translated too: a supervisor's and an administrator's
    # pages, filled from the same world.
    values = {
        "city": ["independence"],
        "number": [c.number for c in spanish.world.cases],
        "pk": ["1"],
        "agreement_id": ["1"],
        "transfer_id": ["1"],
    }
    problems, pages = [], 0
    for role in (Role.SUPERVISOR, Role.CITY_ADMIN):
        client = spanish_client("accept-language")
        client.force_login(spanish.world.staff[("independence", role)])
        for route in routes():
            if route.namespace != "console" or route.name == "console:logout":
                continue
            for url in paths(route, values):
                response = client.get(url)
                body, content_type = read(response)
                if response.status_code >= 500:
                    problems.append(f"{url} answered {response.status_code}")
                if not content_type.startswith("text/html") or "<html" not in body:
                    continue
                pages += 1
                if '<html lang="es">' not in body:
                    problems.append(f'{url} is not <html lang="es">')
                problems += [f"{url} shows {shown}" for shown in english_in(body, content_type)]
    assert not problems, "\n".join(problems)
    assert pages > 10


def test_forms_refusals_and_the_confidential_pages_are_in_spanish(spanish: Spanish, independence: Any) -> None:
    client = spanish_client("accept-language")
    trash = spanish.world.service_type
    lat, lng = INSIDE["independence"]
    answers = [
        client.post("/report/", {}),
        client.post(
            "/independence/report/",
            {"service_type": trash.pk, "lat": lat, "lng": lng, "reporter_email": "not-an-address"},
        ),
        client.post("/independence/alerts/", {"email": "nope", "on": "new", "area": "radius"}),
        client.post(f"/independence/requests/{spanish.world.cases[0].number}/follow/", {"email": "nope"}),
        client.get(reverse("portal:confidential")),
        client.post(reverse("portal:confidential"), {"code": "WRONG-CODE"}),
        client.post(reverse("portal:confidential"), {"code": spanish.access_code}),
        client.post(reverse("portal:confidential"), {"code": spanish.access_code, "information": ""}),
        client.post(reverse("portal:confidential"), {"code": spanish.access_code, "information": "Más datos"}),
    ]
    problems = []
    for response in answers:
        body, content_type = read(response)
        assert response.status_code < 500, body[:500]
        if '<html lang="es">' not in body:
            problems.append(f"{response.request['PATH_INFO']} is not in Spanish")
        problems += [f"{response.request['PATH_INFO']} shows {s}" for s in english_in(body, content_type)]
    assert not problems, "\n".join(problems)
    assert "Ese código no abre ningún reporte" in read(answers[5])[0]
    assert "Agregar información" in read(answers[6])[0]


def test_the_waiting_and_unavailable_pages_are_in_spanish() -> None:
    request = RequestFactory().get("/report/")
    with translation.override("es"):
        for template in ("core/too_many_requests.html", "core/unavailable.html", "404.html", "403.html", "400.html"):
            page = render_to_string(template, {"message": "…"}, request=request)
            assert '<html lang="es">' in page and not english_in(page), (template, english_in(page))


# --- The resident's emails -------------------------------------------------------------


def sent_to(address: str) -> list[Any]:
    from civicdesk.notifications.delivery import deliver_due_now

    deliver_due_now()
    return [m for m in mail.outbox if address in m.to]


def html_of(message: Any) -> str:
    return next(body for body, kind in message.alternatives if kind == "text/html")


def report_in(language: str, *, city: Any, service_type: Any, email: str) -> ServiceRequest:
    lat, lng = INSIDE[city.slug]
    response = Client(HTTP_ACCEPT_LANGUAGE=language).post(
        f"/{city.slug}/report/",
        {
            "service_type": service_type.pk,
            "lat": lat,
            "lng": lng,
            "description": "Un colchón en el callejón",
            "reporter_name": "Ana",
            "reporter_email": email,
            "notify_reporter": "on",
            "nearby_checked": "1",
        },
    )
    assert response.status_code in (200, 302), response.content.decode()[:2000]
    return ServiceRequest.objects.get(reporter_email=email)


def test_a_resident_who_reports_in_spanish_gets_every_email_in_spanish(
    cities: Any, trash: Any, make_staff: Any
) -> None:
    independence = cities["independence"]
    case = report_in("es", city=independence, service_type=trash, email="ana@example.com")
    assert case.language == "es"
    worker = make_staff(independence, Role.WORKER, department=trash.department)
    # The staff work in English; the resident still reads Spanish.
    with translation.override("en"):
        services.case_add_note(case=case, actor=worker, text="La cuadrilla va en camino", public=True)
        services.case_close(case=case, actor=worker, resolution="resolved", note="Recogido")
    created, updated, closed = sent_to("ana@example.com")
    assert created.subject == f"[{case.reference}] Recibimos su reporte: {trash.name}"
    assert "Gracias por su reporte a Independence" in created.body and "Estimado/a Ana:" in created.body
    assert "Dé seguimiento a su reporte aquí" in created.body
    assert updated.subject == f"[{case.reference}] Novedades sobre su reporte: {trash.name}"
    assert "Hay novedades sobre su reporte" in updated.body
    assert closed.subject == f"[{case.reference}] Su reporte está cerrado: {trash.name}"
    assert "está cerrado: " in closed.body and "Gracias por ayudar a Independence." in closed.body
    for message in (created, updated, closed):
        assert not english_in(message.body, "text/plain"), english_in(message.body, "text/plain")
        assert '<html lang="es">' in html_of(message) and not english_in(html_of(message))
    staff_copy = [m for m in mail.outbox if m.subject.startswith(f"[{case.reference}] Case closed")]
    assert staff_copy, [m.subject for m in mail.outbox]  # the staff's own copy stays English


def test_a_resident_who_reports_in_english_gets_english_emails(cities: Any, trash: Any) -> None:
    case = report_in("en", city=cities["independence"], service_type=trash, email="bob@example.com")
    assert case.language == "en"
    (created,) = sent_to("bob@example.com")
    assert created.subject.endswith(f"We received your report: {trash.name}")
    assert "Thank you for your report to Independence" in created.body


def test_a_case_entered_without_a_language_is_written_in_the_sites(cities: Any, trash: Any) -> None:
    lat, lng = INSIDE["independence"]
    with translation.override("es"):
        case = services.case_create(service_type=trash, lat=lat, lng=lng, reporter_email="c@example.com")
    assert case.language == ""
    (created,) = sent_to("c@example.com")
    assert "We received your report" in created.subject


def test_followers_and_alert_subscribers_read_the_language_they_asked_in(world: World) -> None:
    independence = world.cities["independence"]
    case = world.cases[0]
    alert_services.subscription_create(email="sub@example.com", city=independence, language="es-MX")
    (confirm,) = sent_to("sub@example.com")
    assert confirm.subject == "Confirme sus alertas de Independence 311"
    assert "Alguien (esperamos que usted) pidió" in confirm.body and not english_in(confirm.body, "text/plain")
    case_follow(case=case, email="sigue@example.com", language="es")
    case_follow(case=case, email="follows@example.com", language="en")
    worker = world.staff[("independence", Role.WORKER)]
    with translation.override("en"):
        services.case_add_note(case=case, actor=worker, text="Mañana", public=True)
    (spanish_update,) = sent_to("sigue@example.com")
    (english_update,) = sent_to("follows@example.com")
    assert "que usted sigue" in spanish_update.body and not english_in(spanish_update.body, "text/plain")
    assert spanish_update.subject.endswith(f"Novedades sobre un reporte que usted sigue: {case.service_type.name}")
    assert "which you follow" in english_update.body


def test_an_alert_is_written_in_the_subscribers_language_whoever_made_the_report(cities: Any, trash: Any) -> None:
    independence = cities["independence"]
    lat, lng = INSIDE["independence"]
    subscription = alert_services.subscription_create(
        email="alerta@example.com", city=independence, area="radius", lat=lat, lng=lng, radius_m=402, language="es"
    )
    alert_services.subscription_confirm(token=subscription.confirm_token)
    with translation.override("en"):  # an English-speaking neighbour reports
        services.case_create(service_type=trash, lat=lat, lng=lng, description="Sofa", reporter_email="e@example.com")
    _confirm, alert = sent_to("alerta@example.com")
    assert alert.subject == f"Nuevo reporte cerca de usted: {trash.name}"
    assert "Se hizo un nuevo reporte en su área de alertas (a menos de ¼\u00a0milla del" in alert.body
    assert not english_in(alert.body, "text/plain") and not english_in(html_of(alert))


def test_a_caller_entered_in_the_console_in_spanish_gets_spanish_emails(
    cities: Any, trash: Any, make_staff: Any
) -> None:
    independence = cities["independence"]
    lat, lng = INSIDE["independence"]
    staff = Client()  # the call taker works in English
    staff.force_login(make_staff(independence, Role.CALL_TAKER))
    form = {
        "service_type": trash.pk,
        "lat": lat,
        "lng": lng,
        "description": "Colchón en el callejón",
        "reporter_email": "llamada@example.com",
        "channel": "phone",
        "priority": "normal",
        "language": "es",
        "confirm": "1",
    }
    assert staff.get(reverse("console:new")).status_code == 200
    response = staff.post(reverse("console:new"), form)
    assert response.status_code == 302, response.content.decode()[:3000]
    case = ServiceRequest.objects.get(reporter_email="llamada@example.com")
    assert case.language == "es"
    (created,) = sent_to("llamada@example.com")
    assert "Recibimos su reporte" in created.subject and "Gracias por su reporte" in created.body


def test_a_spanish_reporters_duplicate_is_closed_and_followed_in_spanish(
    cities: Any, trash: Any, make_staff: Any
) -> None:
    from civicdesk.cases.services import case_mark_duplicate

    independence = cities["independence"]
    original = report_in("en", city=independence, service_type=trash, email="first@example.com")
    duplicate = report_in("es", city=independence, service_type=trash, email="segunda@example.com")
    worker = make_staff(independence, Role.WORKER, department=trash.department)
    with translation.override("en"):
        case_mark_duplicate(case=duplicate, actor=worker, original=original, note="")
        services.case_add_note(case=original, actor=worker, text="Mañana pasa el camión", public=True)
    _created, closed, update = sent_to("segunda@example.com")
    assert f"Este problema ya se había reportado como {original.reference}" in closed.body
    assert "que usted sigue" in update.body and not english_in(update.body, "text/plain")


def test_a_confidential_reporter_in_spanish_gets_the_notice_in_spanish(
    independence: Any, make_service_type: Any
) -> None:
    hotline = make_service_type(independence, "fraud-hotline", name="Fraud hotline", is_confidential=True)
    with translation.override("en"):
        services.case_create(
            service_type=hotline, city=independence, description="x", reporter_email="d@example.com", language="es"
        )
    (notice,) = sent_to("d@example.com")
    assert notice.subject == "Independence 311: Recibimos su reporte"
    assert "ingrese su código de acceso" in notice.body and not english_in(notice.body, "text/plain")


def test_the_check_finds_english_messages_on_a_page(cities: Any) -> None:
    # Were nothing left untranslated, the walk above would pass on anything: here every
    # message is watched, and the English pages must be caught showing theirs.
    every = patterns(tuple(po_entries(CATALOGUE / "django.po")))
    home = Client(HTTP_ACCEPT_LANGUAGE="en").get("/").content.decode()
    found = english_in(home, watch=every)
    assert any("'Report a problem'" in f for f in found) and any("'Skip to content'" in f for f in found)
    offline = Client(HTTP_ACCEPT_LANGUAGE="en").get("/offline/").content.decode()
    assert any("This page needs a connection" in f for f in english_in(offline, watch=every))
    assert not english_in(Client(HTTP_ACCEPT_LANGUAGE="es").get("/").content.decode(), watch=every)


# --- The catalogue itself --------------------------------------------------------------


def test_the_spanish_catalogue_compiles_cleanly_and_has_no_fuzzy_entries() -> None:
    entries = po_entries(CATALOGUE / "django.po")
    assert not [e.msgid for e in entries if "fuzzy" in e.flags]
    if shutil.which("msgfmt"):
        check = subprocess.run(
            ["msgfmt", "--check", "-o", "/dev/null", str(CATALOGUE / "django.po")], capture_output=True, text=True
        )
        assert check.returncode == 0, check.stderr


def test_the_compiled_catalogue_is_the_po_file_compiled() -> None:
    # Forgetting compilemessages after translating would leave the pages in English.
    catalog = compiled()
    for entry in po_entries(CATALOGUE / "django.po"):
        if entry.plural:
            expected = {(key(entry), n): s for n, s in enumerate(entry.strings) if s}
        else:
            expected = {key(entry): entry.strings[0]} if entry.strings and entry.strings[0] else {}
        for found, text in expected.items():
            assert catalog.get(found) == text, found


def test_placeholders_survive_translation() -> None:
    for entry in po_entries(CATALOGUE / "django.po"):
        wanted = sorted(set(PLACEHOLDER.findall(entry.plural or entry.msgid)) - {"%%"})
        for text in filter(None, entry.strings):
            assert sorted(set(PLACEHOLDER.findall(text)) - {"%%"}) == wanted, (entry.msgid, text)
        template_vars = sorted(re.findall(r"{{\s*\w+\s*}}", entry.msgid))
        for text in filter(None, entry.strings):
            assert sorted(re.findall(r"{{\s*\w+\s*}}", text)) == template_vars, (entry.msgid, text)
