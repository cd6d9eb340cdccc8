"""The staff console: views translate requests into selector reads and service calls.

Every form works as a plain POST (redirect, then the page) and as an htmx request (the
changed part of the page comes back). The services decide who may do what; a refusal is
shown as a 403 page, or inside the page for htmx.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import InvalidPage, Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse, QueryDict
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.formats import date_format, get_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy, ngettext, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from civicdesk.accounts.models import Role, User
from civicdesk.cases import permissions, placement, services
from civicdesk.cases import selectors as cases
from civicdesk.cases.models import OPEN_STATUSES, Resolution, ServiceRequest, Status
from civicdesk.cases.permissions import Action
from civicdesk.cases.transfers import pending_transfer
from civicdesk.catalog.models import ServiceType
from civicdesk.console import remembered, selectors
from civicdesk.console.collaborative import transfer_panel, transfer_request
from civicdesk.console.common import case_url, staff_view, typed_pk, user_of
from civicdesk.console.forms import FilterForm, NewCaseForm, PlaceForm, SignInForm
from civicdesk.core import clock
from civicdesk.core.errors import OutsideServiceArea
from civicdesk.core.forms import error_items
from civicdesk.core.paging import COUNT_CAP, CappedPaginator, KeysetPage, KeysetPaginator
from civicdesk.core.templatetags.distances import unbroken
from civicdesk.core.templatetags.written import as_written
from civicdesk.expected import selectors as expected
from civicdesk.tenants.models import City

PAGE_SIZE = 25

# Lazy: module constants are built at import, before any request has chosen a language.
QUEUE_LABELS = {
    "mine": gettext_lazy("Mine"),
    "department": gettext_lazy("My department"),
    "unassigned": gettext_lazy("Unassigned"),
    "overdue": gettext_lazy("Overdue"),
    "all": gettext_lazy("All of my city"),
}

COLUMNS = [
    ("number", gettext_lazy("Case")),
    ("type", gettext_lazy("Type")),
    ("status", gettext_lazy("Status")),
    ("address", gettext_lazy("Where")),
    ("district", gettext_lazy("District")),
    # The person who has the case, else the department it waits in (_list_rows).
    ("assignee", gettext_lazy("Assigned to")),
    ("opened", gettext_lazy("Opened")),
    ("due", gettext_lazy("Due")),
]


def _get_case(request: HttpRequest, city: str, number: int) -> ServiceRequest:
    try:
        return cases.case_get_for_staff(user=user_of(request), city_slug=city, number=number)
    except ServiceRequest.DoesNotExist as exc:
        # Another city's case is simply not there for this user.
        raise Http404(_("No such case in your city.")) from exc


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


# --- lists -----------------------------------------------------------------------------


def _columns(current: str, queue: str) -> list[dict[str, Any]]:
    """Each sortable column header: its label, the sort its link asks for, its aria-sort.

    In the unassigned queue no case has a person: the "Assigned to" column holds each case's
    department, and says so (and sorts by it)."""
    key, descending = current.lstrip("-"), current.startswith("-")
    columns = []
    for name, label in COLUMNS:
        if name == "assignee" and queue == "unassigned":
            name, label = "department", gettext_lazy("Department")
        active = name == key
        columns.append(
            {
                "name": name,
                "label": label,
                "sort": f"-{name}" if active and not descending else name,
                "aria_sort": ("descending" if descending else "ascending") if active else "",
            }
        )
    return columns


# One row of the case list. Written here, not by a template loop: 25 rows of nine cells
# through the template engine were a fifth of the console page's time at a million cases.
# Every value passes through format_html, so each is escaped as a template would. The
# district is written twice: in its own column, and under the address for a tablet, where
# console.css hides the column so that the due date fits beside the case number.
# On a phone each row is a card (console.css, table.phone-cards): each cell after its
# column's name, its data-label. A date (class "day") is never split across lines on a tablet or a desk.
_ROW = (
    "<tr{}>\n"
    '<td class="pick"><input type="checkbox" name="case" value="{}" aria-label="{}"></td>\n'
    '<td class="ref"><a href="{}">{}</a></td>\n'
    '<td data-label="{}">{}</td>\n'
    '<td data-label="{}"><span class="status status-{}">{}</span></td>\n'
    '<td data-label="{}">{}{}</td>\n'
    '<td class="col-district" data-label="{}">{}</td>\n'
    '<td data-label="{}">{}</td>\n'
    '<td class="day" data-label="{}">{}</td>\n'
    '<td data-label="{}">{}</td>\n'
    "</tr>\n"
)


# A date as the case list writes it, by (language, day, format): the same few hundred days
# recur on every page, and each formatting reads the month's name through the translations.
_dates: dict[tuple[str, Any, str], str] = {}
_MOST_DATES = 5_000
# The URL of a case page with two markers in place of the city and the number (a slug and a
# number never hold them), reversed once per page instead of once per row.
_CITY_MARK, _NUMBER_MARK = "city-slug-mark", 987654321


def _list_rows(listed: Any, columns: list[dict[str, Any]]) -> list[SafeString]:
    """Each row of the case list as HTML: reference (a link), type, status, where, district,
    who has it, opened (the city's local date) and due (with "overdue" when it is past), each
    cell labelled with its column's header (``columns``) for a phone's cards. The
    city's words (a type's, a district's, a department's name) are ``as_written``: inside
    ``lang="en"`` on a Spanish page."""
    labels = [str(column["label"]) for column in columns[1:]]
    now = clock.now()
    late = format_html(' <strong class="late">{}</strong>', _("overdue"))
    under_address = '<span class="col-district-inline">{}</span>'
    select = _("Select %(ref)s")
    statuses = {value: str(label) for value, label in Status.choices}
    language = get_language() or ""
    # The page's language orders a date ("Dec. 6" / "6 dic"): the catalog holds the formats.
    date_words, due_words = _("N j, Y"), _("N j")
    case_page = reverse("console:case", kwargs={"city": _CITY_MARK, "number": _NUMBER_MARK})

    def local_date(moment: Any, case: ServiceRequest, fmt: str) -> str:
        # The case's own city's day, not the site's: 11:30 p.m. in a city on Mountain time is
        # already the next day on Central time. ``case.city`` is loaded with the row.
        key = (language, moment.astimezone(case.city.tz).date(), fmt)
        if key not in _dates:
            if len(_dates) >= _MOST_DATES:
                _dates.clear()
            _dates[key] = date_format(key[1], fmt)
        return _dates[key]

    def link(case: ServiceRequest) -> str:
        return case_page.replace(str(_NUMBER_MARK), str(case.number)).replace(_CITY_MARK, case.city.slug)

    rows = []
    for case in listed:
        overdue = case.is_open and case.due_at is not None and case.due_at < now
        if case.due_at is None:
            due: Any = "—"
        else:
            due = format_html(
                '<span class="day">{}</span>{}', local_date(case.due_at, case, due_words), late if overdue else ""
            )
        rows.append(
            format_html(
                _ROW,
                mark_safe(' class="overdue"') if overdue else "",
                case.pk,
                select % {"ref": case.reference},
                link(case),
                case.reference,
                labels[0],
                as_written(case.service_type.name),
                labels[1],
                case.status,
                statuses.get(case.status, case.status),
                labels[2],
                case.address_label or "—",
                format_html(under_address, as_written(case.district.name)) if case.district_id else "",
                labels[3],
                as_written(case.district.name) if case.district_id else "—",
                labels[4],
                case.assignee or (as_written(case.department.name) if case.department_id else "—"),
                labels[5],
                local_date(case.opened_at, case, date_words),
                labels[6],
                due,
            )
        )
    return rows


def _narrowed(filters: dict[str, Any]) -> bool:
    """Whether the list is narrower than its queue (a filter or a search)."""
    return any(value for name, value in filters.items() if name not in ("queue", "sort"))


def _keyset_page(request: HttpRequest, rows: Any, sort: str) -> KeysetPage:
    fields = cases.KEYSET_ORDERS[sort.lstrip("-")]
    page = KeysetPaginator(rows, PAGE_SIZE, fields=fields, descending=sort.startswith("-")).page(
        request.GET.get("cursor")
    )
    # The links say where they lead: by date "Newer" and "Older", in any other order the
    # page before and the page after.
    if sort == "-opened":
        page.labels = (_("Newer"), _("Older"))
    elif sort == "opened":
        page.labels = (_("Older"), _("Newer"))
    else:
        page.labels = (_("Previous"), _("Next"))
    return page


def _no_city_cases(request: HttpRequest, *, heading: str, nav: str) -> HttpResponse:
    """A case list's page for an account of no city (a regional administrator): it reads no
    case, so the page says who does, and where the region's figures are, instead of "none"."""
    return render(request, "console/no_cases.html", {"heading": heading, "nav": nav})


