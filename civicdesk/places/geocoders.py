"""Finding places: the city's own gazetteer, and a remote geocoder as an option.

Every geocoder has the same two questions (the ``Geocoder`` protocol): ``search(text, near=)``,
candidates for what was typed, best first; and ``reverse(lat, lng)``, the address at a point.
``LocalGazetteer`` answers from the city's own address data (selectors.py). ``CensusGeocoder``
(the US Census Bureau's geocoder, which knows TIGER/Line's address ranges) and
``NominatimGeocoder`` (a Nominatim server, through geopy) answer for a city that has loaded no
addresses of its own, when ``settings.PLACES_GEOCODER`` names one.

``places_search`` and ``place_reverse`` are what the app calls. A remote geocoder is an option,
never a dependency: its answers are cached (the database cache, shared by every process), each
process sends at most ``PLACES_GEOCODER_RATE`` requests a second (a token bucket: a request
beyond it is not sent, not queued), and whenever it is busy, slow, unreachable or wrong the
local gazetteer answers, with a notice saying so.

A remote result's ``city_id`` is the member city whose limits hold its point, 0 when none does.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from civicdesk.places.normalise import parse_address, parse_street
from civicdesk.places.selectors import How, Place, address_near, address_search
from civicdesk.tenants import geo

logger = logging.getLogger(__name__)

GEOCODERS = ("local", "census", "nominatim")


class Geocoder(Protocol):
    name: str

    def search(self, text: str, *, near: tuple[float, float] | None = None, limit: int = 8) -> list[Place]: ...

    def reverse(self, lat: float, lng: float) -> Place | None: ...


class GeocoderError(Exception):
    """A remote geocoder gave no answer: ``message`` for the people using the app,
    ``detail`` (what went wrong, technically) for the log."""

    def __init__(self, message: str, detail: str) -> None:
        super().__init__(detail)
        self.message = message
        self.detail = detail


@dataclass(frozen=True)
class Found:
    places: list[Place]
    source: str  # the geocoder that answered: "local", "census", "nominatim"
    notice: str = ""  # why the local gazetteer answered instead of the configured geocoder


# --- the city's own addresses ----------------------------------------------------------------


class LocalGazetteer:
    name = "local"

    def search(self, text: str, *, near: tuple[float, float] | None = None, limit: int = 8) -> list[Place]:
        return address_search(text, near=near, limit=limit)

    def reverse(self, lat: float, lng: float) -> Place | None:
        return address_near(lat, lng)


# --- remote geocoders ------------------------------------------------------------------------


def _city_id(lat: float, lng: float) -> int:
    hits = geo.city_index().covering(geo.point(lat, lng))
    return int(hits[0]) if hits else 0


def _remote_place(text: str, lat: float, lng: float, *, near: tuple[float, float] | None) -> Place:
    """A Place from a remote answer's one-line address ("1234 S NOLAND RD, INDEPENDENCE, MO")."""
    first = text.split(",")[0].strip()
    parsed = parse_address(first)
    label = first
    if parsed.number is not None and parsed.street:
        label = f"{parsed.number}{parsed.number_suffix} {parsed.street.label}"
    elif parsed.street:
        label = parsed.street.label
    return Place(
        label=label,
        lat=lat,
        lng=lng,
        how=How.GEOCODED,
        city_id=_city_id(lat, lng),
        distance_m=geo.metres_between(near[0], near[1], lat, lng) if near else None,
        number=parsed.number,
        street_key=parsed.street.key,
        pre_directional=parsed.street.pre_directional,
        post_directional=parsed.street.post_directional,
        zip_code=parsed.zip_code,
    )


def _unavailable(service: str) -> str:
    return _("The %(service)s address service cannot be reached.") % {"service": service}


def _timed_out(service: str) -> str:
    return _("The %(service)s address service did not answer in time.") % {"service": service}


def _failed(service: str) -> str:
    return _("The %(service)s address service answered with an error.") % {"service": service}


