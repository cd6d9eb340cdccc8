"""The resident-facing pages."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from civicdesk.cases import selectors as cases
from civicdesk.cases.models import ServiceRequest
from civicdesk.tenants import selectors as places
from civicdesk.tenants.models import City


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"cities": places.city_list()})


def city_home(request: HttpRequest, city: str) -> HttpResponse:
    city_obj = get_object_or_404(City, slug=city)
    recent = cases.public_case_list(city=city_obj).order_by("-opened_at")[:20]
    return render(request, "portal/city.html", {"city": city_obj, "recent": recent})


def _public_case(case: ServiceRequest, request: HttpRequest, *, is_reporter: bool) -> HttpResponse:
    return render(
        request,
        "portal/case.html",
        {
            "city": case.city,
            "case": case,
            "timeline": cases.public_timeline(case).select_related("actor"),
            "photos": case.photos.filter(is_public=True),
            "is_reporter": is_reporter,
        },
    )


def case_detail(request: HttpRequest, city: str, number: int) -> HttpResponse:
    case = get_object_or_404(cases.public_case_list(), city__slug=city, number=number)
    return _public_case(case, request, is_reporter=False)


def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One-click unsubscribe: a GET shows a button (mail scanners follow links, so the
    change itself is a POST); the POST stops the emails."""
    from civicdesk.notifications.models import CaseFollower
    from civicdesk.notifications.services import follower_unsubscribe

    follower = CaseFollower.objects.select_related("case__city", "case__service_type").filter(unsubscribe_token=token).first()
    if follower is None:
        raise Http404("This unsubscribe link is not known.")
    done = False
    if request.method == "POST":
        follower_unsubscribe(token=token)
        done = True
    return render(request, "portal/unsubscribe.html", {"follower": follower, "case": follower.case, "done": done})


def track(request: HttpRequest, token: str) -> HttpResponse:
    try:
        case = cases.case_by_tracking_token(token)
    except ServiceRequest.DoesNotExist as exc:
        raise Http404("No report has this tracking link.") from exc
    return _public_case(case, request, is_reporter=True)