class LoginView(auth_views.LoginView):
    """The console's sign-in. A call taker signing in to the console's start lands on the
    new-case form: they sign in to take calls, and own no case that "Mine" would list."""

    template_name = "console/login.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        url = super().get_success_url()
        user = self.request.user
        if url == resolve_url(settings.LOGIN_REDIRECT_URL) and getattr(user, "role", "") == Role.CALL_TAKER:
            return reverse("console:new")
        return url


def home_queue(user: User) -> str:
    """The queue the case list opens on: where the person's work is.

    A call taker takes calls and is seldom given a case to work ("Mine" would open empty):
    theirs is every case of the city, newest first, where the calls just taken are and where a
    caller's earlier report is searched for. A supervisor (and a city administrator) hands
    work out rather than being handed it: theirs is their department's open cases, newest
    first (the new ones to assign; Overdue is a tab beside it, with its count), or, with no
    department, the city's open cases no one has. A worker's is "Mine". A queue asked for in
    the URL (a bookmark, a tab clicked) always wins over this (``FilterForm``)."""
    if user.role == Role.CALL_TAKER:
        return "all"
    if user.role in (Role.SUPERVISOR, Role.CITY_ADMIN):
        return "department" if user.department_id else "unassigned"
    return "mine"


def _empty_queue_note(user: User, queue: str, counts: dict[str, int]) -> dict[str, Any] | None:
    """What an empty queue says, and where there is work: "Nothing is assigned to you." and a
    link, "14 cases are open in Public Works.", to the first other queue that holds open cases
    (your department's, then the unassigned, then your own). The counts are the tabs' own:
    nothing more is read."""
    if counts.get(queue):
        return None
    department = as_written(user.department.name) if user.department_id and user.department else ""
    said = {
        "mine": _("Nothing is assigned to you."),
        "department": format_html(_("No case is open in {department}."), department=department)
        if department
        else _("Your account has no department, so this queue is empty."),
        "unassigned": _("Every open case has someone assigned."),
        "overdue": _("No open case is past its due date."),
        "all": _("Your city has no case yet."),
    }[queue]
    for other in ("department", "unassigned", "mine"):
        n = counts.get(other, 0)
        if other == queue or not n or (other == "department" and not department):
            continue
        # A queue past the cap is counted no further: "10,000+ cases are open in …".
        shown = _("%(cap)s+") % {"cap": number_format(COUNT_CAP, force_grouping=True)} if n > COUNT_CAP else n
        link: str
        if other == "department":
            link = format_html(
                ngettext("{n} case is open in {department}.", "{n} cases are open in {department}.", n),
                n=shown,
                department=department,
            )
        elif other == "unassigned":
            link = ngettext("%(n)s open case has no one assigned.", "%(n)s open cases have no one assigned.", n) % {
                "n": shown
            }
        else:
            link = ngettext("%(n)s case is assigned to you.", "%(n)s cases are assigned to you.", n) % {"n": shown}
        return {"said": said, "link": link, "queue": other}
    return {"said": said, "link": "", "queue": ""}


@require_GET
@staff_view
def home(request: HttpRequest) -> HttpResponse:
    """The case list: queues with counts, filters, search, sortable columns, pages.

    Up to 10,000 cases a list has numbered pages ("Page 3 of 12": staff jump to a page, and
    the count is exact). A longer list pages by keyset ("Newer" / "Older", core/paging.py):
    each page starts after the last row shown, read from the index of the list's order, so
    the thousandth page costs what the first does and a case opened meanwhile moves nothing.
    """
    user = user_of(request)
    if user.city_id is None:
        # A regional administrator's console starts at the region's figures.
        if user.is_regional_admin:
            return redirect("console:region")
        return _no_city_cases(request, heading=_("Cases"), nav="cases")
    queue = home_queue(user)
    data, restored = _list_data(request, user)
    form = FilterForm(data or {"queue": queue}, user=user, default_queue=queue)
    if not form.is_valid() and restored:
        # A kept filter that no longer holds (a district of a retired map withdrawn, a type
        # removed, dates typed backwards): left out quietly, the rest of the list kept.
        data = data.copy()
        for name in form.errors:
            data.pop(name, None)
        form = FilterForm(data or {"queue": queue}, user=user, default_queue=queue)
        form.is_valid()
    if restored:
        # The page's links (sorts, pages, tabs) keep the list's parameters.
        request.GET = data  # type: ignore[assignment]  # read-only to the stubs, not to Django
    filters = form.filters()
    readable = cases.case_list_for_staff(user=user)  # what the user may read: asked once
    counts = cases.case_queue_counts(user=user, readable=readable)
    paginator = CappedPaginator(cases.case_search(user=user, readable=readable, **filters), PAGE_SIZE)
    if not _narrowed(filters):
        paginator.count = counts[filters["queue"]]  # the queue's own count: not counted twice
    sort_note = ""
    if filters["sort"].lstrip("-") in cases.SORTS_ACROSS_TABLES and paginator.capped:
        # A name in another table (type, district, assignee) has no index on the cases: sorting
        # by it sorts the whole list. Up to 10,000 cases that is quick; past it, newest first.
        sort_note = _("To sort by this column, narrow the list to 10,000 cases or fewer with a filter or a search.")
        filters["sort"] = cases.DEFAULT_SORT
        count = paginator.count
        paginator = CappedPaginator(cases.case_search(user=user, readable=readable, **filters), PAGE_SIZE)
        paginator.count = count  # the same rows: not counted twice
    keyset = None
    if paginator.capped and "page" not in request.GET:
        # A "page=" link (a bookmark from before) still opens that numbered page.
        keyset = _keyset_page(request, paginator.object_list, filters["sort"])
        page: Any = keyset
        data = _keyset_kept(keyset, data, restored=restored)
    else:
        page, data = _numbered_page(paginator, data, restored=restored)
    # Nothing asked and nothing kept (the role's default): this list is still the one looked at last.
    remembered.list_remember(request, city_id=user.city_id, query=data if data or restored else None)
    bulk = _bulk_context(request)
    columns = _columns(filters["sort"], filters["queue"])
    context = {
        "form": form,
        "page": page,
        "rows": _list_rows(cases.case_rows_completed(page, city=user.city, people=bulk["staff"]), columns),
        "paginator": paginator,
        "keyset": keyset,
        "queue": filters["queue"],
        "empty_note": None if _narrowed(filters) else _empty_queue_note(user, filters["queue"], counts),
        "queues": [
            (q, QUEUE_LABELS[q], counts[q], counts[q] > COUNT_CAP, "?" + remembered.list_query(data, queue=q))
            for q in cases.QUEUES
        ],
        "count_cap": COUNT_CAP,
        "sort_note": sort_note,
        "columns": columns,
        "bulk": bulk,
        "nav": "cases",
        # A kept list opened at "/console/": the address then says it (console.js), so that a
        # bookmark or a reload is this list.
        "list_address": _list_address("console:home", data, restored=restored),
    }
    htmx = getattr(request, "htmx", None)
    template = "console/_results.html" if htmx and htmx.target == "results" else "console/home.html"
    return render(request, template, context)


