"""JSON for a search box and a map pin: ``/places/search?q=&near=lat,lng`` and ``/places/near?lat=&lng=``.

Public and read-only, like the city limits the portal serves: the addresses are the city's
published address points, not anything a resident sent.

Each answer carries what the page says, in the visitor's language (the plural forms of the
count differ between languages, so the server words them): the count for the search box's
live region, the "near …" line under a pin, and for a place outside every member city the
city or place it belongs to, when known.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_GET

from civicdesk.places.geocoders import Found, place_reverse, places_search
from civicdesk.places.selectors import (
    STREET_TILE_ZOOMS,
    Area,
    Instead,
    Place,
    areas_at,
    streets_generation,
    streets_in_tile,
)
from civicdesk.tenants.selectors import outside_line

MAX_RESULTS = 20
MAX_QUERY = 200


def _point(text: str) -> tuple[float, float] | None:
    try:
        lat_text, lng_text = text.split(",")
        lat, lng = float(lat_text), float(lng_text)
    except ValueError:
        return None
    return (lat, lng) if -90 <= lat <= 90 and -180 <= lng <= 180 else None


def _area_text(area: Area) -> str:
    """The line of a place outside every member city, in the words a report of it is refused
    with: "In Kansas City, not one of the cities this service takes reports for: about 980 ft
    from Raytown's limits"."""
    if area.is_member:
        return ""
    return outside_line(place=area.outside, nearest=area.nearest, metres=area.metres)


def _with_area(place: Place, area: Area) -> dict[str, Any]:
    return {**place.as_json(), "city": area.city, "outside": _area_text(area)}


def _hint(place: Place, query: str) -> str:
    """Why a place the words did not match is offered, under it in the list ("" when they did)."""
    if place.instead == Instead.STREET:
        return _("The number is not on this street: the pin goes on the street, then move it to the place.")
    if place.instead == Instead.SPELLING:
        return _("Spelled differently from “%(words)s”") % {"words": query.strip()}
    return ""


def illustrative_note() -> str:
    return _("Illustrative addresses: invented for the demo, not the city's own address data.")


def _answer(found: Found, body: dict[str, Any]) -> JsonResponse:
    """``body`` with which geocoder answered and, when the configured one could not, why."""
    body["source"] = found.source
    if found.notice:
        body["notice"] = found.notice
    return JsonResponse(body)


@require_GET
def search(request: HttpRequest) -> JsonResponse:
    query = request.GET.get("q", "")[:MAX_QUERY]
    near = None
    if request.GET.get("near"):
        near = _point(request.GET["near"])
        if near is None:
            return JsonResponse(
                {"error": _("“near” must be a latitude and a longitude: near=39.09,-94.41.")}, status=400
            )
    try:
        limit = max(1, min(MAX_RESULTS, int(request.GET.get("limit", 8))))
    except ValueError:
        limit = 8
    found = places_search(query, near=near, limit=limit)
    places = found.places
    areas = areas_at([(p.lat, p.lng) for p in places], places=[p.place for p in places])
    if places and all(p.instead for p in places):
        message = ngettext(
            "No address matches these words exactly. %(count)s close place found. "
            "Use the up and down arrow keys to choose it.",
            "No address matches these words exactly. %(count)s close places found. "
            "Use the up and down arrow keys to choose one.",
            len(places),
        ) % {"count": len(places)}
    elif places:
        message = ngettext(
            "%(count)s address found. Use the up and down arrow keys to choose one.",
            "%(count)s addresses found. Use the up and down arrow keys to choose one.",
            len(places),
        ) % {"count": len(places)}
    else:
        message = _("No address found.")
    return _answer(
        found,
        {
            "query": query,
            "results": [{**_with_area(p, a), "hint": _hint(p, query)} for p, a in zip(places, areas, strict=True)],
            "message": message,
            "note": illustrative_note() if any(p.illustrative for p in places) else "",
        },
    )


@require_GET
def near(request: HttpRequest) -> JsonResponse:
    point = _point(f"{request.GET.get('lat', '')},{request.GET.get('lng', '')}")
    if point is None:
        return JsonResponse({"error": _("Give the point as lat= and lng= in degrees.")}, status=400)
    found = place_reverse(*point)
    place = found.places[0] if found.places else None
    (area,) = areas_at([point], places=[place.place if place else ""])
    # The pin's own area decides "outside": the nearest address may lie across a city line.
    text = _("Near %(address)s") % {"address": place.label} if place else ""
    return _answer(
        found,
        {
            "result": place.as_json() if place else None,
            "text": text,
            "city": area.city,
            "outside": _area_text(area),
            "note": illustrative_note() if place and place.illustrative else "",
        },
    )


# --- the map's street layer ----------------------------------------------------------------

STREET_TILE_SECONDS = 3600  # browsers and proxies keep a tile an hour, then ask with its ETag
STREET_TILE_CACHE_SECONDS = 7 * 24 * 3600  # the server keeps a tile's JSON until streets change


def _tile_etag(request: HttpRequest, z: int, x: int, y: int) -> str:
    return f"{streets_generation()}-{z}-{x}-{y}"


@require_GET
@cache_control(public=True, max_age=STREET_TILE_SECONDS)
@condition(etag_func=_tile_etag)
def street_tile(request: HttpRequest, z: int, x: int, y: int) -> HttpResponse:
    """The streets of the web-map tile z/x/y as GeoJSON (selectors.streets_in_tile). The same
    for everyone: public, cached by browsers and proxies, revalidated by ETag, and kept
    computed in the server's cache until centerlines are loaded again."""
    if z not in STREET_TILE_ZOOMS or not (0 <= x < 2**z and 0 <= y < 2**z):
        return JsonResponse(
            {
                "error": _("No such street tile: zoom %(low)d to %(high)d, x and y within the zoom's grid.")
                % {"low": STREET_TILE_ZOOMS.start, "high": STREET_TILE_ZOOMS.stop - 1}
            },
            status=404,
        )
    key = f"places:streets:{streets_generation()}:{z}:{x}:{y}"
    body = cache.get(key)
    if body is None:
        body = streets_in_tile(z, x, y)
        cache.set(key, body, timeout=STREET_TILE_CACHE_SECONDS)
    return HttpResponse(body, content_type="application/geo+json")
