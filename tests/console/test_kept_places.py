"""The Overdue, Likely late and Not placed pages keep a supervisor's place as the case list
does (each its own, per city, for the rest of the sign-in), and the case page's "Back to …"
returns to whichever list was looked at last, named with its dates and its page: "Back to My
department · Pothole · New · opened Nov 1–15 · page 3", "Back to Likely late · page 2"."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from django.utils import translation

from civicdesk.accounts.models import User
from civicdesk.cases.models import ServiceRequest, Status
from civicdesk.catalog.models import ServiceType
from civicdesk.console import views
from civicdesk.console.remembered import SESSION_KEY
from civicdesk.core import clock
from civicdesk.expected import selectors as expected
from civicdesk.tenants.models import City, District
from tests.expected.helpers import grow_backlog, insert_cases, trained_city

pytestmark = pytest.mark.django_db

HOME = reverse("console:home")
OVERDUE = reverse("console:overdue")
LIKELY_LATE = reverse("console:likely_late")
NOT_PLACED = reverse("console:not_placed")
# A fixed "today" (Independence's clock): the words leave out this year, and say another one.
NOW = dt.datetime(2026, 11, 20, 18, 0, tzinfo=dt.UTC)


def case_page(case: ServiceRequest) -> str:
    return reverse("console:case", kwargs={"city": case.city.slug, "number": case.number})


def back_link(response: Any) -> tuple[str, str]:
    """The case page's way back to the list: its address and its words, tags dropped."""
    found = re.search(r'<p class="back-to-list"><a href="([^"]+)">(.*?)</a></p>', response.content.decode(), re.S)
    assert found, "the case page has no way back to the list"
    return found.group(1), re.sub(r"<[^>]+>", "", found.group(2)).replace("← ", "").strip()


def numbers(response: Any) -> list[int]:
    return [row["case"].number if isinstance(row, dict) else row.number for row in response.context["rows"]]


@pytest.fixture
def late_potholes(pothole: ServiceType) -> list[ServiceRequest]:
    """30 open potholes opened 20 to 49 days before NOW (due 10 days after): all overdue, and,
    with no point on the map, all on Not placed too. 25 a page: two pages of each."""
    opened = [NOW - dt.timedelta(days=20 + n) for n in range(30)]
    return insert_cases(pothole, opened, [None] * 30)


@pytest.fixture
def dated_potholes(pothole: ServiceType, independence: City) -> list[ServiceRequest]:
    """60 potholes opened in the first half of November 2026 (noon, Independence's clock)."""
    noon = dt.datetime(2026, 11, 1, 12, 0, tzinfo=independence.tz)
    return insert_cases(pothole, [noon + dt.timedelta(hours=5 * n) for n in range(60)], [None] * 60)


@pytest.mark.parametrize(
    ("opened_from", "opened_to", "said"),
    [
        ("2026-11-01", "2026-11-15", "opened Nov 1–15"),
        ("2026-10-28", "2026-11-15", "opened Oct 28 – Nov 15"),
        ("2026-11-03", "2026-11-03", "opened Nov 3"),
        ("2026-11-01", "", "opened from Nov 1"),
        ("", "2026-11-15", "opened until Nov 15"),
        ("2025-11-01", "2025-11-15", "opened Nov 1–15, 2025"),
        ("2025-12-28", "2026-01-05", "opened Dec 28, 2025 – Jan 5, 2026"),
    ],
)
def test_the_way_back_names_the_opening_dates(
    signed_in: Callable[[User], Client], supervisor: User, report: Any, opened_from: str, opened_to: str, said: str
) -> None:
    case = report()
    client = signed_in(supervisor)
    with clock.frozen_at(NOW):
        client.get(HOME, {"queue": "all", "opened_from": opened_from, "opened_to": opened_to})
        assert back_link(client.get(case_page(case))) == (HOME, f"Back to All of my city · {said}")