def _list_data(request: HttpRequest, user: User) -> tuple[QueryDict, bool]:
    """The list to show: the one the address asks for, else the last one this person looked
    at in this city in this session (``restored``), else none (the role's default)."""
    htmx = getattr(request, "htmx", None)
    if remembered.list_asked(request.GET) or htmx or user.city_id is None:
        return request.GET, False
    kept = remembered.list_recalled(request, city_id=user.city_id)
    if kept is None:
        return request.GET, False
    return kept, True


def _kept_place(request: HttpRequest, user: User, name: str) -> tuple[QueryDict, bool]:
    """The place to show in list ``name`` (Overdue, Likely late, Not placed): the one the
    address asks for, else the one kept in this session (``restored``: the page's links then
    read it as the address), else its first page."""
    if remembered.list_asked(request.GET, name=name) or user.city_id is None:
        return request.GET, False
    kept = remembered.list_recalled(request, city_id=user.city_id, name=name)
    if kept is None:
        return request.GET, False
    request.GET = kept  # type: ignore[assignment]  # read-only to the stubs, not to Django
    return kept, True


def _numbered_page(paginator: Paginator, data: QueryDict, *, restored: bool) -> tuple[Any, QueryDict]:
    """The numbered page of ``data``, and ``data`` as it is to be kept. A page number asked for
    in the address is read as Django's ``get_page`` reads it (past the end: the last page); a
    kept one past a list that shrank opens its first page, not its last, and is forgotten."""
    if not restored:
        return paginator.get_page(data.get("page")), data
    try:
        return paginator.page(data.get("page") or 1), data
    except InvalidPage:
        data = data.copy()
        data.pop("page", None)
        return paginator.page(1), data


def _keyset_kept(page: KeysetPage, data: QueryDict, *, restored: bool) -> QueryDict:
    """``data`` as it is to be kept for a keyset ``page``: a kept cursor of a list that changed
    opens its first page without a word about a link, and is forgotten; a cursor that leads to
    the first page anyway is not kept (the back link would call it "a later page")."""
    if restored and page.problem:
        page.problem = ""
    if "cursor" in data and (page.problem or not page.newer):
        data = data.copy()
        data.pop("cursor", None)
    return data


def _list_address(url_name: str, data: QueryDict, *, restored: bool, name: str = remembered.CASES) -> str:
    """The address of a kept place opened at the list's bare address: console.js puts it in
    the address bar, so that a reload or a bookmark is this place. Empty when the address
    already says it."""
    query = remembered.list_query(data, name=name) if restored else ""
    return f"{reverse(url_name)}?{query}" if query else ""


# The pages of one order a case page's "Back to …" may name, by their own headings.
PLACE_LABELS = {
    remembered.OVERDUE: gettext_lazy("Overdue cases"),
    remembered.LIKELY_LATE: gettext_lazy("Likely late"),
    remembered.NOT_PLACED: gettext_lazy("Not placed"),
}


def _way_back(request: HttpRequest, user: User) -> dict[str, Any]:
    """The case page's "Back to …": the list this person looked at last in this session, its
    address (the list's own: it opens the place kept) and its name with its place in it."""
    assert user.city_id is not None
    name = remembered.list_last(request, city_id=user.city_id)
    if name == remembered.CASES:
        words, full = _list_name(request, user)
        return {"url": reverse("console:home"), "words": words, "full": full}
    data = remembered.list_recalled(request, city_id=user.city_id, name=name) or QueryDict()
    parts: list[Any] = [PLACE_LABELS[name]]
    if place := _place_words(data):
        parts.append(place)
    return {"url": reverse(f"console:{name}"), "words": format_html_join(" · ", "{}", ((p,) for p in parts))}


def _place_words(data: QueryDict) -> str:
    """ "page 3" of a kept page number; "a later page" of a kept keyset cursor (its pages have
    no numbers); nothing on the first page."""
    if data.get("cursor"):
        return _("a later page")
    number = data.get("page", "")
    if number.isdigit() and int(number) > 1:
        # One piece, as a distance's number and unit: a line never ends at "página" with "2" next.
        return unbroken(_("page %(n)s") % {"n": number_format(int(number), force_grouping=True)})
    return ""


def _dates_words(start: Any, end: Any, *, today: Any) -> str:
    """The opening dates of a list, short: "opened Nov 1–15", "opened Oct 28 – Nov 3",
    "opened from Nov 1", "opened until Nov 15"; the year only where it is not this one."""
    forms = _dates_forms(start, end, today=today)
    return forms[0] if forms else ""


def _dates_forms(start: Any, end: Any, *, today: Any) -> list[str]:
    """The opening dates of a list in the forms a way back may show them, the longest first,
    each shorter than the one before: with their word ("opened Nov 1–15"), alone ("Nov 1–15",
    "since Nov 1", "until Nov 15", "Dec 28, 2025 – Jan 3, 2026"), and, where a year is said, in
    the language's short numbers ("12/28/25–1/3/26"; in Spanish "28/12/25–3/1/26"). The year
    only where it is not this one; nothing without dates."""

    def day(moment: Any, *, year: bool) -> str:
        # Translators: a month and a day in the case page's "Back to …", short, as a Django date
        # format: "Nov 1, 2025" in English; a language that says the day first writes "j b Y".
        return date_format(moment, _("M j, Y") if year else _("M j"))

    def days(first: Any, last: Any, *, year: bool) -> str:
        # Two days of one month, the month said once: "Nov 1–15" ("1–15 nov" in Spanish).
        # Translators: the first day of two in one month, as a Django date format: "Nov 1" of
        # "Nov 1–15"; a language that says the day first writes "j" (and the month after the last).
        first_words = date_format(first, pgettext("first of two days in a month", "M j"))
        # Translators: the last day of two in one month, as a Django date format: "15" (or
        # "15, 2025") of "Nov 1–15, 2025"; a language that says the day first writes "j b" ("j b Y").
        last_words = date_format(
            last,
            pgettext("last of two days in a month", "j, Y") if year else pgettext("last of two days in a month", "j"),
        )
        return f"{first_words}–{last_words}"

    def number(moment: Any) -> str:
        # The language's own short date (Django's SHORT_DATE_FORMAT: "m/d/Y", "d/m/Y") with no
        # leading zero and two figures of the year: "12/28/25", "28/12/25".
        short = str(get_format("SHORT_DATE_FORMAT"))
        return date_format(moment, short.replace("m", "n").replace("d", "j").replace("Y", "y"))

    if start and end:
        year = start.year != today.year or end.year != today.year
        if start == end:
            dates = day(start, year=year)
            numbers = number(start)
        elif (start.year, start.month) == (end.year, end.month):
            dates = days(start, end, year=year)
            numbers = f"{number(start)}–{number(end)}"
        elif start.year == end.year:
            dates = f"{day(start, year=False)} – {day(end, year=year)}"
            numbers = f"{number(start)}–{number(end)}"
        else:
            dates = f"{day(start, year=True)} – {day(end, year=True)}"
            numbers = f"{number(start)}–{number(end)}"
        forms = [_("opened %(dates)s") % {"dates": dates}, dates]
    elif start:
        year = start.year != today.year
        # Translators: the first opening date of a list, short, in the case page's "Back to …": "since Nov 1".
        since = _("since %(date)s")
        forms = [_("opened from %(date)s") % {"date": day(start, year=year)}, since % {"date": day(start, year=year)}]
        numbers = since % {"date": number(start)}
    elif end:
        year = end.year != today.year
        # Translators: the last opening date of a list, short, in the case page's "Back to …": "until Nov 15".
        until = _("until %(date)s")
        forms = [_("opened until %(date)s") % {"date": day(end, year=year)}, until % {"date": day(end, year=year)}]
        numbers = until % {"date": number(end)}
    else:
        return []
    if year:
        forms.append(numbers)
    shorter: list[str] = []
    for form in forms:
        if not shorter or len(form) < len(shorter[-1]):
            shorter.append(form)
    return shorter


