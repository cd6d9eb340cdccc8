"""A place in no member city, said in the resident's words: what it is not inside, named
from the member cities configured; how far outside the nearest one's limits when close; what
to do. The same words reach the portal and an Open311 application; staff entering or placing
a case get one shorter line. Every point is computed from the published limits, and what the
data says of it (in a neighbour or not, how far from the other cities) is checked first."""

from __future__ import annotations

import math
from typing import Any

import pytest
import shapely
from django.utils import translation
from django.utils.html import escape
from shapely.geometry import Point

from civicdesk.accounts.models import Role
from civicdesk.cases import services as cases
from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.core.errors import OutsideServiceArea
from civicdesk.open311.services import api_key_create
from civicdesk.tenants.models import City, NeighbourArea
from civicdesk.tenants.selectors import boundary_warning, city_at
from tests.collaborative.conftest import just_inside, limits
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

MEMBERS = list(INSIDE)
NEIGHBOURS = ["sugar-creek", "kansas-city", "grain-valley", "north-kansas-city"]
METRES_PER_DEGREE = 111_320.0
ALL_FIVE = "Blue Springs, Grandview, Independence, Lee's Summit or Raytown"
FAR_OUTSIDE = (38.50, -93.50)  # farmland in central Missouri, in no known place


def _outermost(slug: str, side: str) -> tuple[float, float]:
    """The vertex of a city's limits farthest to one side ("west", "south"), as (lat, lng)."""
    xy = shapely.get_coordinates(limits(slug).boundary)
    i = {"west": xy[:, 0].argmin(), "south": xy[:, 1].argmin()}[side]
    return float(xy[i, 1]), float(xy[i, 0])


def beyond(slug: str, side: str, metres: float) -> tuple[float, float]:
    """A point ``metres`` beyond a city's outermost vertex on one side: no part of the city
    is farther that way, so the city is exactly that far."""
    lat, lng = _outermost(slug, side)
    if side == "west":
        return lat, lng - metres / (METRES_PER_DEGREE * math.cos(math.radians(lat)))
    return lat - metres / METRES_PER_DEGREE, lng


def _metres(slug: str, lat: float, lng: float) -> float:
    """How far a place's limits are from a point, in metres (degrees of longitude shrunk to
    their length at the point's latitude)."""
    shrink = [math.cos(math.radians(lat)), 1.0]
    area = shapely.transform(limits(slug), lambda xy: xy * shrink)
    return float(area.distance(Point(lng * shrink[0], lat))) * METRES_PER_DEGREE


def _members_within(lat: float, lng: float, metres: float) -> list[str]:
    return [slug for slug in MEMBERS if _metres(slug, lat, lng) < metres]


def _neighbours_covering(lat: float, lng: float) -> list[str]:
    return [slug for slug in NEIGHBOURS if limits(slug).covers(Point(lng, lat))]


# 300 m (984 ft) beyond Raytown's west end is in Kansas City, far from the other members;
# 300 m beyond Lee's Summit's south end is in no known place (unincorporated county land).
WEST_OF_RAYTOWN = beyond("raytown", "west", 300)
SOUTH_OF_LEES_SUMMIT = beyond("lees-summit", "south", 300)


def test_the_points_are_where_the_published_limits_put_them() -> None:
    assert _members_within(*WEST_OF_RAYTOWN, 310) == ["raytown"]
    assert _members_within(*WEST_OF_RAYTOWN, 290) == []
    assert _neighbours_covering(*WEST_OF_RAYTOWN) == ["kansas-city"]
    assert _members_within(*SOUTH_OF_LEES_SUMMIT, 310) == ["lees-summit"]
    assert _members_within(*SOUTH_OF_LEES_SUMMIT, 290) == []
    assert _neighbours_covering(*SOUTH_OF_LEES_SUMMIT) == []
    assert _members_within(*FAR_OUTSIDE, 5000) == [] and _neighbours_covering(*FAR_OUTSIDE) == []


def _refusal(lat: float, lng: float) -> OutsideServiceArea:
    with pytest.raises(OutsideServiceArea) as exc:
        city_at(lat=lat, lng=lng)
    return exc.value