class CensusGeocoder:
    """The US Census Bureau's geocoder (its "locations" service: one-line addresses placed on
    TIGER/Line's address ranges). It finds no address from a point: ``reverse`` gives None."""

    name = "census"

    def __init__(self, *, url: str, benchmark: str, timeout: float) -> None:
        self.url = url.rstrip("/")
        self.benchmark = benchmark
        self.timeout = timeout

    def _get(self, path: str, params: dict[str, str]) -> Any:
        query = urllib.parse.urlencode({**params, "benchmark": self.benchmark, "format": "json"})
        request = urllib.request.Request(  # noqa: S310  (our setting's URL, http or https)
            f"{self.url}/{path}?{query}", headers={"User-Agent": settings.PLACES_GEOCODER_USER_AGENT}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310  (our setting's URL)
                body = response.read()
        except TimeoutError as exc:
            raise GeocoderError(_timed_out("Census"), f"no answer in {self.timeout:g} s") from exc
        except urllib.error.HTTPError as exc:
            raise GeocoderError(_failed("Census"), f"HTTP {exc.code}: {exc.read()[:200]!r}") from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise GeocoderError(_timed_out("Census"), f"no answer in {self.timeout:g} s") from exc
            raise GeocoderError(_unavailable("Census"), str(exc.reason)) from exc
        except OSError as exc:
            raise GeocoderError(_unavailable("Census"), str(exc)) from exc
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise GeocoderError(_failed("Census"), f"not JSON: {body[:200]!r}") from exc
        if not isinstance(data, dict) or "result" not in data:
            errors = data.get("errors") if isinstance(data, dict) else None
            raise GeocoderError(_failed("Census"), f"no result: {errors or body[:200]!r}")
        return data["result"]

    def search(self, text: str, *, near: tuple[float, float] | None = None, limit: int = 8) -> list[Place]:
        result = self._get("locations/onelineaddress", {"address": text})
        places = []
        for match in result.get("addressMatches") or []:
            try:
                lat, lng = float(match["coordinates"]["y"]), float(match["coordinates"]["x"])
            except (KeyError, TypeError, ValueError):
                continue
            places.append(_remote_place(str(match.get("matchedAddress") or ""), lat, lng, near=near))
        return places[:limit]

    def reverse(self, lat: float, lng: float) -> Place | None:
        return None


class NominatimGeocoder:
    """A Nominatim server (OpenStreetMap's geocoder), through geopy's client."""

    name = "nominatim"

    def __init__(self, *, url: str, user_agent: str, timeout: float) -> None:
        from geopy.adapters import URLLibAdapter
        from geopy.geocoders import Nominatim

        parts = urllib.parse.urlsplit(url)
        self.client = Nominatim(
            domain=(parts.netloc + parts.path).rstrip("/"),
            scheme=parts.scheme or "https",
            user_agent=user_agent,
            timeout=timeout,
            # Not geopy's default requests adapter: it retries a request that timed out twice,
            # and a search box cannot wait three timeouts before the gazetteer answers.
            adapter_factory=URLLibAdapter,
        )
        self.timeout = timeout

    def _ask(self, call: Any, *args: Any, **kwargs: Any) -> Any:
        from geopy import exc as geopy_exc

        try:
            return call(*args, **kwargs)
        except geopy_exc.GeocoderTimedOut as exc:
            raise GeocoderError(_timed_out("Nominatim"), f"no answer in {self.timeout:g} s") from exc
        except geopy_exc.GeocoderUnavailable as exc:
            raise GeocoderError(_unavailable("Nominatim"), str(exc)) from exc
        except geopy_exc.GeopyError as exc:
            raise GeocoderError(_failed("Nominatim"), f"{type(exc).__name__}: {exc}") from exc

    @staticmethod
    def _line(raw: dict[str, Any]) -> str:
        address = raw.get("address") or {}
        road = address.get("road") or ""
        if road:
            street = parse_street(road).label or road
            number = str(address.get("house_number") or "").strip()
            return f"{number} {street}".strip()
        return str(raw.get("display_name") or "")

    def _place(self, location: Any, near: tuple[float, float] | None) -> Place:
        return _remote_place(self._line(location.raw), float(location.latitude), float(location.longitude), near=near)

    def search(self, text: str, *, near: tuple[float, float] | None = None, limit: int = 8) -> list[Place]:
        found = self._ask(
            self.client.geocode, text, exactly_one=False, limit=limit, addressdetails=True, country_codes="us"
        )
        return [self._place(location, near) for location in found or []]

    def reverse(self, lat: float, lng: float) -> Place | None:
        found = self._ask(self.client.reverse, (lat, lng), exactly_one=True, addressdetails=True)
        return self._place(found, None) if found else None


# --- rate, cache and the configured geocoder -------------------------------------------------


class TokenBucket:
    """``rate`` requests a second on average, ``burst`` at once after a pause; per process."""

    def __init__(self, *, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self.tokens = float(self.burst)
        self.stamp = time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens < 1:
                return False
            self.tokens -= 1
            return True


_buckets: dict[tuple[str, float, int], TokenBucket] = {}
_buckets_lock = threading.Lock()


def _bucket(name: str) -> TokenBucket:
    key = (name, settings.PLACES_GEOCODER_RATE, settings.PLACES_GEOCODER_BURST)
    with _buckets_lock:
        if key not in _buckets:
            _buckets[key] = TokenBucket(rate=key[1], burst=key[2])
        return _buckets[key]


def remote_geocoder() -> CensusGeocoder | NominatimGeocoder | None:
    """The remote geocoder ``settings.PLACES_GEOCODER`` names, or None for "local"."""
    chosen = settings.PLACES_GEOCODER
    if chosen == "local":
        return None
    if chosen == "census":
        return CensusGeocoder(
            url=settings.PLACES_CENSUS_URL,
            benchmark=settings.PLACES_CENSUS_BENCHMARK,
            timeout=settings.PLACES_GEOCODER_TIMEOUT,
        )
    if chosen == "nominatim":
        return NominatimGeocoder(
            url=settings.PLACES_NOMINATIM_URL,
            user_agent=settings.PLACES_GEOCODER_USER_AGENT,
            timeout=settings.PLACES_GEOCODER_TIMEOUT,
        )
    raise ImproperlyConfigured(f"PLACES_GEOCODER is {chosen!r}; it must be one of {', '.join(GEOCODERS)}.")


def _cache_key(name: str, question: list[Any]) -> str:
    digest = hashlib.sha256(json.dumps(question).encode()).hexdigest()[:32]
    return f"places:geocode:{name}:{digest}"


def _to_cache(places: list[Place]) -> list[dict[str, Any]]:
    return [asdict(p) | {"how": str(p.how)} for p in places]


def _from_cache(items: list[dict[str, Any]]) -> list[Place]:
    return [Place(**(item | {"how": How(item["how"])})) for item in items]


def _remote(remote: Geocoder, question: list[Any], ask: Any) -> list[Place]:
    """The remote's answer to ``question``: from the cache, else asked if the rate allows."""
    key = _cache_key(remote.name, question)
    cached = cache.get(key)
    if cached is not None:
        return _from_cache(cached)
    if not _bucket(remote.name).take():
        raise GeocoderError(
            _("The %(service)s address service is busy.") % {"service": remote.name.title()},
            f"over {settings.PLACES_GEOCODER_RATE:g} requests a second",
        )
    places: list[Place] = ask()
    cache.set(key, _to_cache(places), timeout=settings.PLACES_GEOCODER_CACHE_SECONDS)
    return places


def _instead(error: GeocoderError, remote: Geocoder) -> str:
    logger.warning("geocoder %s failed, the gazetteer answered: %s", remote.name, error.detail)
    return _("%(why)s These results are from the city's own addresses.") % {"why": error.message}


def places_search(text: str, *, near: tuple[float, float] | None = None, limit: int = 8) -> Found:
    """Candidates for what was typed, from the configured geocoder; from the city's own
    gazetteer when that is local, fails, is busy or finds nothing."""
    local = LocalGazetteer()
    remote = remote_geocoder()
    if remote is None or not text.strip():
        return Found(local.search(text, near=near, limit=limit), local.name)
    rounded = [round(near[0], 2), round(near[1], 2)] if near else None
    question = ["search", " ".join(text.casefold().split()), rounded, limit]
    try:
        places = _remote(remote, question, lambda: remote.search(text, near=near, limit=limit))
    except GeocoderError as error:
        return Found(local.search(text, near=near, limit=limit), local.name, _instead(error, remote))
    if near is not None:
        places = [p if p.distance_m is not None else _with_distance(p, near) for p in places]
    if places:
        return Found(places, remote.name)
    return Found(local.search(text, near=near, limit=limit), local.name)


def _with_distance(place: Place, near: tuple[float, float]) -> Place:
    from dataclasses import replace

    return replace(place, distance_m=geo.metres_between(near[0], near[1], place.lat, place.lng))


def place_reverse(lat: float, lng: float) -> Found:
    """The address at a point, from the configured geocoder, else from the gazetteer."""
    local = LocalGazetteer()
    remote = remote_geocoder()
    if remote is not None:
        question = ["reverse", round(lat, 5), round(lng, 5)]
        try:
            found = _remote(remote, question, lambda: [p for p in [remote.reverse(lat, lng)] if p is not None])
        except GeocoderError as error:
            place = local.reverse(lat, lng)
            return Found([place] if place else [], local.name, _instead(error, remote))
        if found:
            place = _with_distance(found[0], (lat, lng))
            return Found([place], remote.name)
    place = local.reverse(lat, lng)
    return Found([place] if place else [], local.name)