# The case page's "Back to …" takes at most two lines on a 360 px phone: past this many
# characters of the list's name, its words are shortened with an ellipsis, the longest first:
# the city's words (a type's, a district's name) and the search typed, none under
# ``SHORTEST_WORDS``; then, if still too long, the list's own filters (status, channel)
# past ``WAY_BACK_MOST`` (the list's own words whole fit two lines up to there); the opening
# dates are never cut, but said shorter ("Nov 1–15" for "opened Nov 1–15"). With every part
# long at once, whole parts are left out, the list's own filters first, the least telling
# first, then the city's words, the dates last, and the name says how many ("All of my city
# and 5 filters · Nov 1–15"): a word cut under ``SHORTEST_WORDS`` characters is read by
# nobody. The queue and the page ("page 3") are never left out nor shortened below that; the
# page never at all.
WAY_BACK_BUDGET = 56
WAY_BACK_MOST = 65
SHORTEST_WORDS = 8


def _shortened(
    texts: list[str], *, fixed: int, budget: int = WAY_BACK_BUDGET, shortest: int = SHORTEST_WORDS
) -> list[str]:
    """``texts`` shortened with an ellipsis, the longest first and none under ``shortest``
    characters, until they and ``fixed`` characters of other words fit in ``budget``; each as
    it was when it fits."""
    lengths = [len(text) for text in texts]
    over = fixed + sum(lengths) - budget
    while over > 0 and lengths:
        longest = max(range(len(lengths)), key=lambda i: lengths[i])
        if lengths[longest] <= shortest:
            break
        lengths[longest] -= 1
        over -= 1
    return [
        text if size >= len(text) else text[: size - 1].rstrip() + "…"
        for text, size in zip(texts, lengths, strict=True)
    ]


def _left_out_words(count: int, *, alone: bool) -> str:
    """What says that ``count`` parts of a way back are left out: "and 5 filters" after the
    queue alone, else "3 more filters" as a part of its own."""
    if alone:
        # Translators: after the queue in the case page's "Back to …", the rest of the list's filters left out for room: "All of my city and 5 filters".
        return ngettext("and %(n)s filter", "and %(n)s filters", count) % {"n": count}
    # Translators: a part of the case page's "Back to …": the list's filters left out for room, "All of my city · Pothole · 3 more filters".
    return ngettext("%(n)s more filter", "%(n)s more filters", count) % {"n": count}


def _shortened_parts(parts: list[tuple[str, str]], *, budget: int = WAY_BACK_BUDGET) -> list[str]:
    """The words of ``parts`` shortened in turn, none under ``SHORTEST_WORDS`` characters: the
    city's words and the search to ``budget``, then the list's own filters to
    ``WAY_BACK_MOST``."""
    words = [text for text, _kind in parts]
    for kinds, most in (({"city", "search"}, budget), ({"filter"}, WAY_BACK_MOST)):
        these = [i for i, (_text, kind) in enumerate(parts) if kind in kinds]
        others = _way_back_length(parts, words) - sum(len(words[i]) for i in these)
        fitted = _shortened([words[i] for i in these], fixed=others, budget=most)
        for i, word in zip(these, fitted, strict=True):
            words[i] = word
    return words


def _way_back_length(parts: list[tuple[str, str]], words: list[str]) -> int:
    """The characters of a way back's words as shown: the separators and the search's
    quotation marks with them."""
    return sum(len(word) for word in words) + 3 * (len(words) - 1) + 2 * sum(kind == "search" for _t, kind in parts)


def _fitted(
    parts: list[tuple[str, str]], *, leave_out: list[int] | None = None, dates: list[str] | None = None
) -> list[tuple[str, str]]:
    """The parts of a way back as shown (their kind: "queue", "city", "search", "filter",
    "dates"; "place" and "marked", a name marked with its language, are never shortened):
    shortened (``_shortened_parts``) and, if still over ``WAY_BACK_MOST``, with whole parts left
    out in the order of ``leave_out`` (indexes of ``parts``; by default the list's own filters,
    then the search and the city's words, the last first, and the dates last of all), a part
    ("note") saying how many. The opening dates are never cut (half a date is none): before
    another part is left out, they are tried without their word (``dates``, the shorter forms
    after the words of their part: ``_dates_forms``), and in figures once they are the only
    filter left. The queue and the page are never left out."""
    if leave_out is None:
        ranks = {"filter": 0, "search": 1, "city": 2, "marked": 2, "dates": 3}
        kept = [i for i, (_text, kind) in enumerate(parts) if kind in ranks]
        leave_out = sorted(reversed(kept), key=lambda i: ranks[parts[i][1]])
    at_dates = next((i for i, (_text, kind) in enumerate(parts) if kind == "dates"), None)
    forms = [parts[at_dates][0], *(dates or [])] if at_dates is not None else [""]
    out: list[int] = []
    while True:
        # The dates in figures ("12/28/25–1/3/26") only once they are the only filter left.
        last = at_dates is not None and all(i in out for i in leave_out if i != at_dates)
        tried = forms[:1] if at_dates in out else forms if last else forms[:2]
        for form in tried:
            shown = [(form, kind) if i == at_dates else (text, kind) for i, (text, kind) in enumerate(parts)]
            shown = [part for i, part in enumerate(shown) if i not in out]
            if out:
                # "All of my city and 5 filters", with the dates, if kept, after it.
                alone = all(kind in ("queue", "dates", "place") for _text, kind in shown)
                note = _left_out_words(len(out), alone=alone)
                at = next((j for j, (_text, kind) in enumerate(shown) if kind == "place"), len(shown))
                if alone and at > 0:
                    shown[0] = (f"{shown[0][0]} {note}", shown[0][1])
                else:
                    shown.insert(at, (note, "note"))
            # With parts left out, those kept have the room up to ``WAY_BACK_MOST``.
            words = _shortened_parts(shown, budget=WAY_BACK_MOST if out else WAY_BACK_BUDGET)
            if _way_back_length(shown, words) <= WAY_BACK_MOST:
                break
        if _way_back_length(shown, words) <= WAY_BACK_MOST or len(out) == len(leave_out):
            return [(word, kind) for word, (_text, kind) in zip(words, shown, strict=True)]
        out.append(leave_out[len(out)])


