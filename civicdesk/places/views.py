"""JSON for a search box and a map pin: ``/places/search?q=&near=lat,lng`` and ``/places/near?lat=&lng=``.

Public and read-only, like the city limits the portal serves: the addresses are the city's
published address points, not anything a resident sent.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from civicdesk.places.selectors import address_near, address_search

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
    places = address_search(query, near=near, limit=limit)
    return JsonResponse({"query": query, "results": [p.as_json() for p in places]})


@require_GET
def near(request: HttpRequest) -> JsonResponse:
    point = _point(f"{request.GET.get('lat', '')},{request.GET.get('lng', '')}")
    if point is None:
        return JsonResponse({"error": _("Give the point as lat= and lng= in degrees.")}, status=400)
    place = address_near(*point)
    return JsonResponse({"result": place.as_json() if place else None})
