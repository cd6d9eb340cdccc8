"""The public performance dashboard, its exports and the cases behind each computed figure.

Views only translate: the figures come from ``selectors``, the files from ``exports``,
the drill-down from the measure's definition via ``drilldown`` (a page of each group).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from civicdesk.core.pagecache import public_page
from civicdesk.performance import charts, drilldown, exports, periods, regional, selectors
from civicdesk.performance.models import CommonMeasure, PlanYear
from civicdesk.tenants.models import City, Region


def _bad_request(request: HttpRequest, city: City, message: str, fmt: str) -> HttpResponse:
    if fmt != "html":
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    return render(request, "performance/error.html", {"city": city, "message": message}, status=400)


def _int_param(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise ValueError(name)
    return int(raw)


@public_page
def dashboard(request: HttpRequest, city: str, fmt: str = "html") -> HttpResponse:
    """Goals, objectives and measures; ``?goal=<id>`` and ``?priority=1`` filter,
    ``?fy=<year>`` shows another year's plan."""
    place = get_object_or_404(City, slug=city)
    try:
        goal_id = _int_param(request, "goal")
        fiscal_year = _int_param(request, "fy")
    except ValueError as exc:
        return _bad_request(
            request,
            place,
            _("“%(value)s” is not a %(what)s number.") % {"value": request.GET.get(str(exc)), "what": exc},
            fmt,
        )
    priorities_only = request.GET.get("priority") in ("1", "yes", "on", "true")
    board = selectors.dashboard(place, fiscal_year=fiscal_year, goal_id=goal_id, priorities_only=priorities_only)
    if fiscal_year is not None and (board.plan is None or board.plan.fiscal_year != fiscal_year):
        return _bad_request(
            request,
            place,
            _("%(city)s has no strategic plan for FY%(year)s.") % {"city": place.name, "year": fiscal_year},
            fmt,
        )
    if (
        goal_id is not None
        and not board.goals
        and not (priorities_only and board.plan is not None and board.plan.goals.filter(pk=goal_id).exists())
    ):
        # A goal of the plan that simply has no top priority is an empty result, not an error.
        return _bad_request(request, place, _("That goal is not part of this plan."), fmt)
    stem = f"performance-{place.slug}" + (f"-fy{board.plan.fiscal_year}" if board.plan else "")
    if fmt == "csv":
        response = HttpResponse(exports.dashboard_csv(board), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
        return response
    if fmt == "json":
        body = json.dumps(exports.dashboard_json(board), indent=2, ensure_ascii=False)
        return HttpResponse(body, content_type="application/json; charset=utf-8")
    for view in board.measure_views():
        view.chart = charts.trend_chart(view)
    context = {
        "city": place,
        "board": board,
        "all_goals": board.plan.goals.all() if board.plan else [],
        "goal_id": goal_id,
        "priorities_only": priorities_only,
        "query": request.GET.urlencode(),
    }
    return render(request, "performance/dashboard.html", context)


class BadPageNumber(ValueError):
    """A page number in the address that is not one: ``str()`` is the reader's message,
    ``retry`` the same address without it (the other groups' pages kept)."""

    def __init__(self, message: str, retry: str) -> None:
        super().__init__(message)
        self.retry = retry


def _page_numbers(request: HttpRequest) -> dict[str, int]:
    """The page of each group of cases the address asks for (``?missed_page=2``). Raises
    ``BadPageNumber`` on anything but a whole number from 1."""
    pages = {}
    for key in (*drilldown.GROUPS, drilldown.COUNTED):
        raw = request.GET.get(f"{key}_page")
        try:
            pages[key] = drilldown.page_number(raw)
        except ValueError:
            kept = request.GET.copy()
            for other in (*drilldown.GROUPS, drilldown.COUNTED):
                try:
                    drilldown.page_number(kept.get(f"{other}_page"))
                except ValueError:
                    del kept[f"{other}_page"]
            raise BadPageNumber(
                _("“%(value)s” is not a page number: give a whole number from 1.") % {"value": raw},
                f"{request.path}?{kept.urlencode()}" if kept else request.path,
            ) from None
    return pages


def _case_groups(request: HttpRequest, place: City, drill: drilldown.DrillDown) -> list[tuple[str, str, Any]]:
    """(key, caption, page) of each group, each case with its public page and each page with
    the addresses of its group's previous and next pages (the other groups' pages kept)."""
    labels = drilldown.group_labels(drill)
    groups = []
    for key, page in drill.groups.items():
        rows = page.with_rows(
            (r, reverse("portal:case", kwargs={"city": place.slug, "number": r.case.number})) for r in page
        )
        for attribute, number in (("previous_url", page.number - 1), ("next_url", page.number + 1)):
            if 1 <= number <= page.pages:
                query = request.GET.copy()
                query[f"{key}_page"] = str(number)
                setattr(rows, attribute, f"?{query.urlencode()}#cases-{key}")
        groups.append((key, labels[key], rows))
    return groups


def measure_cases(request: HttpRequest, city: str, measure_id: int, period: str) -> HttpResponse:
    """The exact cases behind a computed figure, met and missed, each linking to its public
    page. Cases of confidential types are counted in the figure but never listed."""
    place = get_object_or_404(City, slug=city)
    measure = selectors.public_measure(place, measure_id)
    if measure is None or not measure.is_computed:
        raise Http404("No such computed measure.")
    calendar = periods.calendar_for(place)
    try:
        the_period = periods.parse_key(calendar, period)
    except ValueError as exc:
        return _bad_request(request, place, str(exc), "html")
    if the_period.frequency != measure.frequency:
        return _bad_request(
            request,
            place,
            _("“%(name)s” is reported %(frequency)s.")
            % {"name": measure.name, "frequency": str(measure.get_frequency_display()).lower()},
            "html",
        )
    try:
        pages = _page_numbers(request)
    except BadPageNumber as exc:
        return render(
            request, "performance/error.html", {"city": place, "message": str(exc), "retry": exc.retry}, status=400
        )
    drill = drilldown.drill_down(measure, the_period, pages)
    groups = _case_groups(request, place, drill)
    context = {
        "city": place,
        "measure": measure,
        "period": the_period,
        "method": selectors.method_of(measure),
        "value_text": selectors.format_for(measure, drill.value),
        "groups": groups,
        "withheld": drill.withheld,
        "decided": drill.decided,
    }
    return render(request, "performance/measure_cases.html", context)


def _comparison_period(request: HttpRequest) -> regional.CalendarPeriod:
    raw = request.GET.get("period", "").strip()
    return regional.parse_period(raw) if raw else regional.latest_complete_quarter()


def _plain_error(message: str, fmt: str, request: HttpRequest, status: int = 400) -> HttpResponse:
    if fmt != "html":
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    return render(request, "performance/compare_error.html", {"message": message}, status=status)


@public_page
def compare(request: HttpRequest, fmt: str = "html") -> HttpResponse:
    """The regional comparison: each common measure, every member city beside the group's
    median, for one calendar quarter or month (``?period=2024-q1`` or ``2024-m3``; default
    the last complete quarter); ``?region=<slug>`` when there are several regions."""
    slug = request.GET.get("region", "").strip()
    region = Region.objects.filter(slug=slug).first() if slug else regional.default_region()
    if region is None:
        message = _("There is no region “%(slug)s”.") % {"slug": slug} if slug else _("No region has been set up yet.")
        return _plain_error(message, fmt, request, status=404)
    try:
        period = _comparison_period(request)
    except ValueError as exc:
        return _plain_error(str(exc), fmt, request)
    # Each city's figure as the task worker last kept it (a few minutes old at most), else computed now.
    comparisons = regional.regional_comparison(region, period, kept=True)
    stem = f"comparison-{region.slug}-{period.key}"
    if fmt == "csv":
        response = HttpResponse(
            exports.comparison_csv(region, period, comparisons), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
        return response
    if fmt == "json":
        body = json.dumps(exports.comparison_json(region, period, comparisons), indent=2, ensure_ascii=False)
        return HttpResponse(body, content_type="application/json; charset=utf-8")
    with_plans = set(PlanYear.objects.filter(city__region=region).values_list("city_id", flat=True))
    tables = []
    for comp in comparisons:
        links = {}
        for row in comp.rows:
            if row.standing != regional.Standing.NOT_MAPPED:
                links[row.city.pk] = reverse(
                    "performance:compare-cases",
                    kwargs={"measure": comp.measure.key, "city": row.city.slug, "period": period.key},
                )
        tables.append(
            {
                "comp": comp,
                "chart": charts.comparison_chart(comp),
                "rows": [(row, links.get(row.city.pk), row.city.pk in with_plans) for row in comp.rows],
            }
        )
    query = {"region": region.slug} if slug else {}
    context = {
        "region": region,
        "regions": Region.objects.order_by("name"),
        "period": period,
        "previous": period.previous(),
        "next": period.next(),
        "tables": tables,
        "query": urlencode({**query, "period": period.key}),
        "region_query": urlencode(query),
    }
    return render(request, "performance/compare.html", context)


def compare_cases(request: HttpRequest, measure: str, city: str, period: str) -> HttpResponse:
    """The cases behind one city's figure in the regional comparison (confidential types
    counted, never listed), with the figure withheld when they are too few: a page of each
    group at a time, as a city's own drill-down (``?met_page=2``; ``?counted_page=`` where
    every case is in the figure)."""
    place = get_object_or_404(City, slug=city)
    common = get_object_or_404(CommonMeasure, region_id=place.region_id, key=measure, is_public=True)
    try:
        the_period = regional.parse_period(period)
    except ValueError as exc:
        return _plain_error(str(exc), "html", request)
    try:
        pages = _page_numbers(request)
    except BadPageNumber as exc:
        return render(request, "performance/compare_error.html", {"message": str(exc), "retry": exc.retry}, status=400)
    row, drill = regional.city_cases(common, place, the_period, pages)
    if drill is None:
        raise Http404(f"{place.name} does not report “{common.name}”.")
    context = {
        "city": place,
        "common": common,
        "row": row,
        "period": the_period,
        "method": regional.method_of(common),
        "groups": _case_groups(request, place, drill),
        "withheld": drill.withheld,
        "back": reverse("performance:compare") + "?" + urlencode({"region": place.region.slug, "period": period}),
    }
    return render(request, "performance/compare_cases.html", context)