def _list_name(request: HttpRequest, user: User) -> tuple[SafeString, str]:
    """The list "Cases" goes back to, by its queue, filters and place: "My department ·
    Pothole · New · Ward 2 · “Elm” · opened Nov 1–15 · page 3"; the city's words (a type's, a
    district's name) as they wrote them. A long type, district or search is shortened, and
    with every part long at once some are left out (``_fitted``); then the words in full come
    second, for the link's title and accessible name (else "")."""
    queue = home_queue(user)
    data = remembered.list_recalled(request, city_id=user.city_id) if user.city_id else None
    form = FilterForm(data or {"queue": queue}, user=user, default_queue=queue)
    form.is_valid()
    filters = form.filters()
    # Each part: its words, and what they are: the queue ("queue"), a filter of the list's own
    # ("filter": status, channel), the opening dates ("dates", never cut), the city's ("city":
    # a type's or a district's name), the search typed ("search") or the page ("place", never
    # shortened).
    parts: list[tuple[Any, str]] = [(QUEUE_LABELS[filters["queue"]], "queue")]
    # Where each filter is among the parts, by name: for the order they are left out in.
    where: dict[str, int] = {}
    for name in ("service_type", "status", "district", "channel"):
        value = form.cleaned_data.get(name) if hasattr(form, "cleaned_data") else None
        if not value:
            continue
        field = form.fields[name]
        assert isinstance(field, forms.ChoiceField)
        for key, label in cast("list[Any]", field.choices):
            options = label if isinstance(label, list | tuple) else [(key, label)]
            found = next((shown for option, shown in options if str(option) == value), None)
            if found is not None:
                # A name marked up with its language (as_written) is shown whole: never cut in its markup.
                city_words = name in ("service_type", "district")
                kind = "marked" if isinstance(found, SafeString) else "city" if city_words else "filter"
                where[name] = len(parts)
                parts.append((found, kind))
                break
    if filters["text"]:
        where["text"] = len(parts)
        parts.append((filters["text"], "search"))
    city = user.city
    today = clock.now().astimezone(city.tz).date() if city is not None else clock.now().date()
    if dates := _dates_forms(filters["opened_from"], filters["opened_to"], today=today):
        where["dates"] = len(parts)
        parts.append((dates[0], "dates"))
    if place := _place_words(data or QueryDict()):
        parts.append((place, "place"))
    whole = [(part if isinstance(part, SafeString) else str(part), kind) for part, kind in parts]
    # Left out for room, the least telling first: how the cases came in, their status; then
    # the search, the district, the type; and last when they were opened, which someone
    # coming back to a list wants most (in a shorter form first: ``_fitted``).
    order = ("channel", "status", "text", "district", "service_type", "dates")
    short = _fitted(whole, leave_out=[where[name] for name in order if name in where], dates=dates[1:])
    displayed: list[Any] = []
    for these, kind in short:
        if kind == "search":
            displayed.append(format_html("“{}”", these))
        elif kind == "dates":
            # A date never splits across lines ("Dec" over "28, 2025", "Nov 1–" over "15"); a
            # range may, between its two dates.
            displayed.append(
                format_html_join(" – ", '<span class="one-line">{}</span>', ((d,) for d in these.split(" – ")))
            )
        else:
            displayed.append(as_written(these) if kind == "city" else these)
    full = [f"“{part}”" if kind == "search" else part for part, kind in whole]
    shortened = short != whole
    return format_html_join(" · ", "{}", ((part,) for part in displayed)), " · ".join(full) if shortened else ""


def _bulk_context(request: HttpRequest) -> dict[str, Any]:
    user = user_of(request)
    return {
        # The case list's rows take their assignees from it. Kept per process until the city's
        # staff or departments change (tenants/reference.py).
        "staff": selectors.assignable_staff_list(user=user),
        "departments": selectors.department_list(user=user),
        "next": request.get_full_path(),
        # A worker may only take cases: the box offers them nothing else.
        "can_assign_others": permissions.can_assign_to_others(user),
    }


def _long_list_page(request: HttpRequest, user: User, rows: Any, sort: str, *, name: str) -> tuple[Any, str]:
    """A page of a list in a fixed order (numbered up to 10,000 cases, keyset past that): the
    one the address asks for, else the one kept (list ``name``), which is then kept; and the
    address of a kept page (``_list_address``)."""
    data, restored = _kept_place(request, user, name)
    paginator = CappedPaginator(rows, PAGE_SIZE)
    if paginator.capped and "page" not in data:
        page: Any = _keyset_page(request, rows, sort)
        data = _keyset_kept(page, data, restored=restored)
    else:
        page, data = _numbered_page(paginator, data, restored=restored)
    assert user.city_id is not None
    remembered.list_remember(request, city_id=user.city_id, query=data, name=name)
    return page, _list_address(f"console:{name}", data, restored=restored, name=name)


@require_GET
@staff_view
def overdue(request: HttpRequest) -> HttpResponse:
    """Open cases past their due date, how late each is, against its type's target days."""
    user = user_of(request)
    if user.city_id is None:
        return _no_city_cases(request, heading=_("Overdue cases"), nav="overdue")
    page, address = _long_list_page(request, user, cases.case_overdue(user=user), "due", name=remembered.OVERDUE)
    now = clock.now()
    rows = [{"case": case, "late": now - case.due_at} for case in page if case.due_at is not None]
    return render(
        request,
        "console/overdue.html",
        {"page": page, "rows": rows, "bulk": _bulk_context(request), "nav": "overdue", "list_address": address},
    )


@require_GET
@staff_view
def likely_late(request: HttpRequest) -> HttpResponse:
    """Open cases not yet late whose chance of missing their due date (the city's model) is
    over the city's threshold, the most likely late first."""
    user = user_of(request)
    if user.city_id is None:
        return _no_city_cases(request, heading=_("Likely late"), nav="likely_late")
    listed = expected.likely_late_for_staff(user=user)
    data, restored = _kept_place(request, user, remembered.LIKELY_LATE)
    page, data = _numbered_page(Paginator(listed, PAGE_SIZE), data, restored=restored)
    remembered.list_remember(request, city_id=user.city_id, query=data, name=remembered.LIKELY_LATE)
    threshold = expected.likely_late_threshold(user.city) if user.city is not None else None
    rows = [{"case": case, "expected": expectation} for case, expectation in page]
    return render(
        request,
        "console/likely_late.html",
        {
            "page": page,
            "rows": rows,
            "threshold": threshold,
            "bulk": _bulk_context(request),
            "nav": "likely_late",
            "list_address": _list_address("console:likely_late", data, restored=restored, name=remembered.LIKELY_LATE),
        },
    )


@require_POST
@staff_view
def bulk_assign(request: HttpRequest) -> HttpResponse:
    """Assign each selected case through ``case_assign``; say which ones failed and why."""
    user = user_of(request)
    back = _next_url(request, reverse("console:home"))
    wanted = [int(pk) for pk in request.POST.getlist("case") if pk.isdigit()]
    if not wanted:
        messages.error(request, _("Select at least one case to assign."))
        return redirect(back)
    assignee, department = None, None
    try:
        assignee, department = _assignment_target(request)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(back)
    found = {case.pk: case for case in cases.case_list_for_staff(user=user).filter(pk__in=wanted)}
    done: list[str] = []
    for pk in wanted:
        case = found.get(pk)
        if case is None:
            messages.error(request, _("Case #%(pk)s is not a case of your city.") % {"pk": pk})
            continue
        try:
            services.case_assign(case=case, actor=user, assignee=assignee, department=department)
        except (PermissionDenied, ValidationError) as exc:
            reason = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            messages.error(
                request, _("%(ref)s was not assigned: %(reason)s") % {"ref": case.reference, "reason": reason}
            )
        else:
            done.append(case.reference)
    if done:
        messages.success(request, _bulk_done(done, user=user, assignee=assignee, department=department))
    return redirect(back)


# A bulk answer names at most this many cases, then says how many more.
BULK_NAMED = 10


