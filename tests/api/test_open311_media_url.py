"""``media_url``: kept only as a public http(s) URL (``core.safe_urls``), refused otherwise
with a 400 naming the field, and never served from a row stored before the check existed:
not by Open311 (JSON, XML), not on the console's or the portal's case page, not in a feed
or an email. Text in bytes that are not UTF-8 is refused too."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from civicdesk.accounts.models import Role
from civicdesk.cases.models import Channel, ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.core import safe_urls
from civicdesk.open311.models import Open311Submission
from civicdesk.tenants.models import City
from tests.api.conftest import API
from tests.api.open311_client import body, errors, get
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

FORMATS = ["json", "xml"]
LAT, LNG = INSIDE["independence"]
REFUSED = [
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    "file:///etc/passwd",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "ftp://photos.example.org/1.jpg",
    "/media/cases/1.jpg",
    "//photos.example.org/1.jpg",
    "photos.example.org/1.jpg",
    "http://127.0.0.1:8100/admin/",
    "http://localhost/x.jpg",
    "http://[::1]/x.jpg",
    "http://10.0.0.7/x.jpg",
    "http://192.168.1.1/x.jpg",
    "http://169.254.169.254/latest/meta-data/",
    "https://photos.example.org/a b.jpg",
    "https://photos.example.org/\u202egpj.exe",
    "https://photos.example.org/" + "a" * safe_urls.MAX_LENGTH,
]
# What a row can hold (the column is as long as the longest URL accepted).
STORABLE = [url for url in REFUSED if len(url) <= safe_urls.MAX_LENGTH]


def _post(client: Any, city: City, api_key: str, fmt: str = "json", **form: Any) -> Any:
    form = {
        "jurisdiction_id": city.jurisdiction_id,
        "api_key": api_key,
        "service_code": "trash",
        "lat": str(LAT),
        "long": str(LNG),
        "attribute[bags]": "1",
        "attribute[kind]": "sofa",
        **form,
    }
    return client.post(f"{API}/requests.{fmt}", form)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("url", REFUSED)
def test_a_media_url_that_is_not_a_public_http_url_is_a_400_naming_the_field(
    client: Any, independence: City, asks_everything: ServiceType, api_key: str, fmt: str, url: str
) -> None:
    response = _post(client, independence, api_key, fmt, media_url=url)
    assert response.status_code == 400, response.content
    [error] = errors(response)
    assert error["code"] == 400
    assert error["description"].startswith("media_url: ")
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "https://photos.example.org/1.jpg",
        "HTTP://Photos.Example.org/a.jpg?size=large#top",
        "https://münchen.example/straße.jpg",
        "https://xn--mnchen-3ya.example/a.jpg",
        "https://8.8.8.8/a.jpg",
        "https://photos.example.org/" + "a" * (safe_urls.MAX_LENGTH - len("https://photos.example.org/")),
    ],
)
def test_a_public_http_url_is_kept_and_read_back_in_both_formats(
    client: Any, independence: City, asks_everything: ServiceType, api_key: str, url: str
) -> None:
    response = _post(client, independence, api_key, media_url=f"  {url} ")
    assert response.status_code == 201, response.content
    reference = response.json()[0]["service_request_id"]
    assert (
        body(get(client, f"requests/{reference}", "json", jurisdiction_id=independence.jurisdiction_id))[0]["media_url"]
        == url
    )
    xml = body(get(client, f"requests/{reference}", "xml", jurisdiction_id=independence.jurisdiction_id))
    assert xml.findtext("request/media_url") == url


# --- rows stored before the check -------------------------------------------------------------


@pytest.fixture
def stored(file_report: Callable[..., ServiceRequest]) -> Callable[[str], ServiceRequest]:
    """A case as an application filed it before the check: whatever media_url it sent, kept."""

    def make(url: str) -> ServiceRequest:
        # An application's report: the channel every case with a submission row has (the
        # case pages read the row for those only).
        case = file_report(description="Filed by an app", channel=Channel.OPEN311)
        Open311Submission.objects.create(case=case, media_url=url[: safe_urls.MAX_LENGTH])
        return case

    return make


class _Links(HTMLParser):
    """Every href and src of a page, and the text of feed <link>/<id> elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self._in_link = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value or "" for name, value in attrs if name in ("href", "src")]
        self._in_link = tag in ("link", "guid", "id")

    def handle_endtag(self, tag: str) -> None:
        self._in_link = False

    def handle_data(self, data: str) -> None:
        if self._in_link and data.strip():
            self.urls.append(data.strip())


def links(text: str) -> list[str]:
    parser = _Links()
    parser.feed(text)
    return parser.urls


