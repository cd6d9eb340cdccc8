"""The resident-facing pages: homes, the report form, tracking, browsing, the app shell."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from civicdesk.cases import selectors as cases
from civicdesk.cases.models import ServiceRequest
from civicdesk.cases.transfers import case_by_old_reference
from civicdesk.catalog.models import ServiceType
from civicdesk.catalog.selectors import reportable_types
from civicdesk.core.errors import OutsideServiceArea
from civicdesk.core.pagecache import public_page
from civicdesk.core.paging import CappedPaginator, KeysetPaginator
from civicdesk.core.templatetags.distances import away
from civicdesk.core.written import lang_if_other
from civicdesk.expected.selectors import expected_for
from civicdesk.notifications.models import RADIUS_WORDS
from civicdesk.notifications.services import case_follow
from civicdesk.portal import limits, near, selectors
from civicdesk.portal.confidential import render_access_code
from civicdesk.portal.forms import ReportForm
from civicdesk.portal.services import report_submit
from civicdesk.tenants import selectors as places
from civicdesk.tenants.models import City

PAGE_SIZE = 25


def _city(slug: str) -> City:
    return get_object_or_404(City.objects.defer("boundary"), slug=slug)


def _map_settings() -> dict[str, str]:
    return {"tiles": settings.MAP_TILES_URL, "attribution": settings.MAP_TILES_ATTRIBUTION}


# --- homes ------------------------------------------------------------------------------


@public_page
def home(request: HttpRequest) -> HttpResponse:
    """The regional home: report from anywhere, or pick a city."""
    cities = list(places.city_list().defer("boundary"))
    # The collaborative's name is data (its Region), shown as written in every language.
    collaborative = ", ".join(sorted({city.region.name for city in cities}))
    return render(request, "portal/home.html", {"cities": cities, "collaborative": collaborative})


@public_page
def city_home(request: HttpRequest, city: str) -> HttpResponse:
    city_obj = _city(city)
    recent = selectors.listed(cases.public_case_list(city=city_obj)).order_by("-opened_at", "-pk")[:10]
    takes_reports = reportable_types().filter(city=city_obj).exists()
    return render(request, "portal/city.html", {"city": city_obj, "recent": recent, "takes_reports": takes_reports})


@cache_control(max_age=3600, public=True)
def boundaries(request: HttpRequest, city: str | None = None) -> HttpResponse:
    """City limits as GeoJSON, drawn on the maps (the plain background needs no tiles); kept
    in the shared cache until an administrator changes a city (portal/limits.py)."""
    body = limits.collection(city)
    if body is None:
        raise Http404("No such city.")
    return HttpResponse(body, content_type="application/geo+json")


# --- reporting --------------------------------------------------------------------------


def _wants_json(request: HttpRequest) -> bool:
    # The offline queue sends the form itself and reads the answer as JSON.
    return request.headers.get("Accept", "").startswith("application/json")


def _report_context(request: HttpRequest, form: ReportForm, city: City | None, **extra: Any) -> dict[str, Any]:
    form.describe()
    return {
        "form": form,
        "city": city,
        "map": _map_settings(),
        "boundary_url": reverse("portal:boundary", args=[city.slug]) if city else reverse("portal:boundaries"),
        "action": reverse("portal:city-report", args=[city.slug]) if city else reverse("portal:report"),
        **extra,
    }


def _form_errors(form: ReportForm) -> dict[str, list[str]]:
    return {name: [str(m) for m in errors] for name, errors in form.errors.items()}


# Private to one visitor: the form carries that visitor's CSRF token and a report token of its own.
@cache_control(private=True, no_store=True)
def report(request: HttpRequest, city: str | None = None) -> HttpResponse:
    """The report form: GET shows it, POST files the report (or, without JavaScript, first
    shows open reports of the same problem nearby)."""
    city_obj = _city(city) if city else None
    types = selectors.report_types(city=city_obj)
    if city_obj is not None and not types:
        return _not_taking_reports(request, city_obj)
    if request.method != "POST":
        initial: dict[str, Any] = {"notify_reporter": True}
        for key in ("service_type", "lat", "lng"):
            if request.GET.get(key):
                initial[key] = request.GET[key]
        form = ReportForm(initial=initial, types=types)
        return render(request, "portal/report.html", _report_context(request, form, city_obj))

    form = ReportForm(request.POST, request.FILES, types=types)
    nearby: list[selectors.Nearby] = []
    pin_warning: str | None = None
    if form.is_valid():
        data = form.cleaned_data
        service_type = form.chosen_type
        lat, lng = data.get("lat"), data.get("lng")
        has_pin = lat is not None and lng is not None
        confidential = service_type is not None and service_type.is_confidential
        if service_type is None:
            form.add_error("service_type", _("Choose the type of problem."))
        elif confidential and not data.get("description"):
            form.add_error("description", _("Describe what you are reporting."))
        elif missing_place := _missing_place(form, city_obj):
            form.add_error("lat", missing_place)
        else:
            wants_check = not request.POST.get("nearby_checked") and not data["photos"] and not _wants_json(request)
            if lat is not None and lng is not None and wants_check:
                # Without JavaScript the resident has not seen "Is this yours?" yet: show it
                # once before filing (not when photos are attached: the browser would drop them).
                nearby = selectors.nearby_open_cases(service_type=service_type, lat=lat, lng=lng)
                pin_warning = _pin_warning(lat, lng)
            if not nearby and not pin_warning:
                try:
                    case, created, access_code = report_submit(
                        service_type=service_type,
                        city=city_obj,
                        client_token=data.get("client_token"),
                        channel=data["channel"],
                        description=data["description"],
                        lat=lat,
                        lng=lng,
                        # The map's suggestion for the pin, unedited, is the pin's own address:
                        # placed as for a pin alone (the nearest address), not as typed.
                        address="" if has_pin and data.get("address_from_pin") == "1" else data["address"],
                        attributes=form.attribute_answers(),
                        photos=data["photos"],
                        processed_photos=form.processed_photos,
                        reporter_name=data["reporter_name"],
                        reporter_email=data["reporter_email"],
                        reporter_phone=data["reporter_phone"],
                        notify_reporter=data["notify_reporter"],
                        # The resident's emails are written in the language they reported in.
                        language=translation.get_language() or "",
                    )
                except OutsideServiceArea as exc:
                    form.add_error("lat", " ".join(exc.messages))
                except ValidationError as exc:
                    if hasattr(exc, "error_dict"):
                        form.add_service_errors(exc.message_dict)
                    else:
                        form.add_error(None, exc)
                else:
                    if confidential:
                        # A confidential report needs no place (it goes to its type's city)
                        # and is answered with its access code, never a tracking link.
                        return _reported_confidential(request, case, access_code if created else None)
                    return _reported(request, case, city_obj)
    elif missing_place := _missing_place(form, city_obj):
        # Said with the other mistakes, not once they are put right: a resident who fixed
        # their email address was otherwise sent back a second time for the pin.
        form.add_error("lat", missing_place)
    if _wants_json(request):
        return JsonResponse({"errors": _form_errors(form)}, status=400)
    if form.errors and form.files:
        form.add_error("photos", _("For your safety the browser forgets chosen photos: please choose them again."))
    context = _report_context(
        request, form, city_obj, nearby=nearby, nearby_checked=bool(nearby or pin_warning), pin_warning=pin_warning
    )
    return render(request, "portal/report.html", context, status=400 if form.errors else 200)


def _missing_place(form: ReportForm, city: City | None) -> str | None:
    """What the report lacks to know where the problem is, or None: a pin on the form for
    every city (the pin says which city), a pin or an address on a city's own form. A
    confidential report needs no place; a place already refused says its own error."""
    if (form.chosen_type is not None and form.chosen_type.is_confidential) or {"lat", "lng"} & set(form.errors):
        return None
    data = form.cleaned_data
    if data.get("lat") is not None and data.get("lng") is not None:
        return None
    if city is None:
        return _(
            "Place a pin on the map or use your location, so we know which city the problem is in. "
            "To give an address only, report from your city's page."
        )
    if not data.get("address") and "address" not in form.errors:
        return _("Place a pin on the map, use your location, or type the address.")
    return None


def _not_taking_reports(request: HttpRequest, city: City) -> HttpResponse:
    """A city still setting up (no active problem type yet) says so, with its phone and email,
    instead of a form whose list of problems is empty: nothing a resident types is lost."""
    if _wants_json(request):
        message = _("%(city)s does not take reports online yet.") % {"city": city.name}
        return JsonResponse({"errors": {"service_type": [message]}}, status=400)
    status = 200 if request.method != "POST" else 400
    return render(request, "portal/report_not_yet.html", {"city": city}, status=status)


def _reported(request: HttpRequest, case: ServiceRequest, asked: City | None) -> HttpResponse:
    sent = reverse("portal:report-sent", args=[case.tracking_token])
    if asked is not None and asked.pk != case.city_id:
        sent += "?" + urlencode({"from": asked.slug})
    if _wants_json(request):
        return JsonResponse(
            {
                "reference": case.reference,
                "city": case.city.name,
                "tracking_url": reverse("portal:track", args=[case.tracking_token]),
                "confirmation_url": sent,
            },
            status=201,
        )
    return redirect(sent)


def _reported_confidential(request: HttpRequest, case: ServiceRequest, code: str | None) -> HttpResponse:
    """The access code is shown in the POST's own answer, once: it is stored nowhere."""
    if _wants_json(request):
        return JsonResponse({"confidential": True, "access_code": code, "city": case.city.name}, status=201)
    return render_access_code(request, case, code)