def _bulk_done(references: list[str], *, user: User, assignee: User | None, department: Any) -> str:
    """ "3 cases assigned to Pat Smith: IND-3544, IND-3545, IND-3546." — who has them now and
    which ones, so the supervisor can check the list against what they meant."""
    n = len(references)
    named = ", ".join(references[:BULK_NAMED])
    if n > BULK_NAMED:
        more = n - BULK_NAMED
        named = ngettext("%(cases)s and %(n)d more", "%(cases)s and %(n)d more", more) % {"cases": named, "n": more}
    if assignee is not None and assignee.pk == user.pk and department is None:
        return ngettext("%(n)d case is now yours: %(cases)s.", "%(n)d cases are now yours: %(cases)s.", n) % {
            "n": n,
            "cases": named,
        }
    if assignee is not None and department is not None:
        to = _("%(person)s (%(department)s)") % {"person": assignee.display_name(), "department": department.name}
    else:
        to = assignee.display_name() if assignee is not None else department.name
    return ngettext("%(n)d case assigned to %(to)s: %(cases)s.", "%(n)d cases assigned to %(to)s: %(cases)s.", n) % {
        "n": n,
        "to": to,
        "cases": named,
    }


def _assignment_target(request: HttpRequest) -> tuple[User | None, Any]:
    """The person and/or department chosen in an assign form, from the user's own city."""
    user = user_of(request)
    if request.POST.get("take"):
        return user, None
    assignee = department = None
    if request.POST.get("assignee"):
        assignee = selectors.assignable_staff(user=user).filter(pk=typed_pk(request.POST["assignee"])).first()
        if assignee is None:
            raise ValidationError(_("Choose a person of your city."))
    if request.POST.get("department"):
        department = selectors.departments_for_staff(user=user).filter(pk=typed_pk(request.POST["department"])).first()
        if department is None:
            raise ValidationError(_("Choose a department of your city."))
    if assignee is None and department is None:
        raise ValidationError(_("Choose a person or a department."))
    return assignee, department


@require_GET
@staff_view
def boundary(request: HttpRequest) -> HttpResponse:
    """The user's city limits as GeoJSON, for the console's maps."""
    city = user_of(request).city
    if city is None:
        raise Http404(_("You belong to no city."))
    # The limits are left out of the user's city on every other page (console/common.py).
    boundary = City.objects.filter(pk=city.pk).values_list("boundary", flat=True).first()
    return JsonResponse({"type": "Feature", "properties": {"name": city.name}, "geometry": boundary})


# --- one case --------------------------------------------------------------------------


def _case_context(request: HttpRequest, case: ServiceRequest, *, used: str = "", **extra: Any) -> dict[str, Any]:
    """The case page's context; ``used`` names the form of the action just answered (htmx)."""
    user = user_of(request)
    canned = selectors.canned_response_list(case=case)
    chosen = selectors.canned_response_chosen(case=case, typed=request.GET.get("canned", ""))
    can = {action.value: permissions.can(user, action, case) for action in Action}
    can_assign_others = permissions.can_assign_to_others(user)
    # A worker's own case has nothing to assign: it is theirs already.
    assign_offered = can["assign"] and (can_assign_others or case.assignee_id != user.pk)
    return {
        "case": case,
        "timeline": cases.case_timeline(user=user, case=case),
        "answers": selectors.answers_shown(case=case),
        "photos": case.photos.all(),
        "can": can,
        "can_assign_others": can_assign_others,
        "assign_offered": assign_offered,
        "answer_at": (place := _answer_place(used, case, can, assign_offered=assign_offered)),
        "answer_keeps_place": bool(place) and place == used,
        # The text boxes stop where the services would refuse (the services still check).
        "text_limit": services.MAX_DESCRIPTION,
        "staff": selectors.assignable_staff_list(user=user),
        "departments": selectors.department_list(user=user),
        "types": selectors.grouped_service_types(user=user),
        "open_statuses": [(s.value, s.label) for s in Status if s in OPEN_STATUSES],
        "resolutions": [(r.value, r.label) for r in Resolution if r != Resolution.DUPLICATE],
        "canned": canned,
        "closing_note": chosen.text if chosen else "",
        "duplicates": cases.case_duplicates(case=case),
        "posted": {},
        "errors": [],
        # The boxes a refusal names ("note"): marked aria-invalid and described by the answer.
        "invalid": [],
        "failed": "",
        # The case list "Back to …" returns to (the one kept in the session, docs/console.md).
        # Called by the template: the case's own parts (htmx answers) never read it.
        "back_to": (lambda: _way_back(request, user)) if user.city_id else "",
        # An open case's expected closing (median, 80% date, chance of missing the due date)
        # and what moves it; a closed one has its closing date instead.
        "expected": expected.expected_for(case) if case.is_open else None,
        "expected_factors": expected.expected_factors(case) if case.is_open else (),
        # The hand-off form as sent, when it was the one with a mistake (nothing lost).
        "transfer": (
            transfer := transfer_panel(
                request, case, posted=extra["posted"] if extra.get("failed") == "transfer" else None
            )
        ),
        **extra,
        "answer_items": _answer_items(
            extra.get("failed", ""), extra.get("errors", []), extra.get("invalid", []), transfer
        ),
    }


# The box of a case form that a refusal names, by the form and the services' field name:
# the summary of a whole page links the refusal to it (the template marks it invalid).
_ANSWER_BOXES = {("note", "text"): "note-text", ("close", "note"): "close-note", ("reopen", "reason"): "reopen-reason"}


def _answer_items(
    failed: str, errors: list[str], invalid: list[str], transfer: dict[str, Any]
) -> list[tuple[str, str]]:
    """A refused action as the summary of a whole page lists it: (the box to go to, words).
    The hand-off form's own mistakes come from its form, each linked to its field."""
    form = transfer["form"]
    if failed == "transfer" and form.is_bound and form.errors:
        return error_items(form)
    box = next((_ANSWER_BOXES[failed, name] for name in invalid if (failed, name) in _ANSWER_BOXES), "")
    return [(box, message) for message in errors]


def _answer_place(used: str, case: ServiceRequest, can: dict[str, bool], *, assign_offered: bool) -> str:
    """Where the answer to an action on the case page goes: beside the form used, where the
    worker is looking (on a phone the top of the case is thousands of pixels above); when the
    action took that form away (a closed case has no close form), above what can be done now.
    "" (no htmx answer, or a form outside the actions) keeps it at the top of the case."""
    if used not in ANSWER_PLACES:
        return ""
    is_open = case.is_open
    offered = {
        "note": can["note"],
        "photos": can["photo"],
        "assign": is_open and assign_offered,
        "type": is_open and can["change_type"],
        "status": is_open and can["change_status"],
        "close": is_open and can["close"],
        "duplicate": is_open and can["close"],
        "reopen": not is_open and can["reopen"],
    }
    if offered[used]:
        return used
    return "before_reopen" if offered["reopen"] else "actions"


# The case page's forms, each with a place for its answer (_case_body.html).
ANSWER_PLACES = ("note", "photos", "assign", "type", "status", "close", "duplicate", "reopen")


def _render_case(request: HttpRequest, case: ServiceRequest, *, status: int = 200, **extra: Any) -> HttpResponse:
    htmx = getattr(request, "htmx", None)
    template = "console/_case_updated.html" if htmx else "console/case.html"
    if not htmx:
        # A whole page opens at its top, where its answer is.
        extra.pop("used", None)
    return render(request, template, _case_context(request, case, **extra), status=status)


@require_GET
@staff_view
def case_detail(request: HttpRequest, city: str, number: int) -> HttpResponse:
    return _render_case(request, _get_case(request, city, number))