def test_the_way_back_names_the_filters_the_dates_and_the_page(
    signed_in: Callable[[User], Client], supervisor: User, pothole: ServiceType, dated_potholes: list[ServiceRequest]
) -> None:
    client = signed_in(supervisor)
    asked = {
        "queue": "all",
        "service_type": str(pothole.pk),
        "status": Status.NEW,
        "opened_from": "2026-11-01",
        "opened_to": "2026-11-15",
        "page": "2",
    }
    with clock.frozen_at(NOW):
        listed = client.get(HOME, asked)
        assert listed.context["page"].number == 2
        words = back_link(client.get(case_page(dated_potholes[0])))
    assert words == (HOME, "Back to All of my city · Pothole · New · opened Nov 1–15 · page\u00a02")
    # The first page is no place to name.
    with clock.frozen_at(NOW):
        client.get(HOME, {**asked, "page": "1"})
        assert back_link(client.get(case_page(dated_potholes[0])))[1] == (
            "Back to All of my city · Pothole · New · opened Nov 1–15"
        )


def test_the_way_back_says_its_dates_and_page_in_spanish(
    client: Client, supervisor: User, pothole: ServiceType, dated_potholes: list[ServiceRequest]
) -> None:
    client.force_login(supervisor)
    asked = {"queue": "all", "status": Status.NEW, "opened_from": "2026-11-01", "opened_to": "2026-11-15", "page": "2"}
    with clock.frozen_at(NOW), translation.override("es"):
        client.get(HOME, asked)
        page = client.get(case_page(dated_potholes[0]), headers={"accept-language": "es"})
    assert back_link(page) == (HOME, "Volver a Todos los de mi ciudad · Nuevo · abiertos 1–15 nov · página\u00a02")
    with clock.frozen_at(NOW), translation.override("es"):
        client.get(OVERDUE, {"page": "2"}, headers={"accept-language": "es"})
        page = client.get(case_page(dated_potholes[0]), headers={"accept-language": "es"})
    assert back_link(page) == (OVERDUE, "Volver a Casos vencidos · página\u00a02")


def test_overdue_keeps_its_page_and_the_case_page_goes_back_to_it(
    signed_in: Callable[[User], Client], supervisor: User, late_potholes: list[ServiceRequest], independence: City
) -> None:
    client = signed_in(supervisor)
    with clock.frozen_at(NOW):
        second = client.get(OVERDUE, {"page": "2"})
        assert second.context["page"].number == 2
        on_it = numbers(second)
        assert len(on_it) == 5
        case = ServiceRequest.objects.get(city=independence, number=on_it[0])
        assert back_link(client.get(case_page(case))) == (OVERDUE, "Back to Overdue cases · page\u00a02")

        again = client.get(OVERDUE)  # the back link, or "Overdue" in the menu
    assert again.context["page"].number == 2
    assert numbers(again) == on_it
    # The address then says the page (console.js puts it in the address bar).
    assert again.context["list_address"] == f"{OVERDUE}?page=2"
    assert f'data-list-address="{OVERDUE}?page=2"' in again.content.decode()


def test_each_list_keeps_its_own_place_and_the_way_back_is_the_last_looked_at(
    signed_in: Callable[[User], Client], supervisor: User, pothole: ServiceType, late_potholes: list[ServiceRequest]
) -> None:
    client = signed_in(supervisor)
    case = late_potholes[0]
    with clock.frozen_at(NOW):
        client.get(HOME, {"queue": "all", "service_type": str(pothole.pk)})
        client.get(OVERDUE, {"page": "2"})
        client.get(NOT_PLACED)  # its first page: nothing to name
        assert back_link(client.get(case_page(case))) == (NOT_PLACED, "Back to Not placed")
        client.get(OVERDUE)
        assert back_link(client.get(case_page(case))) == (OVERDUE, "Back to Overdue cases · page\u00a02")
        cases = client.get(HOME)  # "Cases": the case list as it was left, not Overdue's page
        assert cases.context["queue"] == "all"
        assert cases.context["form"]["service_type"].value() == str(pothole.pk)
        assert back_link(client.get(case_page(case))) == (HOME, "Back to All of my city · Pothole")
        assert client.get(OVERDUE).context["page"].number == 2
        assert client.get(NOT_PLACED).context["page"].number == 1


