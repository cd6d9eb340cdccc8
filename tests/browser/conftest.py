"""Browser tests: Debian's Chromium (/usr/bin/chromium) driven by Playwright, against
pytest-django's live server. Never `playwright install`: the browser is the machine's.

One browser for the package (started on the first browser test, stopped after the last), a
fresh context (cookies, storage, service workers) for every test. Pages the suite visits are
screenshotted into test-artifacts/screenshots/ (gitignored) and can be checked with axe."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from PIL import Image
from playwright.sync_api import expect

from civicdesk.places.models import Source
from civicdesk.places.normalise import parse_street
from civicdesk.places.readers import PointRow
from civicdesk.places.services import addresses_load
from tests.conftest import INSIDE, REPO
from tests.portal.conftest import catalogue  # noqa: F401  (the portal's small catalogue, reused)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
PASSWORD = "a-long-test-password"  # what tests.conftest.make_staff gives every account
# expect() waits as long as the contexts' actions do (new_context: 10 s), not its own 5 s, which a
# page answering a fetch on CI's busy 2-core machine can outlast.
expect.set_options(timeout=10_000)


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """Chromium, once for the whole package.

    Playwright's sync API keeps an asyncio loop marked as running in this thread while it is
    alive, and Django then refuses database calls from it ("async unsafe"). The tests here are
    plain synchronous code, so that check is switched off while (and only while) the browser
    lives: the tests of other packages run with it on."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/bootstrap.sh (it installs Debian's chromium package)")
    from playwright.sync_api import sync_playwright

    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        # Playwright gives the browser a fresh temporary user data dir of its own and deletes it.
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()
    if before is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture
def site(live_server: Any, settings: Any, transactional_db: Any) -> str:
    """The live server's address; emails link to it (SITE_URL) as they would in production."""
    settings.SITE_URL = live_server.url
    settings.MAP_TILES_URL = ""
    mail.outbox = []
    return str(live_server.url)


@pytest.fixture
def new_context(browser: Any, site: str, transactional_db: Any) -> Iterator[Callable[..., Any]]:
    """Make browser contexts (each its own cookies and storage); all closed after the test."""
    made: list[Any] = []

    def make(viewport: dict[str, int] | None = None, **kw: Any) -> Any:
        context = browser.new_context(viewport=viewport or DESKTOP, base_url=site, **kw)
        context.set_default_timeout(10_000)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


@pytest.fixture
def context(new_context: Callable[..., Any]) -> Any:
    return new_context()


@pytest.fixture
def meadow_ln(cities: dict[str, Any]) -> Any:
    """18881 to 18900 Meadow Ln, in Independence: addresses to type, pick and zoom the map to."""
    independence = cities["independence"]
    lat, lng = INSIDE["independence"]
    rows = [
        PointRow(n, "", parse_street("Meadow Ln"), "", "", "64050", lat + (n - 18891) * 0.00005, lng)
        for n in range(18881, 18901)
    ]
    addresses_load(city=independence, rows=list(enumerate(rows, start=1)), source=Source.OPENADDRESSES)
    return independence


@pytest.fixture
def page(context: Any) -> Iterator[Any]:
    """A desktop-sized page; fails the test on any JavaScript error in the page."""
    yield open_page(context)


def open_page(context: Any) -> Any:
    """A new page that records its JavaScript errors in ``page.errors``."""
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    return page


def screenshot(page: Any, name: str) -> Path:
    """Save the whole page as test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page: Any) -> list[str]:
    """axe-core's violations on the page as it is now (WCAG 2.x A/AA and best practices),
    one readable line per failing element."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"resultTypes": ["violations"]})
    lines = []
    for violation in results.response["violations"]:
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"{violation['id']} ({violation['impact']}): {target} :: {node['html'][:160]}")
    return lines


def sign_in(page: Any, username: str, *, password: str = PASSWORD) -> None:
    """Fill the console's sign-in form on the page that shows it."""
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    # Until the answer to the sign-in has loaded: a pattern like "**/console/new/" also matches
    # the sign-in page's own "?next=/console/new/", so waiting for the URL alone returns at once.
    with page.expect_navigation():
        page.click("form.stack button[type=submit]")


def address_search_for(text: str) -> Callable[[Any], bool]:
    """Whether a response is the address box's answer to the search for ``text`` (address.js
    asks /places/search?q=… with the box's words, trimmed), for ``page.expect_response``."""
    words = text.strip()

    def answers(response: Any) -> bool:
        asked = urlsplit(response.url)
        return (
            response.request.resource_type == "fetch"
            and asked.path.endswith("/places/search")
            and parse_qs(asked.query).get("q") == [words]
        )

    return answers


def type_address(page: Any, text: str, *, box: Any = None, delay: int = 40) -> None:
    """Type ``text`` key by key in an address box (the locator ``box``, or the element with the
    focus) and return once the box's search for the whole words is answered.

    The box asks after a pause in the typing (address.js), so on a busy machine a late key
    lets it ask about the words so far: that answer's list stays on the screen until the last
    one replaces it, and a test that waited only for "a list" read or chose from the older one."""
    with page.expect_response(address_search_for(text)) as answer:
        if box is None:
            page.keyboard.type(text, delay=delay)
        else:
            box.press_sequentially(text, delay=delay)
    answer.value.finished()


def jpeg_file(directory: Path, name: str = "pothole.jpg") -> Path:
    """A real JPEG on disk (made with Pillow), for a file input."""
    img = Image.new("RGB", (120, 90), (90, 90, 90))
    img.paste((30, 30, 30), (30, 20, 90, 70))
    out = io.BytesIO()
    img.save(out, format="JPEG")
    path = directory / name
    path.write_bytes(out.getvalue())
    return path


def delivered_mail() -> list[Any]:
    """Deliver what the outbox holds now; every email sent so far (Django's test backend)."""
    from civicdesk.notifications.delivery import deliver_due_now

    deliver_due_now()
    return list(mail.outbox)


def mail_to(address: str) -> list[Any]:
    """The emails sent so far to ``address``, oldest first."""
    return [m for m in delivered_mail() if address in m.to]


def link_in(message: Any, prefix: str) -> str:
    """The first link in an email's text that starts with ``prefix``."""
    found = re.search(re.escape(prefix) + r"\S*", message.body)
    assert found, f"no link starting {prefix} in:\n{message.body}"
    return found.group(0)
