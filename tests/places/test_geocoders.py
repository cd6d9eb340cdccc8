"""A remote geocoder as an option: the US Census geocoder and a Nominatim server, each played
by a stand-in HTTP server on loopback that speaks their JSON (real HTTP, started by the test),
with their answers cached, their rate limited, and the city's own gazetteer answering whenever
they fail."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from civicdesk.places import geocoders
from civicdesk.places.geocoders import place_reverse, places_search
from civicdesk.places.selectors import How
from civicdesk.tenants.models import City

pytestmark = pytest.mark.django_db

LAT, LNG = 39.0800, -94.4150  # inside Independence


class StandIn(ThreadingHTTPServer):
    mode = "ok"  # "ok", "error" (HTTP 500), "slow" (answers after 2 s), "garbage" (not JSON)
    requests: list[str]


class Handler(BaseHTTPRequestHandler):
    server: StandIn

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        mode = self.server.mode
        if mode == "slow":
            time.sleep(2)
        if mode == "error":
            self._send(500, {"errors": ["Internal error"], "status": "500"})
            return
        if mode == "garbage":
            self._send(200, None, raw=b"<html>maintenance</html>")
            return
        if url.path == "/geocoder/locations/onelineaddress":
            assert query["format"] == "json" and query["benchmark"] == "Public_AR_Current"
            matches = []
            if "noland" in query["address"].lower():
                matches.append(
                    {
                        "matchedAddress": "1234 S NOLAND RD, INDEPENDENCE, MO, 64055",
                        "coordinates": {"x": LNG, "y": LAT},
                        "tigerLine": {"tigerLineId": "123", "side": "L"},
                        "addressComponents": {"preDirection": "S", "streetName": "NOLAND", "suffixType": "RD"},
                    }
                )
            self._send(
                200, {"result": {"input": {"address": {"address": query["address"]}}, "addressMatches": matches}}
            )
        elif url.path == "/search":
            assert query["format"] == "json" and query["countrycodes"] == "us"
            found = []
            if "noland" in query["q"].lower():
                found.append(self._osm(LAT, LNG))
            self._send(200, found)
        elif url.path == "/reverse":
            self._send(200, self._osm(float(query["lat"]), float(query["lon"])))
        else:
            self._send(404, {"error": "no such path"})

    @staticmethod
    def _osm(lat: float, lng: float) -> dict[str, Any]:
        return {
            "place_id": 1,
            "lat": str(lat),
            "lon": str(lng),
            "display_name": "1234, South Noland Road, Independence, Jackson County, Missouri, 64055, United States",
            "address": {
                "house_number": "1234",
                "road": "South Noland Road",
                "city": "Independence",
                "postcode": "64055",
            },
        }

    def _send(self, status: int, body: Any, raw: bytes | None = None) -> None:
        data = raw if raw is not None else json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    server = StandIn(("127.0.0.1", 0), Handler)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _geocoder_settings(settings: Any) -> Iterator[None]:
    settings.PLACES_GEOCODER_RATE = 1000.0
    settings.PLACES_GEOCODER_BURST = 1000
    settings.PLACES_GEOCODER_TIMEOUT = 0.5
    geocoders._buckets.clear()
    yield
    geocoders._buckets.clear()


def _census(settings: Any, server: StandIn) -> None:
    settings.PLACES_GEOCODER = "census"
    settings.PLACES_CENSUS_URL = f"http://127.0.0.1:{server.server_address[1]}/geocoder"


def _nominatim(settings: Any, server: StandIn) -> None:
    settings.PLACES_GEOCODER = "nominatim"
    settings.PLACES_NOMINATIM_URL = f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def gazetteer(tmp_path: Path, independence: City) -> City:
    """The city's own addresses: one, on another street than the remote ones."""
    path = tmp_path / "oa.csv"
    path.write_text(
        "LON,LAT,NUMBER,STREET,UNIT,CITY,DISTRICT,REGION,POSTCODE,ID,HASH\n"
        f"{LNG + 0.001},{LAT},1234,S NOLAND RD,,,,MO,64055,,a\n"
        f"{LNG + 0.002},{LAT},500,W MAPLE AVE,,,,MO,64050,,b\n",
        encoding="utf-8",
    )
    call_command("load_addresses", str(path), "--city", independence.slug, "--format", "openaddresses-csv")
    return independence


def test_census_search_answers_and_is_cached(settings: Any, stand_in: StandIn, independence: City) -> None:
    _census(settings, stand_in)
    found = places_search("1234 south noland road, independence mo", near=(LAT, LNG + 0.01))
    assert found.source == "census" and found.notice == ""
    place = found.places[0]
    assert (place.label, place.how, place.city_id, place.number) == (
        "1234 S Noland Rd",
        How.GEOCODED,
        independence.pk,
        1234,
    )
    assert (place.lat, place.lng) == (LAT, LNG)
    assert place.distance_m is not None and 800 < place.distance_m < 900
    assert len(stand_in.requests) == 1
    again = places_search("1234  South Noland Road, Independence MO", near=(LAT, LNG + 0.01))
    assert again.places == found.places and len(stand_in.requests) == 1  # from the cache