def test_a_place_just_outside_a_member_city_names_it_and_how_far(cities: dict[str, City]) -> None:
    refusal = _refusal(*SOUTH_OF_LEES_SUMMIT)
    assert " ".join(refusal.messages) == (
        f"This place is not inside {ALL_FIVE}, the cities this service takes reports for. "
        "It is about 980\u00a0ft outside the limits of Lee's Summit. "
        "Move the pin inside one of these cities, or contact the city or county where the place is."
    )
    assert refusal.staff_message == (
        "Not in a member city, about 980\u00a0ft outside the limits of Lee's Summit: check the point, or refer the "
        "resident to the city or county where it is."
    )


def test_a_place_in_a_known_neighbour_just_outside_a_member_city_names_both(cities: dict[str, City]) -> None:
    kc = NeighbourArea.objects.get(slug="kansas-city")
    refusal = _refusal(*WEST_OF_RAYTOWN)
    assert " ".join(refusal.messages) == (
        f"This place is in Kansas City, not in {ALL_FIVE}, the cities this service takes reports for. "
        "It is about 980\u00a0ft outside the limits of Raytown. "
        f"Move the pin inside one of these cities, or contact Kansas City ({kc.phone}, {kc.website})."
    )
    assert refusal.staff_message == (
        "In Kansas City, not a member city, about 980\u00a0ft outside the limits of Raytown: check the point, or refer "
        f"the resident to Kansas City ({kc.phone}, {kc.website})."
    )


def test_a_place_far_from_every_member_city_names_none_of_them_as_near(cities: dict[str, City]) -> None:
    refusal = _refusal(*FAR_OUTSIDE)
    assert "outside the limits of" not in " ".join(refusal.messages)
    assert refusal.staff_message == (
        "Not in a member city: check the point, or refer the resident to the city or county where it is."
    )


def test_the_names_are_the_member_cities_configured(cities: dict[str, City]) -> None:
    raytown = cities["raytown"]
    raytown.name = "Raytown Village"
    raytown.save()
    message = " ".join(_refusal(*FAR_OUTSIDE).messages)
    assert "Blue Springs, Grandview, Independence, Lee's Summit or Raytown Village, the cities" in message
    # A deployment of one city speaks of it alone.
    City.objects.exclude(slug="grandview").delete()
    assert " ".join(_refusal(*FAR_OUTSIDE).messages) == (
        "This place is not inside Grandview, the city this service takes reports for. "
        "Move the pin inside it, or contact the city or county where the place is."
    )


def test_a_large_collaborative_is_counted_and_one_without_limits_says_so(
    cities: dict[str, City], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("civicdesk.tenants.selectors.NAMED_CITIES_AT_MOST", 4)
    assert " ".join(_refusal(*FAR_OUTSIDE).messages).startswith(
        "This place is not inside any of the 5 cities this service takes reports for. Move the pin inside one"
    )
    assert " ".join(_refusal(*WEST_OF_RAYTOWN).messages).startswith(
        "This place is in Kansas City, not in any of the 5 cities this service takes reports for. It is about 980\u00a0ft"
    )
    City.objects.all().delete()
    assert " ".join(_refusal(*FAR_OUTSIDE).messages) == (
        "This service cannot take a report on the map yet: no city's limits are set up."
    )


def test_the_place_is_said_in_spanish(cities: dict[str, City]) -> None:
    with translation.override("es"):
        refusal = _refusal(*SOUTH_OF_LEES_SUMMIT)
        warning = boundary_warning(lat=_edge_of_lees_summit()[0], lng=_edge_of_lees_summit()[1])
    assert " ".join(refusal.messages) == (
        "Este lugar no está dentro de Blue Springs, Grandview, Independence, Lee's Summit o Raytown, las ciudades "
        "de las que este servicio recibe reportes. Está a unos 980\u00a0pies fuera de los límites de Lee's Summit. "
        "Mueva el marcador dentro de una de estas ciudades o comuníquese con la ciudad o el condado donde está el "
        "lugar."
    )
    assert refusal.staff_message == (
        "No está en una ciudad miembro, a unos 980\u00a0pies fuera de los límites de Lee's Summit: revise el punto o "
        "remita al residente a la ciudad o el condado donde está."
    )
    assert warning == "Su marcador está cerca de los límites de Lee's Summit; por favor, verifíquelo."


def _edge_of_lees_summit() -> tuple[float, float]:
    return just_inside("lees-summit", _outermost("lees-summit", "south"))


def test_a_pin_close_to_limits_with_nothing_known_beyond_names_the_city(cities: dict[str, City]) -> None:
    lat, lng = _edge_of_lees_summit()
    assert city_at(lat=lat, lng=lng) == cities["lees-summit"]
    assert [slug for slug in NEIGHBOURS if _metres(slug, lat, lng) < 100] == []
    assert boundary_warning(lat=lat, lng=lng) == "Your pin is close to the limits of Lee's Summit — please check it."


def _portal_data(service_type: ServiceType, lat: float, lng: float) -> dict[str, Any]:
    return {
        "service_type": service_type.pk,
        "lat": lat,
        "lng": lng,
        "address": "",
        "description": "A deep hole in the right lane",
        "reporter_name": "Rita Reporter",
        "reporter_email": "rita@example.org",
        "reporter_phone": "",
        "notify_reporter": "on",
        "channel": "web",
        "nearby_checked": "1",
    }


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "It is about 980\u00a0ft outside the limits of Raytown."),
        ("es", "Está a unos 980\u00a0pies fuera de los límites de Raytown."),
    ],
)
def test_the_report_form_says_it_beside_the_map_and_keeps_what_was_typed(
    client: Any, cities: dict[str, City], pothole: dict[str, ServiceType], language: str, said: str
) -> None:
    page = client.post(
        "/raytown/report/", _portal_data(pothole["raytown"], *WEST_OF_RAYTOWN), HTTP_ACCEPT_LANGUAGE=language
    )
    html = page.content.decode()
    assert page.status_code == 400 and not ServiceRequest.objects.exists()
    with translation.override(language):
        message = " ".join(_refusal(*WEST_OF_RAYTOWN).messages)
    assert said in message
    assert 'id="id_lat_error"' in html
    assert escape(message) in html
    assert "A deep hole in the right lane</textarea>" in html and 'value="rita@example.org"' in html


