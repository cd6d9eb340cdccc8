"""JSON for a search box and a map pin: ``/places/search?q=&near=lat,lng`` and ``/places/near?lat=&lng=``.

Public and read-only, like the city limits the portal serves: the addresses are the city's
published address points, not anything a resident sent.
"""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_GET

from civicdesk.places.geocoders import place_reverse, places_search
from civicdesk.places.selectors import STREET_TILE_ZOOMS, streets_generation, streets_in_tile

MAX_RESULTS = 20
MAX_QUERY = 200


def _point(text: str) -> tuple[float, float] | None:
    try:
        lat_text, lng_text = text.split(",")
        lat, lng = float(lat_text), float(lng_text)
    except ValueError:
        return None
    return (lat, lng) if -90 <= lat <= 90 and -180 <= lng <= 180 else None


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
    body = {"query": query, "results": [p.as_json() for p in found.places], "source": found.source}
    if found.notice:
        body["notice"] = found.notice
    return JsonResponse(body)


@require_GET
def near(request: HttpRequest) -> JsonResponse:
    point = _point(f"{request.GET.get('lat', '')},{request.GET.get('lng', '')}")
    if point is None:
        return JsonResponse({"error": _("Give the point as lat= and lng= in degrees.")}, status=400)
    found = place_reverse(*point)
    body = {"result": found.places[0].as_json() if found.places else None, "source": found.source}
    if found.notice:
        body["notice"] = found.notice
    return JsonResponse(body)


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
