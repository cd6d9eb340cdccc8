"""RSS 2.0 and Atom feeds of a city's new and closed reports, narrowed by district, problem
type, or a circle around a point: ``/<city>/feeds/new.atom?district=3&type=pothole``.

What a feed shows is what the public case page shows of a case, less still: the problem,
the place, the status and (for closures) the public closing note. Never the reporter,
never an internal note, never a confidential type (``public_case_list``).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.translation import gettext as _

from civicdesk.cases.models import ServiceRequest, Status
from civicdesk.cases.selectors import public_case_list
from civicdesk.catalog.models import ServiceType
from civicdesk.catalog.templatetags.service_types import type_name_for_resident
from civicdesk.notifications.alerts import MAX_RADIUS_M, bounding_box, distance_m
from civicdesk.notifications.models import distance_words
from civicdesk.tenants.models import City, District

ITEMS = 50
KINDS = ("new", "closed")


class FeedError(ValueError):
    """A feed parameter that makes no sense, in words for whoever typed it."""


@dataclass(frozen=True)
class FeedQuery:
    city: City
    kind: str
    district: District | None = None
    type_code: str = ""
    point: tuple[float, float, int] | None = None

    def title(self) -> str:
        what = _("New reports") if self.kind == "new" else _("Closed reports")
        parts = [f"{what}: {self.city.name}"]
        if self.district is not None:
            parts.append(self.district.name)
        if self.type_code:
            parts.append(self.type_code)
        if self.point is not None:
            parts.append(
                _("within %(distance)s of %(lat).5f, %(lng).5f")
                % {"distance": distance_words(self.point[2]), "lat": self.point[0], "lng": self.point[1]}
            )
        return " · ".join(parts)


def parse_feed_query(request: HttpRequest, city: City, kind: str) -> FeedQuery:
    """Read ``district`` (id), ``type`` (code), ``lat``/``lng``/``radius`` (metres)."""
    district = None
    raw = request.GET.get("district", "").strip()
    if raw:
        if not raw.isdigit():
            raise FeedError(_("district must be a district number from the browse page, not %(v)r.") % {"v": raw})
        district = city.districts.defer("boundary").filter(pk=int(raw)).first()
        if district is None:
            raise FeedError(_("%(city)s has no district %(v)s.") % {"city": city.name, "v": raw})
    type_code = request.GET.get("type", "").strip()
    # A confidential type is "no such type": a feed never admits that one exists.
    if type_code and not ServiceType.objects.filter(code=type_code, is_confidential=False).exists():
        raise FeedError(_("There is no problem type %(v)r.") % {"v": type_code})
    point = None
    lat, lng = request.GET.get("lat", "").strip(), request.GET.get("lng", "").strip()
    if lat or lng:
        try:
            plat, plng = float(lat), float(lng)
            radius = int(request.GET.get("radius", "500"))
        except ValueError as exc:
            raise FeedError(_("lat and lng must both be numbers of degrees; radius a number of meters.")) from exc
        if not (math.isfinite(plat) and math.isfinite(plng) and -90 <= plat <= 90 and -180 <= plng <= 180):
            raise FeedError(_("lat and lng must be a point on the map."))
        if not 1 <= radius <= MAX_RADIUS_M:
            raise FeedError(_("radius must be from 1 to %(m)s meters.") % {"m": MAX_RADIUS_M})
        point = (plat, plng, radius)
    return FeedQuery(city=city, kind=kind, district=district, type_code=type_code, point=point)


def feed_cases(query: FeedQuery) -> list[ServiceRequest]:
    """The newest public cases the feed shows, newest first."""
    # Around a point, cases of any member city count: residents near a city line see both sides.
    cases: QuerySet[ServiceRequest] = public_case_list(city=None if query.point else query.city)
    if query.district is not None:
        cases = cases.filter(district=query.district)
    if query.type_code:
        cases = cases.filter(service_type__code=query.type_code)
    if query.kind == "closed":
        cases = cases.filter(status=Status.CLOSED, closed_at__isnull=False).order_by("-closed_at", "-pk")
    else:
        cases = cases.order_by("-opened_at", "-pk")
    if query.point is None:
        return list(cases[:ITEMS])
    lat, lng, radius = query.point
    south, north, west, east = bounding_box(lat, lng, radius)
    found = []
    for case in cases.filter(lat__range=(south, north), lng__range=(west, east)).iterator():
        assert case.lat is not None and case.lng is not None
        if distance_m(lat, lng, case.lat, case.lng) <= radius:
            found.append(case)
            if len(found) >= ITEMS:
                break
    return found


class _CaseFeed(Feed):  # type: ignore[type-arg]
    def get_object(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FeedQuery:
        return request.feed_query  # type: ignore[attr-defined,no-any-return]

    def title(self, obj: FeedQuery) -> str:
        return f"{obj.title()} · 311"

    def link(self, obj: FeedQuery) -> str:
        return reverse("portal:browse", args=[obj.city.slug])

    def description(self, obj: FeedQuery) -> str:
        return obj.title()

    def subtitle(self, obj: FeedQuery) -> str:
        return obj.title()

    def items(self, obj: FeedQuery) -> list[ServiceRequest]:
        self._kind = obj.kind
        return feed_cases(obj)

    def item_title(self, item: ServiceRequest) -> str:
        where = item.address or (item.district.name if item.district else item.city.name)
        return f"{item.reference}: {_type_name(item)}, {where}"

    def item_description(self, item: ServiceRequest) -> str:
        lines = [f"{_type_name(item)} · {item.get_status_display()}"]
        if item.address:
            lines.append(item.address)
        if item.district is not None:
            lines.append(item.district.name)
        if item.status == Status.CLOSED and item.closing_note:
            lines.append(item.closing_note)
        return "\n".join(lines)

    def item_link(self, item: ServiceRequest) -> str:
        return reverse("portal:case", args=[item.city.slug, item.number])

    def item_guid(self, item: ServiceRequest) -> str:
        return self.item_link(item) + ("#closed" if item.status == Status.CLOSED else "")

    def item_pubdate(self, item: ServiceRequest) -> dt.datetime:
        return item.opened_at

    def item_updateddate(self, item: ServiceRequest) -> dt.datetime:
        return item.closed_at or item.updated_at

    def item_categories(self, item: ServiceRequest) -> list[str]:
        return [_type_name(item)]


def _type_name(item: ServiceRequest) -> str:
    """The type's name in the feed's language (its Spanish name in Spanish, where given); a
    report still in triage reads what is happening to it, not the staff's queue name."""
    return type_name_for_resident(item.service_type)


class RssCaseFeed(_CaseFeed):
    feed_type = Rss201rev2Feed


class AtomCaseFeed(_CaseFeed):
    feed_type = Atom1Feed


_FEEDS = {"rss": RssCaseFeed(), "atom": AtomCaseFeed()}


def case_feed(request: HttpRequest, city: str, kind: str, fmt: str) -> HttpResponse:
    """A feed of new or closed cases, in RSS 2.0 or Atom."""
    if kind not in KINDS or fmt not in _FEEDS:
        raise Http404("No such feed.")
    city_obj = get_object_or_404(City.objects.defer("boundary"), slug=city)
    try:
        request.feed_query = parse_feed_query(request, city_obj, kind)  # type: ignore[attr-defined]
    except FeedError as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    return _FEEDS[fmt](request)