def test_census_finds_no_address_from_a_point_so_the_gazetteer_answers(
    settings: Any, stand_in: StandIn, gazetteer: City
) -> None:
    _census(settings, stand_in)
    found = place_reverse(LAT, LNG + 0.0011)
    assert found.source == "local" and found.places[0].label == "1234 S Noland Rd" and found.notice == ""


def test_nothing_found_remotely_asks_the_gazetteer(settings: Any, stand_in: StandIn, gazetteer: City) -> None:
    _census(settings, stand_in)
    found = places_search("500 w maple")
    assert found.source == "local" and found.places[0].label == "500 W Maple Ave" and len(stand_in.requests) == 1


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("error", "The Census address service answered with an error."),
        ("slow", "The Census address service did not answer in time."),
        ("garbage", "The Census address service answered with an error."),
    ],
)
def test_census_failures_say_so_and_the_gazetteer_answers(
    settings: Any, stand_in: StandIn, gazetteer: City, mode: str, words: str
) -> None:
    _census(settings, stand_in)
    stand_in.mode = mode
    started = time.monotonic()
    found = places_search("1234 s noland")
    assert time.monotonic() - started < 1.5  # the timeout (0.5 s), not the server's 2 s
    assert found.source == "local" and found.places[0].label == "1234 S Noland Rd"
    assert found.notice == f"{words} These results are from the city's own addresses."
    # A failure is not cached: the next search asks again.
    stand_in.mode = "ok"
    assert places_search("1234 s noland").source == "census"


def test_an_unreachable_geocoder_says_so(settings: Any, gazetteer: City) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.PLACES_GEOCODER = "census"
    settings.PLACES_CENSUS_URL = f"http://127.0.0.1:{port}/geocoder"
    found = places_search("1234 s noland")
    assert found.notice.startswith("The Census address service cannot be reached.") and found.places


def test_nominatim_search_and_reverse_through_the_views(settings: Any, stand_in: StandIn, independence: City) -> None:
    _nominatim(settings, stand_in)
    client = Client()
    body = client.get(reverse("places:search"), {"q": "1234 S Noland Rd", "near": f"{LAT},{LNG}"}).json()
    assert body["source"] == "nominatim" and "notice" not in body
    assert body["results"][0]["label"] == "1234 S Noland Rd" and body["results"][0]["how"] == "geocoded"
    assert body["results"][0]["city_id"] == independence.pk and body["results"][0]["distance_m"] == 0.0
    near = client.get(reverse("places:near"), {"lat": LAT, "lng": LNG}).json()
    assert near["source"] == "nominatim" and near["result"]["label"] == "1234 S Noland Rd"
    paths = [urllib.parse.urlsplit(p).path for p in stand_in.requests]
    assert paths == ["/search", "/reverse"]
    assert client.get(reverse("places:near"), {"lat": LAT, "lng": LNG}).json()["result"]["zip_code"] == ""
    assert len(stand_in.requests) == 2  # the point's answer came from the cache


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("error", "The Nominatim address service answered with an error."),
        ("slow", "The Nominatim address service did not answer in time."),
    ],
)
def test_nominatim_failures_say_so_in_the_view_and_the_gazetteer_answers(
    settings: Any, stand_in: StandIn, gazetteer: City, mode: str, words: str
) -> None:
    _nominatim(settings, stand_in)
    stand_in.mode = mode
    body = Client().get(reverse("places:search"), {"q": "1234 s noland"}).json()
    assert body["source"] == "local" and body["results"][0]["label"] == "1234 S Noland Rd"
    assert body["notice"] == f"{words} These results are from the city's own addresses."
    near = Client().get(reverse("places:near"), {"lat": LAT, "lng": LNG + 0.0011}).json()
    assert near["source"] == "local" and near["result"]["label"] == "1234 S Noland Rd" and words in near["notice"]


def test_over_the_rate_the_request_is_not_sent(settings: Any, stand_in: StandIn, gazetteer: City) -> None:
    _nominatim(settings, stand_in)
    settings.PLACES_GEOCODER_RATE = 0.01
    settings.PLACES_GEOCODER_BURST = 1
    assert places_search("1234 s noland").source == "nominatim"
    busy = places_search("1234 south noland road")
    assert busy.source == "local" and busy.notice.startswith("The Nominatim address service is busy.")
    assert len(stand_in.requests) == 1
    # What was asked before still comes from the cache, rate or no rate.
    assert places_search("1234 s noland").source == "nominatim"


def test_local_by_default_asks_no_one(stand_in: StandIn, gazetteer: City, settings: Any) -> None:
    assert settings.PLACES_GEOCODER == "local"
    found = places_search("1234 s noland")
    assert found.source == "local" and found.places[0].how == How.POINT and stand_in.requests == []


def test_an_unknown_geocoder_setting_is_refused(settings: Any) -> None:
    from django.core.exceptions import ImproperlyConfigured

    settings.PLACES_GEOCODER = "google"
    with pytest.raises(ImproperlyConfigured, match="one of local, census, nominatim"):
        places_search("1234 s noland")