def report_sent(request: HttpRequest, token: str) -> HttpResponse:
    """The confirmation: the reference, the city that handles it, the tracking link."""
    try:
        case = cases.case_by_tracking_token(token)
    except ServiceRequest.DoesNotExist as exc:
        raise Http404("No report has this link.") from exc
    if case.service_type.is_confidential:
        raise Http404("No report has this link.")  # it would show the case number and a tracking link
    asked = City.objects.defer("boundary").filter(slug=request.GET.get("from", "")).first()
    return render(
        request,
        "portal/report_sent.html",
        {
            "case": case,
            "city": case.city,
            "asked": asked if asked and asked.pk != case.city_id else None,
            "tracking_url": settings.SITE_URL + reverse("portal:track", args=[case.tracking_token]),
        },
    )


def _type_from(request: HttpRequest) -> ServiceType | None:
    raw = request.GET.get("service_type", "")
    return reportable_types().filter(pk=int(raw)).first() if raw.isdigit() else None


@require_GET
def report_questions(request: HttpRequest) -> HttpResponse:
    """The chosen type's questions (htmx swaps them in when the type changes), and what the
    form says that depends on the type."""
    service_type = _type_from(request)
    types = [service_type] if service_type else []
    form = ReportForm(initial={"service_type": service_type.pk if service_type else None}, types=types)
    form.describe()
    # With the questions, out of band: the confidential notice and the contact section's words.
    return render(request, "portal/_questions.html", {"form": form, "oob": True})


