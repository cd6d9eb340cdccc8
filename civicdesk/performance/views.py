"""The public performance dashboard, its exports and the cases behind each computed figure.

Views only translate: the figures come from ``selectors``, the files from ``exports``,
the drill-down from the measure's definition via ``services.measure_compute``.
"""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from civicdesk.performance import charts, exports, periods, selectors
from civicdesk.performance.services import measure_compute
from civicdesk.tenants.models import City


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


def dashboard(request: HttpRequest, city: str, fmt: str = "html") -> HttpResponse:
    """Goals, objectives and measures; ``?goal=<id>`` and ``?priority=1`` filter,
    ``?fy=<year>`` shows another year's plan."""
    place = get_object_or_404(City, slug=city)
    try:
        goal_id = _int_param(request, "goal")
        fiscal_year = _int_param(request, "fy")
    except ValueError as exc:
        return _bad_request(request, place, f"“{request.GET.get(str(exc))}” is not a {exc} number.", fmt)
    priorities_only = request.GET.get("priority") in ("1", "yes", "on", "true")
    board = selectors.dashboard(place, fiscal_year=fiscal_year, goal_id=goal_id, priorities_only=priorities_only)
    if fiscal_year is not None and (board.plan is None or board.plan.fiscal_year != fiscal_year):
        return _bad_request(request, place, f"{place.name} has no strategic plan for FY{fiscal_year}.", fmt)
    if goal_id is not None and not board.goals:
        return _bad_request(request, place, "That goal is not part of this plan.", fmt)
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
            request, place, f"“{measure.name}” is reported {measure.get_frequency_display().lower()}.", "html"
        )
    result = measure_compute(measure=measure, period=the_period)
    shown = [r for r in result.results if not r.case.service_type.is_confidential]
    groups = [
        ("met", "Met", [r for r in shown if r.met is True]),
        ("missed", "Missed", [r for r in shown if r.met is False]),
        ("pending", "Not decided yet", [r for r in shown if r.met is None]),
    ]
    context = {
        "city": place,
        "measure": measure,
        "period": the_period,
        "method": selectors.method_of(measure),
        "value_text": selectors.format_for(measure, result.value),
        "groups": [
            (
                key,
                label,
                [(r, reverse("portal:case", kwargs={"city": place.slug, "number": r.case.number})) for r in items],
            )
            for key, label, items in groups
        ],
        "withheld": len(result.results) - len(shown),
        "decided": result.decided,
    }
    return render(request, "performance/measure_cases.html", context)