def test_the_default_case_list_opened_last_is_the_way_back(
    signed_in: Callable[[User], Client], supervisor: User, late_potholes: list[ServiceRequest]
) -> None:
    client = signed_in(supervisor)
    with clock.frozen_at(NOW):
        client.get(OVERDUE, {"page": "2"})
        client.get(HOME)  # nothing kept of the case list: the role's default
        assert back_link(client.get(case_page(late_potholes[0]))) == (HOME, "Back to My department")


def test_an_address_with_its_own_page_wins_and_becomes_the_one_kept(
    signed_in: Callable[[User], Client], supervisor: User, late_potholes: list[ServiceRequest], independence: City
) -> None:
    client = signed_in(supervisor)
    with clock.frozen_at(NOW):
        client.get(NOT_PLACED, {"page": "2"})
        asked = client.get(NOT_PLACED, {"page": "1"})
        assert asked.context["page"].number == 1
        assert asked.context["list_address"] == ""  # the address already says it
        assert client.get(NOT_PLACED).context["page"].number == 1
    assert client.session[SESSION_KEY][str(independence.pk)]["not_placed"] == "page=1"


def test_a_kept_page_past_a_list_that_shrank_opens_its_first_page_without_a_word(
    signed_in: Callable[[User], Client], supervisor: User, late_potholes: list[ServiceRequest], independence: City
) -> None:
    client = signed_in(supervisor)
    with clock.frozen_at(NOW):
        client.get(OVERDUE, {"page": "2"})
        ServiceRequest.objects.filter(pk__in=[c.pk for c in late_potholes[:10]]).update(status=Status.CLOSED)
        kept = client.get(OVERDUE)
    assert kept.status_code == 200
    assert kept.context["page"].number == 1
    assert len(numbers(kept)) == 20
    assert "page" not in client.session[SESSION_KEY][str(independence.pk)]["overdue"]
    assert kept.context["list_address"] == ""
    # The same page asked for in the address is read as any page link is: the list's last page.
    assert client.get(OVERDUE, {"page": "2"}).context["page"].number == 1