@require_GET
def report_nearby(request: HttpRequest) -> HttpResponse:
    """Open reports of the chosen problem near the pin: "Is this yours?"."""
    service_type = _type_from(request)
    nearby: list[selectors.Nearby] = []
    try:
        point: tuple[float, float] | None = (float(request.GET.get("lat", "")), float(request.GET.get("lng", "")))
    except ValueError:
        point = None
    if service_type is not None and point is not None:
        nearby = selectors.nearby_open_cases(service_type=service_type, lat=point[0], lng=point[1])
    warning = _pin_warning(*point) if point is not None else None
    return render(request, "portal/_nearby.html", {"nearby": nearby, "checked": True, "pin_warning": warning})


def _pin_warning(lat: float, lng: float) -> str | None:
    """The "please check your pin" warning near a city line, asked once before filing."""
    try:
        return places.boundary_warning(lat=lat, lng=lng)
    except ValidationError:
        return None  # not a place on Earth: the form says so itself


# --- public case pages ------------------------------------------------------------------


def _public_case(request: HttpRequest, case: ServiceRequest, *, is_reporter: bool, **extra: Any) -> HttpResponse:
    status = extra.pop("status", 200)
    return render(
        request,
        "portal/case.html",
        {
            "city": case.city,
            "case": case,
            "timeline": cases.public_timeline(case),
            "photos": cases.public_photo_list(case=case),
            "is_reporter": is_reporter,
            "map": _map_settings(),
            "pins": _pins([case]),
            # When an open case is expected to be dealt with (the city's estimate, or the target).
            "expected": expected_for(case) if case.is_open else None,
            **extra,
        },
        status=status,
    )


def _public_case_or_404(city: str, number: int) -> ServiceRequest:
    """The public case at this address, or the one that had it before another member city
    took it (its alerts, feeds and followers' links still point here); never a confidential one."""
    case = cases.public_case_list().filter(city__slug=city, number=number).first()
    if case is None:
        case = case_by_old_reference(city_slug=city, number=number)
    if case is None or case.service_type.is_confidential:
        raise Http404("No such report.")
    return case


@public_page
def case_detail(request: HttpRequest, city: str, number: int) -> HttpResponse:
    case = _public_case_or_404(city, number)
    if (case.city.slug, case.number) != (city, number):
        # Handed on to another city: its page is now under that city's name and number.
        return redirect("portal:case", city=case.city.slug, number=case.number, permanent=True)
    return _public_case(request, case, is_reporter=False)


