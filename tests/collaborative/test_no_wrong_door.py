"""No wrong door: a report about a place in another member city is that city's case,
whichever door it came in by; a place outside every member city gets a clear answer that
names the neighbour when it is known; a pin near a city line is questioned."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils.html import escape

from civicdesk.accounts.models import Role
from civicdesk.cases import services as cases
from civicdesk.cases.models import Channel, EventKind, ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.core.errors import OutsideServiceArea
from civicdesk.intake.services import email_ingest
from civicdesk.open311.services import api_key_create
from civicdesk.tenants import geo
from civicdesk.tenants.models import City, NeighbourArea
from civicdesk.tenants.selectors import boundary_warning, city_at
from tests.collaborative.conftest import inside, just_inside, on_shared_border
from tests.conftest import INSIDE
from tests.intake.mail import plain, raw

pytestmark = pytest.mark.django_db

MEMBERS = list(INSIDE)
# (city whose door is used, city where the point is): every door sends to the point's city.
# Every third pair of the twenty covers each member city as a place and as a door.
DOORS = [
    *[(door, place) for place in MEMBERS for door in MEMBERS if door != place][::3],
    ("independence", "raytown"),
    ("grandview", "blue-springs"),
]
FAR_OUTSIDE = (38.50, -93.50)  # farmland in central Missouri, in no known place


def portal_data(service_type: ServiceType, lat: float, lng: float, **extra: Any) -> dict[str, Any]:
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
        **extra,
    }


def test_the_demo_knows_the_four_non_member_neighbours(cities: dict[str, City]) -> None:
    names = set(NeighbourArea.objects.values_list("name", flat=True))
    assert names == {"Sugar Creek", "Kansas City", "Grain Valley", "North Kansas City"}
    assert all(n.phone and n.website for n in NeighbourArea.objects.all())


@pytest.mark.parametrize(("door", "place"), DOORS)
def test_a_portal_report_at_one_citys_door_about_another_member_city_is_that_citys_case(
    client: Any, cities: dict[str, City], pothole: dict[str, ServiceType], door: str, place: str
) -> None:
    lat, lng = INSIDE[place]
    response = client.post(f"/{door}/report/", portal_data(pothole[door], lat, lng, nearby_checked="1"))
    case = ServiceRequest.objects.get()
    assert response.status_code == 302
    assert case.city == cities[place] and case.service_type == pothole[place]
    confirmation = client.get(response["Location"]).content.decode()
    assert escape(f"{cities[place].name} handles this report.") in confirmation
    assert case.reference in confirmation


@pytest.mark.parametrize(("door", "place"), DOORS)
def test_an_open311_post_to_one_jurisdiction_about_another_member_city_answers_with_that_citys_case(
    client: Any, cities: dict[str, City], pothole: dict[str, ServiceType], door: str, place: str
) -> None:
    _key, raw_key = api_key_create(city=cities[door], name="Pothole Pal")
    lat, lng = INSIDE[place]
    response = client.post(
        "/open311/v2/requests.json",
        {
            "jurisdiction_id": cities[door].jurisdiction_id,
            "api_key": raw_key,
            "service_code": "pothole",
            "lat": str(lat),
            "long": str(lng),
            "description": "Hole",
            "email": "app.user@example.org",
        },
    )
    assert response.status_code == 201, response.content
    case = ServiceRequest.objects.get()
    assert case.city == cities[place] and case.channel == Channel.OPEN311
    assert response.json()[0]["service_request_id"] == case.reference
    assert case.reference.startswith(cities[place].case_prefix + "-")


@pytest.mark.parametrize(("door", "place"), DOORS)
def test_a_call_taker_enters_a_case_for_another_member_city_and_only_gets_its_reference(
    client: Any,
    cities: dict[str, City],
    pothole: dict[str, ServiceType],
    staff: Any,
    outbox: Any,
    door: str,
    place: str,
) -> None:
    call_taker = staff(door, Role.CALL_TAKER)
    client.force_login(call_taker)
    lat, lng = INSIDE[place]
    response = client.post(
        "/console/new/",
        {
            "service_type": pothole[door].pk,
            "lat": lat,
            "lng": lng,
            "description": "Caller reports a hole",
            "reporter_name": "Carl Caller",
            "reporter_email": "carl@example.org",
            "notify_reporter": "on",
            "channel": "phone",
            "priority": "normal",
            "confirm": "1",
        },
    )
    case = ServiceRequest.objects.get()
    assert case.city == cities[place] and case.created_by == call_taker
    assert response.status_code == 302
    assert response["Location"] == f"/console/new/{place}/{case.number}/entered/"
    page = client.get(response["Location"]).content.decode()
    assert case.reference in page and escape(cities[place].name) in page
    # The audit event says who entered it and from which city.
    created = case.events.get(kind=EventKind.CREATED)
    assert created.actor == call_taker
    assert created.changes["entered_from_city"] == [None, cities[door].name]
    # The caller is acknowledged; the case itself is the other city's, not the call taker's.
    assert any(m.to == ["carl@example.org"] and case.reference in m.subject for m in outbox())
    assert client.get(f"/console/cases/{place}/{case.number}/").status_code == 404
    # The confirmation page is for the one who entered it.
    client.force_login(staff(door, Role.CALL_TAKER))
    assert client.get(response["Location"]).status_code == 404


def test_a_worker_who_may_not_enter_cases_still_cannot_for_another_city(
    cities: dict[str, City], pothole: dict[str, ServiceType], make_staff: Any
) -> None:
    """Entering a case for another member city rests on the right to enter cases at home: a
    city worker without it (an investigator works only the confidential hotline; a worker whose
    account was deactivated) is refused for the other city as at home, and nothing is filed."""
    from civicdesk.core.errors import PermissionDenied

    investigator = make_staff(cities["independence"], Role.INVESTIGATOR)
    former_worker = make_staff(cities["independence"], Role.WORKER, is_active=False)
    for worker in (investigator, former_worker):
        for place in ("independence", "raytown"):
            with pytest.raises(PermissionDenied):
                cases.case_create(
                    service_type=pothole["independence"], lat=INSIDE[place][0], lng=INSIDE[place][1], actor=worker
                )
    assert not ServiceRequest.objects.exists()
    # The same door is open to an active worker of that city, for either place.
    worker = make_staff(cities["independence"], Role.WORKER)
    filed = cases.case_create(
        service_type=pothole["independence"], lat=INSIDE["raytown"][0], lng=INSIDE["raytown"][1], actor=worker
    )
    assert filed.city == cities["raytown"]


@pytest.mark.parametrize(("door", "place"), DOORS)
def test_an_email_to_one_city_about_a_point_in_another_member_city_is_that_citys_case(
    cities: dict[str, City], pothole: dict[str, ServiceType], door: str, place: str
) -> None:
    lat, lng = INSIDE[place]
    message = plain(f"Big pothole here: {lat}, {lng}", subject="pothole", to=cities[door].email)
    case = email_ingest(raw=raw(message)).case
    assert case.city == cities[place] and case.service_type == pothole[place]


def test_a_point_on_a_shared_border_goes_to_the_same_city_every_time_and_by_every_door(
    client: Any, cities: dict[str, City], pothole: dict[str, ServiceType]
) -> None:
    lat, lng = on_shared_border("independence", "lees-summit")
    first = city_at(lat=lat, lng=lng)
    assert first in (cities["independence"], cities["lees-summit"])
    for _ in range(3):
        geo.clear_cache()
        assert city_at(lat=lat, lng=lng) == first
    assert first.pk == min(cities["independence"].pk, cities["lees-summit"].pk)
    response = client.post("/lees-summit/report/", portal_data(pothole["lees-summit"], lat, lng, nearby_checked="1"))
    assert response.status_code == 302
    assert ServiceRequest.objects.get().city == first
    by_service = cases.case_create(service_type=pothole["independence"], lat=lat, lng=lng, description="x")
    assert by_service.city == first


@pytest.mark.parametrize(("slug", "name"), [("sugar-creek", "Sugar Creek"), ("kansas-city", "Kansas City")])
def test_a_point_in_a_non_member_neighbour_is_refused_with_its_name_and_how_to_reach_it(
    client: Any, cities: dict[str, City], pothole: dict[str, ServiceType], slug: str, name: str
) -> None:
    lat, lng = inside(slug)
    neighbour = NeighbourArea.objects.get(slug=slug)
    with pytest.raises(OutsideServiceArea) as exc:
        cases.case_create(service_type=pothole["independence"], lat=lat, lng=lng, description="x")
    message = " ".join(exc.value.messages)
    said = f"This place is in {name}, not in Blue Springs, Grandview, Independence, Lee's Summit or Raytown"
    assert said in message
    assert f"contact {name} ({neighbour.phone}, {neighbour.website})." in message

    page = client.post("/report/", portal_data(pothole["independence"], lat, lng, nearby_checked="1"))
    assert page.status_code == 400
    assert escape(said) in page.content.decode()
    assert not ServiceRequest.objects.exists()


def test_a_point_outside_every_known_place_names_the_member_cities_and_says_what_to_do(
    cities: dict[str, City], pothole: dict[str, ServiceType]
) -> None:
    with pytest.raises(OutsideServiceArea) as exc:
        cases.case_create(service_type=pothole["independence"], lat=FAR_OUTSIDE[0], lng=FAR_OUTSIDE[1])
    assert " ".join(exc.value.messages) == (
        "This place is not inside Blue Springs, Grandview, Independence, Lee's Summit or Raytown, the cities this "
        "service takes reports for. Move the pin inside one of these cities, or contact the city or county where "
        "the place is."
    )


def test_a_pin_close_to_the_line_between_two_member_cities_is_questioned_from_either_side(
    cities: dict[str, City],
) -> None:
    border = on_shared_border("independence", "lees-summit")
    in_independence = just_inside("independence", border)
    in_lees_summit = just_inside("lees-summit", border)
    assert city_at(lat=in_independence[0], lng=in_independence[1]) == cities["independence"]
    assert city_at(lat=in_lees_summit[0], lng=in_lees_summit[1]) == cities["lees-summit"]
    assert boundary_warning(lat=in_independence[0], lng=in_independence[1]) == (
        "Your pin is close to the line between Independence and Lee's Summit — please check it."
    )
    assert boundary_warning(lat=in_lees_summit[0], lng=in_lees_summit[1]) == (
        "Your pin is close to the line between Lee's Summit and Independence — please check it."
    )


def test_a_pin_near_a_non_member_neighbour_names_it_and_one_well_inside_is_not_questioned(
    cities: dict[str, City],
) -> None:
    border = on_shared_border("independence", "sugar-creek")
    lat, lng = just_inside("independence", border)
    assert boundary_warning(lat=lat, lng=lng) == (
        "Your pin is close to the line between Independence and Sugar Creek — please check it."
    )
    for slug, (lat, lng) in INSIDE.items():
        assert boundary_warning(lat=lat, lng=lng) is None, slug
    assert boundary_warning(lat=FAR_OUTSIDE[0], lng=FAR_OUTSIDE[1]) is None


def test_the_portal_asks_to_check_a_pin_near_a_line_once_then_files_the_report(
    client: Any, cities: dict[str, City], pothole: dict[str, ServiceType]
) -> None:
    lat, lng = just_inside("independence", on_shared_border("independence", "lees-summit"))
    first = client.post("/report/", portal_data(pothole["independence"], lat, lng))
    html = first.content.decode()
    assert first.status_code == 200 and not ServiceRequest.objects.exists()
    assert "Your pin is close to the line between Independence and Lee&#x27;s Summit — please check it." in html
    assert 'name="nearby_checked" value="1"' in html
    partial = client.get(f"/report/nearby/?lat={lat}&lng={lng}&service_type={pothole['independence'].pk}")
    assert "please check it" in partial.content.decode()
    again = client.post("/report/", portal_data(pothole["independence"], lat, lng, nearby_checked="1"))
    assert again.status_code == 302
    assert ServiceRequest.objects.get().city == cities["independence"]