def _case_action(form: str, do: Callable[[HttpRequest, ServiceRequest], str]) -> Callable[..., HttpResponseBase]:
    """A POST on a case: run ``do`` (service calls), then show the case again.

    A mistake is shown beside the form it came from, with what was typed kept; a refusal
    is a 403 (the page for a plain POST, inside the case for htmx).
    """

    @require_POST
    @staff_view
    def view(request: HttpRequest, city: str, number: int) -> HttpResponse:
        case = _get_case(request, city, number)
        htmx = getattr(request, "htmx", None)
        try:
            with transaction.atomic():
                done = do(request, case)
        except PermissionDenied as exc:
            if not htmx:
                raise
            return _render_case(
                request, case, status=403, errors=[str(exc)], failed=form, posted=request.POST, used=form
            )
        except ValidationError as exc:
            case = _get_case(request, city, number)
            return _render_case(
                request,
                case,
                status=400,
                errors=_named(exc),
                invalid=sorted(getattr(exc, "error_dict", {})),
                failed=form,
                posted=request.POST,
                used=form,
            )
        messages.success(request, done)
        if htmx:
            return _render_case(request, _get_case(request, city, number), used=form)
        return redirect(case_url(case))

    view.__name__ = f"case_{form}"
    return view


# A case form's text boxes, by the field name the services give: a refusal names its box.
_BOX_WORDS = {
    ("text", "required"): gettext_lazy("The note cannot be empty."),
    ("text", "max_length"): gettext_lazy("The note is longer than %(n)s characters."),
    ("note", "required"): gettext_lazy("The closing note cannot be empty: write one or choose a canned response."),
    ("note", "max_length"): gettext_lazy("The note is longer than %(n)s characters."),
    ("reason", "required"): gettext_lazy("The reason cannot be empty."),
    ("reason", "max_length"): gettext_lazy("The reason is longer than %(n)s characters."),
}


def _named(exc: ValidationError) -> list[str]:
    """A service's refusal as the worker reads it: "The note cannot be empty.", not "This …"."""
    if not hasattr(exc, "error_dict"):
        return list(exc.messages)
    found = []
    for field, errors in exc.error_dict.items():
        for error in errors:
            words = _BOX_WORDS.get((field, error.code or ""))
            found.append(str(words) % (error.params or {}) if words else str(next(iter(error))))
    return found


def _note(request: HttpRequest, case: ServiceRequest) -> str:
    public = request.POST.get("visibility") == "public"
    services.case_add_note(case=case, actor=user_of(request), text=request.POST.get("text", ""), public=public)
    return _("Public note added: the resident can read it.") if public else _("Internal note added (staff only).")


def _photos(request: HttpRequest, case: ServiceRequest) -> str:
    uploads = request.FILES.getlist("photos")
    if not uploads:
        raise ValidationError(_("Choose a photo to add."))
    public = request.POST.get("public") == "on"
    for upload in uploads:
        services.case_add_photo(
            case=case, actor=user_of(request), upload=upload, filename=upload.name or "", public=public
        )
    n = len(uploads)
    if public:
        said = ngettext(
            "%(n)d photo added: the resident can see it.", "%(n)d photos added: the resident can see them.", n
        )
    else:
        said = ngettext("%(n)d photo added (staff only).", "%(n)d photos added (staff only).", n)
    return said % {"n": n}


def _assign(request: HttpRequest, case: ServiceRequest) -> str:
    assignee, department = _assignment_target(request)
    case = services.case_assign(
        case=case, actor=user_of(request), assignee=assignee, department=department, note=request.POST.get("note", "")
    )
    return _("Assigned to %(who)s.") % {"who": case.assignee or case.department}


def _change_type(request: HttpRequest, case: ServiceRequest) -> str:
    if typed_pk(request.POST.get("service_type", "")) == case.service_type_id:
        # The case's own type, shown first when it is retired (it is offered for no new case).
        raise ValidationError(_("The case is already of this type: choose another to route it again."))
    service_type = (
        selectors.service_types_for_staff(user=user_of(request))
        .filter(pk=typed_pk(request.POST.get("service_type", "")))
        .first()
    )
    if service_type is None:
        raise ValidationError(_("Choose a problem type of your city."))
    case = services.case_change_type(case=case, actor=user_of(request), service_type=service_type)
    return _("Type changed to %(type)s; routed to %(dept)s.") % {
        "type": service_type.name,
        "dept": case.department or _("triage (no department)"),
    }


def _change_status(request: HttpRequest, case: ServiceRequest) -> str:
    case = services.case_change_status(case=case, actor=user_of(request), status=request.POST.get("status", ""))
    return _("Status is now %(status)s.") % {"status": case.get_status_display()}


def _close(request: HttpRequest, case: ServiceRequest) -> str:
    note = request.POST.get("note", "").strip()
    if not note and request.POST.get("canned"):
        chosen = selectors.canned_response_chosen(case=case, typed=request.POST["canned"])
        note = chosen.text if chosen else ""
    services.case_close(
        case=case, actor=user_of(request), note=note, resolution=request.POST.get("resolution") or Resolution.RESOLVED
    )
    return _("Case closed; the reporter and staff are told.")


def _reopen(request: HttpRequest, case: ServiceRequest) -> str:
    services.case_reopen(case=case, actor=user_of(request), reason=request.POST.get("reason", ""))
    return _("Case reopened.")


def _duplicate(request: HttpRequest, case: ServiceRequest) -> str:
    reference = request.POST.get("original", "").strip()
    try:
        original = cases.case_get_by_reference(user=user_of(request), reference=reference)
    except ServiceRequest.DoesNotExist as exc:
        raise ValidationError(
            _("There is no case %(ref)s in your city. Type its number, e.g. %(example)s.")
            % {"ref": reference or "“”", "example": case.reference}
        ) from exc
    services.case_mark_duplicate(
        case=case, actor=user_of(request), original=original, note=request.POST.get("note", "")
    )
    return _("Closed as a duplicate of %(ref)s; its reporter now follows %(ref)s.") % {"ref": original.reference}


def _follow(request: HttpRequest, case: ServiceRequest) -> str:
    # From the case page ("email") or from the new-case form's "similar cases" panel.
    email = request.POST.get("email") or request.POST.get("reporter_email") or ""
    name = request.POST.get("name") or request.POST.get("reporter_name") or ""
    language = request.POST.get("language", "")  # the new-case form's, when it came from there
    services.case_add_caller(case=case, actor=user_of(request), email=email, name=name, language=language)
    return _("%(email)s now follows %(ref)s.") % {"email": email.strip(), "ref": case.reference}


def _record_call(request: HttpRequest, case: ServiceRequest) -> str:
    # From the new-case form's "similar cases" panel, for a caller with no email to follow it.
    services.case_record_call(
        case=case,
        actor=user_of(request),
        name=request.POST.get("reporter_name", ""),
        phone=request.POST.get("reporter_phone", ""),
        said=request.POST.get("description", ""),
    )
    return _("The call is recorded on %(ref)s (an internal note); no new case was entered.") % {"ref": case.reference}


case_note = _case_action("note", _note)
case_photos = _case_action("photos", _photos)
case_assign = _case_action("assign", _assign)
case_type = _case_action("type", _change_type)
case_status = _case_action("status", _change_status)
case_close = _case_action("close", _close)
case_reopen = _case_action("reopen", _reopen)
case_duplicate = _case_action("duplicate", _duplicate)
case_follow = _case_action("follow", _follow)
case_call = _case_action("call", _record_call)