@require_POST
def case_follow_view(request: HttpRequest, city: str, number: int) -> HttpResponse:
    """Follow a case by email (from its page, or instead of filing a duplicate)."""
    case = _public_case_or_404(city, number)
    email = request.POST.get("follow_email") or request.POST.get("reporter_email", "")
    try:
        case_follow(case=case, email=email, language=translation.get_language() or "")
    except ValidationError as exc:
        error = " ".join(exc.message_dict.get("email", exc.messages) if hasattr(exc, "error_dict") else exc.messages)
        return _public_case(request, case, is_reporter=False, errors=[error], follow_email=email, status=400)
    messages.success(
        request,
        _("Thank you. We will email %(email)s when %(ref)s is updated or closed.")
        % {"email": email, "ref": case.reference},
    )
    if request.POST.get("description", "").strip() or request.FILES:
        # Followed from the report form after writing: the resident's own report is not filed.
        messages.info(request, _("Your own report was not sent: the description and photos you gave were not kept."))
    return redirect("portal:case", city=case.city.slug, number=case.number)


def track(request: HttpRequest, token: str) -> HttpResponse:
    """The reporter's own page of a report. A confidential report has none: its access code
    at /confidential/ is the only key, so a leaked link (the token is in the row) opens nothing."""
    try:
        case = cases.case_by_tracking_token(token)
    except ServiceRequest.DoesNotExist as exc:
        raise Http404("No report has this tracking link.") from exc
    if case.service_type.is_confidential:
        raise Http404("No report has this tracking link.")
    return _public_case(request, case, is_reporter=True)


def _pins(items: Any) -> list[dict[str, Any]]:
    """Each case's pin; its popup's link names the type, with the ``lang`` that name needs on
    this page ("" for none: map.js sets it on the link, WCAG 3.1.2)."""
    language = translation.get_language() or ""
    pins = []
    for c in items:
        if c.lat is None or c.lng is None:
            continue
        name = c.service_type.local_name(language)
        pins.append(
            {
                "lat": c.lat,
                "lng": c.lng,
                "label": f"{c.reference} · {name}",
                "lang": lang_if_other(name),
                "url": reverse("portal:case", args=[c.city.slug, c.number]),
            }
        )
    return pins


@public_page
def browse(request: HttpRequest, city: str) -> HttpResponse:
    """Recent public cases of a city, as a list and on a map, filtered and paged; or, with a
    place in "Near", the cases within a distance of it, nearest first (portal/near.py)."""
    city_obj = _city(city)
    chosen = {key: request.GET.get(key, "") for key in ("district", "type", "status")}
    filters = {"district": chosen["district"], "service_type": chosen["type"], "status": chosen["status"]}
    near_text = " ".join(request.GET.get("near", "").split())
    within_m = near.within_choice(request.GET.get("within", ""))
    asked = near.near_place(near_text)
    errors = [("f-near", asked.problem)] if asked.problem else []
    if asked.place is not None:
        nearest = near.browse_near(city=city_obj, place=asked.place, within_m=within_m, **filters)
        paginator = CappedPaginator(nearest, PAGE_SIZE)
        page: Any = near.near_page(
            nearest, cursor=request.GET.get("cursor"), number=request.GET.get("page"), per_page=PAGE_SIZE
        )
        page.labels = (_("Nearer"), _("Farther"))
        for case in page.object_list:
            case.away = away(case.distance_m)
    else:
        found = selectors.browse_cases(city=city_obj, **filters)
        paginator = CappedPaginator(found, PAGE_SIZE)
        if paginator.capped and "page" not in request.GET:
            # Past 10,000 reports, "Newer" and "Older" page by keyset (core/paging.py): each page
            # starts after the last report shown, read from the index by opening time, so the whole
            # history can be read page after page at the cost of the first. A "page=" link from
            # before still opens that numbered page.
            page = KeysetPaginator(found, PAGE_SIZE, fields=("opened_at", "pk"), descending=True).page(
                request.GET.get("cursor")
            )
            page.labels = (_("Newer"), _("Older"))
        else:
            page = paginator.get_page(request.GET.get("page"))
    # The feeds take the filters; the pages the place and distance too (a bad place is not kept).
    feed_keep = urlencode({k: v for k, v in chosen.items() if v})
    placed = {"near": near_text, "within": str(within_m)} if asked.place is not None else {}
    keep = urlencode({**{k: v for k, v in chosen.items() if v}, **placed})
    choices = [
        (
            place.address,
            "?" + urlencode({**{k: v for k, v in chosen.items() if v}, "near": place.address, "within": str(within_m)}),
        )
        for place in asked.choices
    ]
    return render(
        request,
        "portal/browse.html",
        {
            "city": city_obj,
            "page": page,
            "capped": paginator.capped,
            "count": paginator.count,
            "cap": paginator.cap_display,
            "chosen": chosen,
            "keep": keep,
            "feed_keep": feed_keep,
            "near": asked.place,
            "near_text": near_text,
            "near_words": _near_words(asked.place) if asked.place is not None else "",
            "within": within_m,
            "within_words": str(RADIUS_WORDS[within_m]),
            "distances": [(m, str(RADIUS_WORDS[m])) for m in near.NEAR_DISTANCES],
            "near_choices": choices,
            "errors": errors,
            "districts": selectors.browse_districts(city=city_obj),
            "types": selectors.browse_types(city=city_obj, language=translation.get_language() or ""),
            "statuses": [("open", _("Open")), ("closed", _("Closed"))],
            "map": _map_settings(),
            "pins": _pins(page.object_list),
            "boundary_url": reverse("portal:boundary", args=[city_obj.slug]),
        },
    )


