"""Public pages of the Service Request Report: a report to council, readable by anyone.

Views only translate: the figures come from ``service_request_report``, the files from
``exports``.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from civicdesk.cases.permissions import Action, can_act_in_city
from civicdesk.core import clock
from civicdesk.reports import exports, operational, operational_exports
from civicdesk.reports.forms import ReportRangeForm
from civicdesk.reports.service_request_report import default_range, service_request_report
from civicdesk.tenants.models import City
from civicdesk.tenants.services import city_today

FORMATS = ("html", "pdf", "csv")


def csv_download(text: str, stem: str) -> HttpResponse:
    """A report's CSV as a file to download, both reports alike: UTF-8 with a byte order mark,
    so that a spreadsheet opens it as UTF-8 ("Proporción", "Sin departamento asignado"), not in
    its own code page; Python's ``csv`` reads it with ``encoding="utf-8-sig"``."""
    response = HttpResponse(("\ufeff" + text).encode(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
    return response


def _page(request: HttpRequest, city: City | None, fmt: str) -> HttpResponse:
    if request.GET.get("from") or request.GET.get("to"):
        form = ReportRangeForm(request.GET)
    else:
        start, end = default_range(today=city_today(city))
        form = ReportRangeForm({"from": start.isoformat(), "to": end.isoformat()})
    scope_label = city.name if city is not None else _("All member cities")
    name = "reports:city-service-requests" if city is not None else "reports:service-requests"
    args = [city.slug] if city is not None else []
    if not form.is_valid():
        if fmt != "html":
            return HttpResponse(
                " ".join(str(e) for errors in form.errors.values() for e in errors),
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        context = {"form": form, "city": city, "scope_label": scope_label, "report": None}
        return render(request, "reports/service_requests.html", context, status=400)

    report = service_request_report(
        city=city, date_from=form.cleaned_data["from"], date_to=form.cleaned_data["to"], today=city_today(city)
    )
    query = urlencode({"from": report.date_from.isoformat(), "to": report.date_to.isoformat()})
    if fmt == "csv":
        return csv_download(exports.report_csv(report), exports.file_stem(report))
    if fmt == "pdf":
        response = HttpResponse(exports.report_pdf(report), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{exports.file_stem(report)}.pdf"'
        return response
    context = {
        **exports.report_context(report),
        "form": form,
        "city": city,
        "scope_label": scope_label,
        "pdf_url": f"{reverse(name + '-pdf', args=args)}?{query}",
        "csv_url": f"{reverse(name + '-csv', args=args)}?{query}",
    }
    return render(request, "reports/service_requests.html", context)


def city_service_requests(request: HttpRequest, city: str, fmt: str = "html") -> HttpResponse:
    """The report for one city; ``?from=YYYY-MM-DD&to=YYYY-MM-DD``, the last three weeks by default."""
    return _page(request, get_object_or_404(City, slug=city), fmt)


def service_requests(request: HttpRequest, fmt: str = "html") -> HttpResponse:
    """The report for the whole collaborative."""
    return _page(request, None, fmt)


# --- operational reports ----------------------------------------------------------------------


def _operations(request: HttpRequest, city: City | None, fmt: str) -> HttpResponse:
    if request.GET.get("from") or request.GET.get("to"):
        form = ReportRangeForm(request.GET)
    else:
        date_from, date_to = operational.default_period(city_today(city))
        form = ReportRangeForm({"from": date_from.isoformat(), "to": date_to.isoformat()})
    scope_label = city.name if city is not None else _("All member cities")
    name = "reports:city-operations" if city is not None else "reports:operations"
    args = [city.slug] if city is not None else []
    if not form.is_valid():
        if fmt != "html":
            return HttpResponse(
                " ".join(str(e) for errors in form.errors.values() for e in errors),
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        context = {"form": form, "city": city, "scope_label": scope_label, "report": None}
        return render(request, "reports/operations.html", context, status=400)
    report = operational.operational_report(
        city=city, date_from=form.cleaned_data["from"], date_to=form.cleaned_data["to"]
    )
    if fmt == "csv":
        return csv_download(operational_exports.report_csv(report), operational_exports.file_stem(report))
    query = urlencode({"from": report.date_from.isoformat(), "to": report.date_to.isoformat()})
    context = {
        **operational_exports.report_context(report),
        "form": form,
        "city": city,
        "scope_label": scope_label,
        "csv_url": f"{reverse(name + '-csv', args=args)}?{query}",
        "service_requests_url": (
            reverse("reports:city-service-requests", args=args) if city else reverse("reports:service-requests")
        ),
        "overdue_url": reverse("reports:city-overdue", args=args) if city else None,
    }
    return render(request, "reports/operations.html", context)


def city_operations(request: HttpRequest, city: str, fmt: str = "html") -> HttpResponse:
    """Operational report of one city (public: no addresses, no names); by default the last
    four weeks, from a Monday to today (``operational.default_period``)."""
    return _operations(request, get_object_or_404(City.objects.defer("boundary"), slug=city), fmt)


def operations(request: HttpRequest, fmt: str = "html") -> HttpResponse:
    """Operational report of the whole collaborative."""
    return _operations(request, None, fmt)


@login_required
def city_overdue(request: HttpRequest, city: str) -> HttpResponse:
    """Overdue open cases of a city, with addresses: the city's staff only."""
    place = get_object_or_404(City.objects.defer("boundary"), slug=city)
    user = request.user
    if not can_act_in_city(user, place.pk, Action.VIEW):  # type: ignore[arg-type]
        raise PermissionDenied(_("Only staff of %(city)s can see its overdue cases.") % {"city": place.name})
    now = clock.now()
    cases = operational.overdue_cases(city=place, now=now)
    rows = [{"case": c, "days_late": (now - c.due_at).days if c.due_at else 0} for c in cases]
    return render(request, "reports/overdue.html", {"city": place, "rows": rows, "now": now})