def test_an_open311_application_reads_it_as_the_error_description(
    client: Any, cities: dict[str, City], pothole: dict[str, ServiceType]
) -> None:
    _key, raw_key = api_key_create(city=cities["raytown"], name="Pothole Pal")
    lat, lng = WEST_OF_RAYTOWN
    form = {
        "jurisdiction_id": cities["raytown"].jurisdiction_id,
        "api_key": raw_key,
        "service_code": "pothole",
        "lat": str(lat),
        "long": str(lng),
        "description": "Hole",
    }
    response = client.post("/open311/v2/requests.json", form)
    assert response.status_code == 400 and not ServiceRequest.objects.exists()
    assert response.json() == [{"code": 400, "description": " ".join(_refusal(lat, lng).messages)}]
    assert response.json()[0]["description"].startswith("This place is in Kansas City, not in Blue Springs")


def test_a_call_taker_gets_the_short_line_and_keeps_the_call(
    client: Any, cities: dict[str, City], pothole: dict[str, ServiceType], staff: Any
) -> None:
    client.force_login(staff("raytown", Role.CALL_TAKER))
    lat, lng = SOUTH_OF_LEES_SUMMIT
    page = client.post(
        "/console/new/",
        {
            "service_type": pothole["raytown"].pk,
            "lat": lat,
            "lng": lng,
            "description": "Caller reports a hole",
            "reporter_name": "Carl Caller",
            "channel": "phone",
            "priority": "normal",
            "confirm": "1",
        },
    )
    html = page.content.decode()
    assert page.status_code == 400 and not ServiceRequest.objects.exists()
    line = _refusal(lat, lng).staff_message
    assert line.startswith("Not in a member city, about 980\u00a0ft outside the limits of Lee")
    assert escape(line) in html and "This place is not inside" not in html
    assert "Caller reports a hole</textarea>" in html and 'value="Carl Caller"' in html


def test_staff_placing_a_case_get_the_short_line_and_the_case_stays_unplaced(
    client: Any, cities: dict[str, City], pothole: dict[str, ServiceType], staff: Any
) -> None:
    case = cases.case_create(
        service_type=pothole["raytown"], city=cities["raytown"], address="Somewhere west", description="Hole"
    )
    assert case.lat is None
    client.force_login(staff("raytown", Role.SUPERVISOR))
    lat, lng = WEST_OF_RAYTOWN
    page = client.post(
        f"/console/cases/raytown/{case.number}/place/", {"lat": f"{lat:.6f}", "lng": f"{lng:.6f}", "address": ""}
    )
    html = page.content.decode()
    assert page.status_code == 400
    assert escape("In Kansas City, not a member city, about 980\u00a0ft outside the limits of Raytown") in html
    assert "This place is in Kansas City" not in html
    case.refresh_from_db()
    assert case.lat is None