def _near_words(place: near.NearPlace) -> str:
    """The place a near list is around, as the page names it: the address, or the point near
    the address under it, or the point's coordinates."""
    if place.address:
        return place.address
    if place.nearest:
        return _("the point near %(address)s") % {"address": place.nearest}
    return _("the point %(point)s") % {"point": f"{place.lat:.5f}, {place.lng:.5f}"}


# --- the installable app -------------------------------------------------------------------


def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest: the portal installs as an app that opens on the report form."""
    icons = [
        {"src": static(f"civicdesk/icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"}
        for size in (192, 512)
    ]
    icons.append(
        {
            "src": static("civicdesk/icons/maskable-512.png"),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        }
    )
    body = {
        "name": _("civicdesk 311: report a problem"),
        "short_name": "311",
        "description": _("Report a problem to your city and follow it to the end."),
        "start_url": reverse("portal:report") + "?source=app",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1a4480",
        "icons": icons,
    }
    return HttpResponse(json.dumps(body), content_type="application/manifest+json")


SHELL_STATIC = (
    "civicdesk/site.css",
    "civicdesk/portal.js",
    "civicdesk/menu.js",
    "civicdesk/queue.js",
    "civicdesk/address.js",
    "civicdesk/streets.js",
    "civicdesk/map.js",
    "django_htmx/htmx-2.min.js",
    "leaflet/leaflet.js",
    "leaflet/leaflet.css",
    "civicdesk/icons/icon-192.png",
)


@require_GET
@cache_control(public=True, max_age=24 * 3600)
def favicon(request: HttpRequest) -> HttpResponse:
    """``/favicon.ico``, which browsers, bookmarks and feed readers ask for whatever a page's
    ``<link rel="icon">`` says: the app's icon, not a 404 page built for nobody."""
    return redirect(static("civicdesk/icons/icon-192.png"), permanent=True)


@cache_control(no_cache=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, from the site root so it controls every page.

    Its file lives with the other static files; the shell's URLs are put in front of it here
    because in production static names carry a content hash.
    """
    path = finders.find("civicdesk/sw.js")
    if not path:
        raise Http404("No service worker.")
    shell = [reverse("portal:home"), reverse("portal:report"), reverse("portal:offline")] + [
        static(name) for name in SHELL_STATIC
    ]
    prelude = "const SHELL = {};\nconst QUEUE_SCRIPT = {};\n".format(
        json.dumps(shell), json.dumps(static("civicdesk/queue.js"))
    )
    body = prelude + Path(str(path)).read_text(encoding="utf-8")
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


def offline(request: HttpRequest) -> HttpResponse:
    """Shown by the service worker when a page is asked for without signal."""
    return render(request, "portal/offline.html")


# --- other ---------------------------------------------------------------------------------


def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One-click unsubscribe: a GET shows a button (mail scanners follow links, so the
    change itself is a POST); the POST stops the emails."""
    from civicdesk.notifications.models import CaseFollower
    from civicdesk.notifications.services import follower_unsubscribe

    follower = (
        CaseFollower.objects.select_related("case__city", "case__service_type").filter(unsubscribe_token=token).first()
    )
    if follower is None:
        raise Http404("This unsubscribe link is not known.")
    done = False
    if request.method == "POST":
        follower_unsubscribe(token=token)
        done = True
    return render(request, "portal/unsubscribe.html", {"follower": follower, "case": follower.case, "done": done})
