"""The staff console: views translate requests into selector reads and service calls."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from civicdesk.cases import selectors as cases
from civicdesk.cases.models import ServiceRequest


@login_required
def home(request: HttpRequest) -> HttpResponse:
    queue = request.GET.get("queue", "mine")
    page = cases.case_queue(user=request.user, queue=queue).order_by("-opened_at")[:50]  # type: ignore[arg-type]
    return render(request, "console/home.html", {"cases": page, "queue": queue})


@login_required
def case_detail(request: HttpRequest, city: str, number: int) -> HttpResponse:
    try:
        case = cases.case_get_for_staff(user=request.user, city_slug=city, number=number)  # type: ignore[arg-type]
    except ServiceRequest.DoesNotExist as exc:
        raise Http404("No such case in your city.") from exc
    timeline = cases.case_timeline(user=request.user, case=case)  # type: ignore[arg-type]
    return render(request, "console/case.html", {"case": case, "timeline": timeline, "photos": case.photos.all()})