def _harmless(url: str) -> bool:
    """A link we may publish: relative to our own site, an http(s) URL, or the city's own
    mailto:/tel: links (staff pages link the reporter's email and phone)."""
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return False
    return scheme in ("http", "https", "mailto", "tel") or (scheme == "" and url.startswith(("/", "#", "?")))


def open311_media_urls(client: Any, city: City, reference: str) -> list[str]:
    juris = {"jurisdiction_id": city.jurisdiction_id}
    found = []
    for endpoint, params in ((f"requests/{reference}", {}), ("requests", {"service_request_id": reference})):
        for extended in ("false", "true"):
            found += [
                r["media_url"] for r in body(get(client, endpoint, "json", extensions=extended, **params, **juris))
            ]
            xml: ET.Element = body(get(client, endpoint, "xml", extensions=extended, **params, **juris))
            found += [r.findtext("media_url") or "" for r in xml]
    return found


def public_surfaces(client: Any, staff: Client, case: ServiceRequest) -> dict[str, str]:
    """The pages, feeds and emails that show ``case``, as text."""
    pages = {
        "portal case page": client.get(reverse("portal:case", args=[case.city.slug, case.number])),
        "console case page": staff.get(reverse("console:case", args=[case.city.slug, case.number])),
        "atom feed": client.get(reverse("portal:feed", args=[case.city.slug, "new", "atom"])),
        "rss feed": client.get(reverse("portal:feed", args=[case.city.slug, "new", "rss"])),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
    return {name: response.content.decode() for name, response in pages.items()}


def email_texts(outbox: Callable[[], list[Any]], case: ServiceRequest) -> list[str]:
    texts = []
    for message in outbox():
        if case.reference in message.subject or case.reference in message.body:
            texts.append(message.body)
            texts += [content for content, mimetype in getattr(message, "alternatives", []) if "html" in mimetype]
    return texts


def assert_nothing_unsafe_is_served(
    client: Any, staff: Client, outbox: Callable[[], list[Any]], case: ServiceRequest
) -> None:
    served = open311_media_urls(client, case.city, case.reference)
    assert served and all(url == "" or safe_urls.public_url(url) == url for url in served), served
    for name, text in public_surfaces(client, staff, case).items():
        bad = [url for url in links(text) if not _harmless(url)]
        assert not bad, (name, bad)
    for text in email_texts(outbox, case):
        assert not [url for url in links(text) if not _harmless(url)]
        assert not any(scheme in text.lower() for scheme in ("javascript:", "data:", "file:"))


@pytest.fixture
def staff(independence: City, make_staff: Callable[..., Any]) -> Client:
    client = Client()
    client.force_login(make_staff(independence, Role.SUPERVISOR))
    return client


@pytest.mark.parametrize("url", STORABLE)
def test_a_bad_url_stored_before_the_check_is_served_nowhere(
    client: Any,
    staff: Client,
    outbox: Callable[[], list[Any]],
    stored: Callable[[str], ServiceRequest],
    url: str,
) -> None:
    case = stored(url)
    assert open311_media_urls(client, case.city, case.reference) == [""] * 8
    assert_nothing_unsafe_is_served(client, staff, outbox, case)
    for text in public_surfaces(client, staff, case).values():
        assert url not in text


def test_a_good_stored_url_is_shown_to_staff_and_on_the_case_page_without_a_photo(
    client: Any, staff: Client, stored: Callable[[str], ServiceRequest]
) -> None:
    case = stored("https://photos.example.org/sofa.jpg")
    pages = public_surfaces(client, staff, case)
    assert 'href="https://photos.example.org/sofa.jpg"' in pages["portal case page"]
    assert 'href="https://photos.example.org/sofa.jpg"' in pages["console case page"]


def test_the_migration_blanks_bad_stored_urls_and_keeps_good_ones(stored: Callable[[str], ServiceRequest]) -> None:
    good = stored("https://photos.example.org/1.jpg").open311_submission
    bad = [stored(url).open311_submission for url in STORABLE]
    migration = importlib.import_module("civicdesk.open311.migrations.0008_blank_unsafe_media_urls")
    migration.blank_unsafe_media_urls(apps, None)
    good.refresh_from_db()
    assert good.media_url == "https://photos.example.org/1.jpg"
    for submission in bad:
        submission.refresh_from_db()
        assert submission.media_url == ""


# --- the property ---------------------------------------------------------------------------------

GOOD = "https://photos.example.org/sofa.jpg"
hosts = st.sampled_from(
    [
        "photos.example.org",
        "münchen.example",
        "xn--mnchen-3ya.example",
        "例え.example",
        "пример.example",
        "127.0.0.1",
        "[::1]",
        "10.0.0.1",
        "169.254.169.254",
        "localhost",
        "example.org@127.0.0.1",
        "",
    ]
)
schemes = st.sampled_from(
    [
        "http://",
        "https://",
        "HTTPS://",
        "javascript:",
        "JaVaScRiPt:",
        "data:",
        "file://",
        "ftp://",
        "//",
        "",
        " http://",
    ]
)
odd = st.sampled_from([" ", "\t", "\n", "\r", "\x0b", "\x01", "\x7f", "\u200b", "\u202e", "\u00a0", "\ufeff"])


@st.composite
def media_urls(draw: Any) -> str:
    kind = draw(st.sampled_from(["built", "spliced", "long", "free"]))
    if kind == "built":
        return draw(schemes) + draw(hosts) + "/" + draw(st.text(max_size=30))
    if kind == "spliced":
        at = draw(st.integers(0, len(GOOD)))
        return GOOD[:at] + draw(odd) + GOOD[at:]
    if kind == "long":
        return GOOD + "?" + "a" * draw(st.integers(safe_urls.MAX_LENGTH - 60, safe_urls.MAX_LENGTH + 10))
    return draw(st.text(max_size=60))


SETTINGS = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@given(url=media_urls())
@SETTINGS
def test_whatever_media_url_is_posted_every_public_surface_shows_nothing_or_a_public_http_url(
    client: Any,
    staff: Client,
    outbox: Callable[[], list[Any]],
    independence: City,
    asks_everything: ServiceType,
    api_key: str,
    url: str,
) -> None:
    response = _post(client, independence, api_key, media_url=url, email="resident@example.org")
    blank = not url.strip()  # a blank field is a missing one
    acceptable = blank or (bool(safe_urls.public_url(url.strip())) and "\x00" not in url)
    event(f"answered {response.status_code}")
    if not acceptable:
        assert response.status_code == 400, (url, response.content)
        assert all(e["description"].startswith("media_url") for e in errors(response)), errors(response)
        return
    assert response.status_code == 201, (url, response.content)
    case = ServiceRequest.objects.get(number=int(response.json()[0]["service_request_id"].rsplit("-", 1)[1]))
    assert open311_media_urls(client, independence, case.reference) == [url.strip()] * 8  # "" if blank
    assert_nothing_unsafe_is_served(client, staff, outbox, case)


@given(url=media_urls())
@SETTINGS
def test_whatever_media_url_was_stored_every_public_surface_shows_nothing_or_a_public_http_url(
    client: Any,
    staff: Client,
    outbox: Callable[[], list[Any]],
    stored: Callable[[str], ServiceRequest],
    url: str,
) -> None:
    case = stored(url.replace("\x00", ""))  # PostgreSQL cannot store a NUL at all
    assert_nothing_unsafe_is_served(client, staff, outbox, case)


# --- text that is not UTF-8 -----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_description_in_bytes_that_are_not_utf8_is_a_400_that_says_so(
    client: Any, independence: City, asks_everything: ServiceType, api_key: str, fmt: str
) -> None:
    form = (
        f"jurisdiction_id={independence.jurisdiction_id}&api_key={api_key}&service_code=trash"
        f"&lat={LAT}&long={LNG}&attribute%5Bbags%5D=1&attribute%5Bkind%5D=sofa&description=Sofa+%ff%fe+here"
    )
    response = client.post(f"{API}/requests.{fmt}", form, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400, response.content
    [error] = errors(response)
    assert error["description"].startswith("description contains bytes that are not UTF-8 text")
    assert "send the text encoded as UTF-8" in error["description"]
    assert not ServiceRequest.objects.exists()


def test_bytes_that_are_not_utf8_in_a_multipart_field_or_the_query_string_are_refused_too(
    client: Any, independence: City, asks_everything: ServiceType, api_key: str
) -> None:
    boundary = "civicdesk"
    fields = {
        "jurisdiction_id": independence.jurisdiction_id.encode(),
        "api_key": api_key.encode(),
        "service_code": b"trash",
        "address_string": b"1 Main",
        "attribute[bags]": b"1",
        "attribute[kind]": b"sofa",
        "first_name": b"Jos\xe9",
    }
    payload = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value + b"\r\n"
        for name, value in fields.items()
    )
    payload += f"--{boundary}--\r\n".encode()
    response = client.post(f"{API}/requests.json", payload, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 400, response.content
    assert errors(response)[0]["description"].startswith("first_name contains bytes that are not UTF-8 text")
    listed = client.get(f"{API}/requests.json?jurisdiction_id={independence.jurisdiction_id}&service_code=tr%ffash")
    assert listed.status_code == 400
    assert errors(listed)[0]["description"].startswith("service_code contains bytes that are not UTF-8 text")
    assert not ServiceRequest.objects.exists()