def test_a_kept_cursor_is_a_later_page_and_one_the_list_cannot_use_opens_the_first_quietly(
    signed_in: Callable[[User], Client],
    supervisor: User,
    late_potholes: list[ServiceRequest],
    independence: City,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from civicdesk.core import paging

    # Lists of more than 2 cases page by keyset here (as lists of more than 10,000 do).
    monkeypatch.setattr(paging.CappedPaginator, "cap", 2)
    client = signed_in(supervisor)
    with clock.frozen_at(NOW):
        first = client.get(NOT_PLACED)
        older = first.context["page"].older
        assert older
        later = client.get(NOT_PLACED, {"cursor": older})
        on_it = [row["case"].number for row in later.context["rows"]]
        assert back_link(client.get(case_page(late_potholes[0]))) == (NOT_PLACED, "Back to Not placed · a later page")
        kept = client.get(NOT_PLACED)
        assert [row["case"].number for row in kept.context["rows"]] == on_it

        # A cursor made for another order (the list changed its order since): said when asked
        # for in the address, the first page without a word when kept.
        session = client.session
        session[SESSION_KEY][str(independence.pk)]["not_placed"] = "cursor=" + older[::-1]
        session.save()
        stale = client.get(NOT_PLACED)
    assert stale.context["page"].problem == ""
    assert "no longer works" not in stale.content.decode()
    assert [row["case"].number for row in stale.context["rows"]] == [
        row["case"].number for row in first.context["rows"]
    ]
    assert "cursor" not in client.session[SESSION_KEY][str(independence.pk)]["not_placed"]


def test_each_city_has_its_own_places(
    signed_in: Callable[[User], Client], supervisor: User, raytown: City, late_potholes: list[ServiceRequest]
) -> None:
    client = signed_in(supervisor)
    with clock.frozen_at(NOW):
        client.get(OVERDUE, {"page": "2"})
        supervisor.city = raytown
        supervisor.department = None
        supervisor.save()
        there = client.get(OVERDUE)
    assert there.context["page"].number == 1
    assert there.context["list_address"] == ""


def test_a_new_sign_in_forgets_the_places(supervisor: User, late_potholes: list[ServiceRequest]) -> None:
    client = Client()
    client.force_login(supervisor)
    with clock.frozen_at(NOW):
        client.get(OVERDUE, {"page": "2"})
        client.post(reverse("console:logout"))
        client.force_login(supervisor)
        assert back_link(client.get(case_page(late_potholes[0]))) == (HOME, "Back to My department")
        assert client.get(OVERDUE).context["page"].number == 1


def test_likely_late_keeps_its_page_and_the_case_page_goes_back_to_it(
    signed_in: Callable[[User], Client],
    supervisor: User,
    independence: City,
    make_service_type: Callable[..., ServiceType],
) -> None:
    expected.forget_models()
    try:
        trained = trained_city(independence, make_service_type, now=NOW)
        grow_backlog(trained["pothole"], now=NOW, count=60)
        client = signed_in(supervisor)
        with clock.frozen_at(NOW):
            first = client.get(LIKELY_LATE)
            assert first.context["page"].paginator.num_pages >= 2
            second = client.get(LIKELY_LATE, {"page": "2"})
            on_it = numbers(second)
            case = ServiceRequest.objects.get(city=independence, number=on_it[0])
            assert back_link(client.get(case_page(case))) == (LIKELY_LATE, "Back to Likely late · page\u00a02")
            again = client.get(LIKELY_LATE)
        assert again.context["page"].number == 2
        assert numbers(again) == on_it
        assert again.context["list_address"] == f"{LIKELY_LATE}?page=2"
        # Its own page links read the kept place: "Previous" leads to page 1.
        assert 'href="?page=1" rel="prev"' in again.content.decode()
    finally:
        expected.forget_models()


LONG_DISTRICT = "Northeast Historic Neighborhoods and the Truman Road Corridor"
LONG_SEARCH = "pothole in front of the blue house near the corner of Truman and Noland"


def shortened_link(response: Any) -> tuple[str, str, str]:
    """A shortened way back: its words shown (tags dropped), its title, its accessible name."""
    found = re.search(
        r'<p class="back-to-list"><a href="[^"]+" title="([^"]+)" aria-label="([^"]+)">(.*?)</a></p>',
        response.content.decode(),
        re.S,
    )
    assert found, "the way back has no title and accessible name of its words in full"
    shown = unescape(re.sub(r"<[^>]+>", "", found.group(3))).replace("← ", "").strip()
    return shown, unescape(found.group(1)), unescape(found.group(2))


def test_a_long_district_name_and_search_are_shortened_and_said_in_full_in_its_title(
    signed_in: Callable[[User], Client], supervisor: User, independence: City, dated_potholes: list[ServiceRequest]
) -> None:
    district = District.objects.filter(city=independence, retired_on__isnull=True).order_by("pk").first()
    if district is None:
        district = District.objects.create(city=independence, name="Ward", number=None, boundary=independence.boundary)
    district.name = LONG_DISTRICT
    district.save(update_fields=["name"])
    client = signed_in(supervisor)
    asked = {"queue": "all", "district": str(district.pk), "q": LONG_SEARCH, "opened_from": "2026-11-01"}
    with clock.frozen_at(NOW):
        client.get(HOME, {**asked, "opened_to": "2026-11-15"})
        shown, title, name = shortened_link(client.get(case_page(dated_potholes[0])))
    whole = f"Back to All of my city · {LONG_DISTRICT} · “{LONG_SEARCH}” · opened Nov 1–15"
    assert title == name == whole
    words = shown.removeprefix("Back to ").split(" · ")
    assert words[0] == "All of my city" and words[-1] == "opened Nov 1–15"  # the list's own words whole
    place, search = words[1], words[2].strip("“”")
    for short, long in ((place, LONG_DISTRICT), (search, LONG_SEARCH)):
        assert short.endswith("…") and long.startswith(short.removesuffix("…")), short
    assert len(shown.removeprefix("Back to ")) <= views.WAY_BACK_BUDGET

    # Short words are shown whole: no title, the link's words its name.
    with clock.frozen_at(NOW):
        client.get(HOME, {**asked, "q": "Elm", "district": ""})
        assert back_link(client.get(case_page(dated_potholes[0])))[1] == (
            "Back to All of my city · “Elm” · opened from Nov 1"
        )


def test_the_shortened_way_back_is_said_in_full_in_spanish(
    client: Client, supervisor: User, dated_potholes: list[ServiceRequest]
) -> None:
    client.force_login(supervisor)
    with clock.frozen_at(NOW), translation.override("es"):
        client.get(HOME, {"queue": "all", "q": LONG_SEARCH}, headers={"accept-language": "es"})
        shown, title, name = shortened_link(client.get(case_page(dated_potholes[0]), headers={"accept-language": "es"}))
    assert title == name == f"Volver a Todos los de mi ciudad · “{LONG_SEARCH}”"
    assert shown.startswith("Volver a Todos los de mi ciudad · “pothole in front") and shown.endswith("…”")


@pytest.mark.parametrize(
    ("language", "opened_from", "opened_to", "forms"),
    [
        ("en", "2026-11-01", "2026-11-15", ["opened Nov 1–15", "Nov 1–15"]),
        ("es", "2026-11-01", "2026-11-15", ["abiertos 1–15 nov", "1–15 nov"]),
        ("en", "2026-10-28", "2026-11-15", ["opened Oct 28 – Nov 15", "Oct 28 – Nov 15"]),
        ("es", "2026-11-03", "2026-11-03", ["abiertos 3 nov", "3 nov"]),
        ("en", "2026-11-01", "", ["opened from Nov 1", "since Nov 1"]),
        ("es", "2026-11-01", "", ["abiertos desde 1 nov", "desde 1 nov"]),
        ("en", "", "2026-11-15", ["opened until Nov 15", "until Nov 15"]),
        ("es", "", "2026-11-15", ["abiertos hasta 15 nov", "hasta 15 nov"]),
        # Another year is said; in figures only where that is shorter.
        ("en", "2025-11-01", "2025-11-15", ["opened Nov 1–15, 2025", "Nov 1–15, 2025"]),
        (
            "en",
            "2025-12-28",
            "2026-01-03",
            ["opened Dec 28, 2025 – Jan 3, 2026", "Dec 28, 2025 – Jan 3, 2026", "12/28/25–1/3/26"],
        ),
        (
            "es",
            "2025-12-28",
            "2026-01-03",
            ["abiertos 28 dic 2025 – 3 ene 2026", "28 dic 2025 – 3 ene 2026", "28/12/25–3/1/26"],
        ),
        ("en", "2025-03-01", "", ["opened from Mar 1, 2025", "since Mar 1, 2025", "since 3/1/25"]),
        ("es", "", "2025-03-09", ["abiertos hasta 9 mar 2025", "hasta 9 mar 2025", "hasta 9/3/25"]),
    ],
)
def test_the_opening_dates_have_shorter_forms_in_each_language_with_the_year_only_when_another(
    language: str, opened_from: str, opened_to: str, forms: list[str]
) -> None:
    def day(text: str) -> dt.date | None:
        return dt.date.fromisoformat(text) if text else None

    with translation.override(language):
        said = views._dates_forms(day(opened_from), day(opened_to), today=NOW.date())
    assert said == forms
    assert views._dates_forms(None, None, today=NOW.date()) == []


def every_part_long(dates: list[str]) -> tuple[list[tuple[str, str]], list[int]]:
    """A way back with every part long at once, its opening dates in ``dates``' first form,
    and the order the case list leaves its parts out in: channel, status, search, district,
    type, and the dates last."""
    parts = [
        (str(views.QUEUE_LABELS["all"]), "queue"),
        ("Overgrown vegetation obstructing the sidewalk", "city"),
        (str(Status.IN_PROGRESS.label), "filter"),
        (LONG_DISTRICT, "city"),
        ("Open311 app", "filter"),
        (LONG_SEARCH, "search"),
        (dates[0], "dates"),
        (views._place_words(QueryDict("page=12")), "place"),
    ]
    return parts, [4, 2, 5, 3, 1, 6]


WHOLE_LIST = {
    # Dates across two years: the rest left out, and even the dates without their word are
    # too long ("Dec 28, 2025 – Jan 3, 2026"): in figures, in each language's order.
    ("en", "2025-12-28"): "All of my city and 5 filters · 12/28/25–1/3/26 · page\u00a012",
    ("es", "2025-12-28"): "Todos los de mi ciudad y 5 filtros · 28/12/25–3/1/26 · página\u00a012",
    # Dates of this year are short enough to keep a type's name beside them.
    ("en", "2026-11-01"): "All of my city · Overgrown… · Nov 1–15 · 4 more filters · page\u00a012",
    ("es", "2026-11-01"): "Todos los de mi ciudad y 5 filtros · 1–15 nov · página\u00a012",
}


@pytest.mark.parametrize(("language", "opened_from"), list(WHOLE_LIST), ids=lambda v: str(v))
def test_with_every_part_long_at_once_the_opening_dates_are_kept_short_and_the_rest_left_out_first(
    language: str, opened_from: str
) -> None:
    end = dt.date(2026, 1, 3) if opened_from.startswith("2025") else dt.date(2026, 11, 15)
    with translation.override(language):
        dates = views._dates_forms(dt.date.fromisoformat(opened_from), end, today=NOW.date())
        parts, order = every_part_long(dates)
        fitted = views._fitted(parts, leave_out=order, dates=dates[1:])
    shown = " · ".join(words for words, _kind in fitted)
    assert shown == WHOLE_LIST[(language, opened_from)]
    assert len(shown) <= views.WAY_BACK_MOST
    # The dates whole, in one of their forms, never cut; the queue and the page whole.
    assert ("dates" in [kind for _words, kind in fitted]) and dict((k, w) for w, k in fitted)["dates"] in dates
    assert fitted[0][0].startswith(parts[0][0]) and fitted[-1] == parts[-1]
    # Each other part kept is whole or cut at the start of its words to no fewer than 8 characters.
    for words, kind in fitted:
        if kind in ("city", "filter", "search"):
            whole = next(text for text, their in parts if their == kind and text.startswith(words.removesuffix("…")))
            assert words == whole or len(words) >= views.SHORTEST_WORDS, words


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_status_and_the_channel_are_left_out_before_the_opening_dates(language: str) -> None:
    with translation.override(language):
        dates = views._dates_forms(dt.date(2025, 12, 28), dt.date(2026, 1, 3), today=NOW.date())
        queue = str(views.QUEUE_LABELS["all"])
        parts = [(queue, "queue"), (str(Status.IN_PROGRESS.label), "filter"), ("Open311 app", "filter")]
        parts += [(dates[0], "dates"), (views._place_words(QueryDict("page=3")), "place")]
        # By default, as the case list does: the list's own filters first, the dates last.
        fitted = views._fitted(parts, dates=dates[1:])
    kinds = [kind for _words, kind in fitted]
    assert "dates" in kinds and "filter" not in kinds
    assert (
        " · ".join(words for words, _kind in fitted)
        == {
            "en": "All of my city and 2 filters · 12/28/25–1/3/26 · page\u00a03",
            "es": "Todos los de mi ciudad y 2 filtros · 28/12/25–3/1/26 · página\u00a03",
        }[language]
    )


@pytest.mark.parametrize(
    ("language", "said"),
    [("en", "All of my city and 3 filters"), ("es", "Todos los de mi ciudad y 3 filtros")],
    ids=["en", "es"],
)
def test_when_only_the_queue_is_left_it_says_how_many_filters_with_it(language: str, said: str) -> None:
    # Names marked with their language are never cut: long ones can only be left out.
    long = [(views.as_written(f"{LONG_DISTRICT} {n}"), "marked") for n in range(3)]
    with translation.override(language):
        place = views._place_words(QueryDict("page=3"))
        fitted = views._fitted([(str(views.QUEUE_LABELS["all"]), "queue"), *long, (place, "place")])
    assert fitted == [(said, "queue"), (place, "place")]


@pytest.mark.parametrize("language", ["en", "es"])
def test_with_only_the_city_words_long_they_are_shortened_and_nothing_is_left_out(language: str) -> None:
    with translation.override(language):
        place = views._place_words(QueryDict("page=12"))
        queue = str(views.QUEUE_LABELS["all"])
        few = [(queue, "queue"), (LONG_DISTRICT, "city"), ("Open311 app", "filter"), (place, "place")]
        fitted = views._fitted(few)
    assert [words for words, _kind in fitted][::2] == [queue, "Open311 app"]
    assert fitted[3] == (place, "place") and fitted[1][0].endswith("…") and len(fitted) == len(few)