# Across member cities: the form and its checks live with the other collaborative pages.
case_transfer = _case_action("transfer", transfer_request)


# --- a new case ------------------------------------------------------------------------


def _require_create(user: User) -> None:
    # Investigators enter their hotline's calls (the form offers them its types only).
    if user.city is None or not (
        permissions.can_act_in_city(user, user.city.pk, Action.CREATE)
        or permissions.can_act_in_city(user, user.city.pk, Action.CREATE, confidential=True)
    ):
        raise PermissionDenied(_("Only staff of a city can enter cases."))


def _similar(form: NewCaseForm) -> list[cases.NearbyCase]:
    lat, lng = form.cleaned_data.get("lat"), form.cleaned_data.get("lng")
    if lat is None or lng is None or form.service_type_obj().is_confidential:
        # A hotline caller is never offered to follow someone else's confidential report.
        return []
    return cases.case_similar_nearby(user=form.user, service_type=form.service_type_obj(), lat=lat, lng=lng)


@staff_view
def new_case(request: HttpRequest) -> HttpResponse:
    """A case for a caller or walk-in, for any department of the city: routing picks the
    department from the type. Open cases of the same type nearby are shown first, so the
    caller can follow one instead of filing it again."""
    user = user_of(request)
    _require_create(user)
    form = NewCaseForm(request.POST or None, user=user)
    similar: list[cases.NearbyCase] = []
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            if "confirm" not in request.POST:
                similar = _similar(form)
            if not similar:
                data = form.cleaned_data
                try:
                    case = services.case_create(
                        service_type=form.service_type_obj(),
                        description=data["description"],
                        lat=data["lat"],
                        lng=data["lng"],
                        address=data["address"],
                        city=user.city,
                        attributes=form.attribute_answers(),
                        channel=data["channel"],
                        reporter_name=data["reporter_name"],
                        reporter_email=data["reporter_email"],
                        reporter_phone=data["reporter_phone"],
                        notify_reporter=data["notify_reporter"],
                        language=data.get("language") or "",
                        priority=data["priority"],
                        actor=user,
                    )
                except PermissionDenied as exc:
                    # The pin is in another member city: say so, keep what was typed.
                    form.add_error(None, str(exc))
                    status = 403
                except OutsideServiceArea as exc:
                    # In no member city: staff, who know the member cities, get their one line.
                    form.add_error(None, exc.staff_message)
                except ValidationError as exc:
                    if hasattr(exc, "error_dict"):
                        form.add_service_errors(exc.message_dict)
                    else:
                        form.add_error(None, exc.messages)
                else:
                    if not permissions.can(user, Action.VIEW, case):
                        # The pin was in another member city: the case is theirs; the
                        # call taker gets the reference to give the caller, not the case.
                        return redirect("console:entered_elsewhere", city=case.city.slug, number=case.number)
                    messages.success(
                        request,
                        _("%(ref)s entered and routed to %(dept)s.")
                        % {"ref": case.reference, "dept": case.department or _("triage (no department)")},
                    )
                    return redirect(case_url(case))
            else:
                status = 200
    caller = {
        "reporter_email": form.data.get("reporter_email", ""),
        "reporter_name": form.data.get("reporter_name", ""),
    }
    return render(
        request, "console/new.html", {"form": form, "similar": similar, "caller": caller, "nav": "new"}, status=status
    )


@require_GET
@staff_view
def new_case_questions(request: HttpRequest) -> HttpResponse:
    """The chosen type's questions (htmx swaps them in when the call taker picks a type)."""
    user = user_of(request)
    _require_create(user)
    raw = request.GET.get("service_type", "")
    form = NewCaseForm(initial={"service_type": raw}, user=user)
    return render(request, "console/_questions.html", {"form": form})


@require_GET
@staff_view
def new_case_similar(request: HttpRequest) -> HttpResponse:
    """The "similar open cases nearby" panel, refreshed as the call taker picks type and pin."""
    user = user_of(request)
    _require_create(user)
    similar: list[cases.NearbyCase] = []
    try:
        service_type = selectors.service_types_for_staff(user=user).get(
            pk=typed_pk(request.GET.get("service_type", ""))
        )
        lat, lng = float(request.GET.get("lat", "")), float(request.GET.get("lng", ""))
    except (ValueError, ServiceType.DoesNotExist):
        pass  # a half-filled form has nothing to compare yet
    else:
        if math.isfinite(lat) and math.isfinite(lng) and not service_type.is_confidential:
            similar = cases.case_similar_nearby(user=user, service_type=service_type, lat=lat, lng=lng)
    caller = {
        "reporter_email": request.GET.get("reporter_email", ""),
        "reporter_name": request.GET.get("reporter_name", ""),
    }
    return render(request, "console/_similar.html", {"similar": similar, "caller": caller})


# --- the "Not placed" queue ------------------------------------------------------------


@require_GET
@staff_view
def not_placed(request: HttpRequest) -> HttpResponse:
    """Open cases of the user's city with no point: each with its address as given and the
    places it may mean, to pick one; or a link to place it by coordinates or on the map."""
    user = user_of(request)
    if user.city_id is None:
        return _no_city_cases(request, heading=_("Not placed"), nav="not_placed")
    page, address = _long_list_page(request, user, cases.case_unplaced(user=user), "opened", name=remembered.NOT_PLACED)
    gazetteer = placement.gazetteer_loaded()
    rows = [
        {
            "case": case,
            "candidates": placement.case_candidates(case.address, gazetteer=gazetteer),
            "can_place": permissions.can(user, Action.ASSIGN, case),
        }
        for case in page
    ]
    return render(
        request,
        "console/not_placed.html",
        {"page": page, "rows": rows, "next": request.get_full_path(), "nav": "not_placed", "list_address": address},
    )


@staff_view
def case_place(request: HttpRequest, city: str, number: int) -> HttpResponse:
    """Place one case: pick a candidate, type coordinates or click the map (``case_place``).
    A refusal sends the form back with its mistakes, as every form of the site tells them."""
    user = user_of(request)
    case = _get_case(request, city, number)
    status = 200
    if request.method == "POST":
        form = PlaceForm(request.POST)
        if form.is_valid():
            lat, lng = form.cleaned_data["lat"], form.cleaned_data["lng"]
            try:
                if not lat or not lng:
                    # An address typed but not chosen from the list (or no JavaScript) gives no point.
                    raise ValidationError(
                        {"address": _("Choose the place on the map or pick an address from the list.")}
                    )
                case = services.case_place(
                    case=case, actor=user, lat=lat, lng=lng, address=form.cleaned_data["address"]
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _place_message(case))
                return redirect(_next_url(request, reverse("console:not_placed")))
        status = 400
    elif request.method == "GET":
        form = PlaceForm(initial={"address": case.address})
    else:
        return HttpResponse(status=405)
    return render(
        request,
        "console/place.html",
        {
            "case": case,
            "candidates": placement.case_candidates(case.address),
            "can_place": permissions.can(user, Action.ASSIGN, case),
            "form": form,
            "next": _next_url(request, reverse("console:not_placed")),
            "nav": "not_placed",
        },
        status=status,
    )


def _place_message(case: ServiceRequest) -> str:
    where = case.address or f"{case.lat:.6f}, {case.lng:.6f}"
    transfer = pending_transfer(case)
    if transfer is not None:
        return _("%(ref)s placed at %(where)s, in %(city)s: %(city)s is asked to take it.") % {
            "ref": case.reference,
            "where": where,
            "city": transfer.to_city.name,
        }
    return _("%(ref)s placed at %(where)s (district: %(district)s).") % {
        "ref": case.reference,
        "where": where,
        "district": case.district or _("none"),
    }
