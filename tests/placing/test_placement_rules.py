"""Placing a new case from what the reporter gave (``cases.placement``), through
``case_create``, the one function every channel ends in."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicdesk.cases import services
from civicdesk.cases.models import AddressSource, Channel
from civicdesk.cases.placement import case_placement
from civicdesk.places.models import AddressPoint
from civicdesk.tenants import selectors as places
from civicdesk.tenants.geo import metres_between
from tests.placing.conftest import IND_MAIN, OUTSIDE, bs_main_point, noland_point

pytestmark = pytest.mark.django_db


def _phone(trash, **kw):
    kw.setdefault("service_type", trash)
    kw.setdefault("description", "Bags of rubbish by the curb")
    kw.setdefault("channel", Channel.PHONE)
    kw.setdefault("city", trash.city)
    return services.case_create(**kw)


def test_a_certain_address_gets_its_point_the_gazetteers_form_and_the_district_there(gazetteer, trash):
    case = _phone(trash, address="1234 south noland road, independence mo 64055")
    assert (case.lat, case.lng) == pytest.approx(noland_point(1234))
    assert case.address == "1234 S Noland Rd"
    assert case.address_source == AddressSource.MATCHED and case.address_distance_m == 0.0
    assert case.city == gazetteer["independence"]
    assert case.district == places.district_at(city=case.city, lat=case.lat, lng=case.lng)
    assert case.district is not None


def test_a_unit_typed_is_kept_and_does_not_stop_the_match(gazetteer, trash):
    case = _phone(trash, address="1234 S Noland Rd Apt 5")
    assert case.address == "1234 S Noland Rd APT 5" and case.address_source == AddressSource.MATCHED


def test_a_number_between_two_points_is_interpolated_on_its_side_of_the_street(gazetteer, trash):
    case = _phone(trash, address="1238 S Noland Rd")
    assert case.address_source == AddressSource.INTERPOLATED
    assert metres_between(case.lat, case.lng, *noland_point(1238)) < 5


def test_an_ambiguous_address_is_not_placed_and_stays_with_the_receiving_city(gazetteer, trash):
    placed = case_placement(address="1234 Noland Rd", point=None, city=trash.city)
    assert not placed.placed and placed.source == AddressSource.TYPED
    assert {c.label for c in placed.candidates} >= {"1234 S Noland Rd", "1234 N Noland Rd"}
    case = _phone(trash, address="1234 Noland Rd")
    assert case.lat is None and case.district is None
    assert case.address == "1234 Noland Rd" and case.address_source == AddressSource.TYPED
    assert case.city == gazetteer["independence"]


def test_an_address_that_matches_nothing_is_kept_as_typed(gazetteer, trash):
    placed = case_placement(address="77 Nowhere Ln", point=None, city=trash.city)
    assert placed == type(placed)(None, "77 Nowhere Ln", AddressSource.TYPED, None, ())
    case = _phone(trash, address="77 Nowhere Ln")
    assert (case.lat, case.address, case.address_source) == (None, "77 Nowhere Ln", AddressSource.TYPED)


def test_an_address_of_another_member_city_goes_to_that_city_as_a_pin_does(gazetteer, trash, bs_trash):
    # Reported at Independence's desk; 152 Main St exists only in Blue Springs.
    case = _phone(trash, address="152 Main Street")
    assert case.city == gazetteer["blue-springs"] and case.service_type == bs_trash
    assert (case.lat, case.lng) == pytest.approx(bs_main_point(152))
    assert case.district == places.district_at(city=case.city, lat=case.lat, lng=case.lng)


def test_one_address_in_two_cities_is_ambiguous_unless_the_city_is_named(gazetteer, trash, bs_trash):
    assert not case_placement(address="150 Main St", point=None, city=trash.city).placed
    case = _phone(trash, address="150 Main St, Blue Springs, MO")
    assert case.city == gazetteer["blue-springs"] and case.address_source == AddressSource.MATCHED
    case = _phone(trash, address="150 Main St Independence")
    assert (case.lat, case.lng) == pytest.approx(IND_MAIN)


def test_an_address_outside_every_member_city_is_left_for_staff_not_refused(gazetteer, trash):
    case = _phone(trash, address="500 Faraway Rd")
    assert case.lat is None and case.address_source == AddressSource.TYPED
    assert case.city == gazetteer["independence"]
    placed = case_placement(address="500 Faraway Rd", point=None, city=trash.city)
    assert [(c.lat, c.lng) for c in placed.candidates] == [pytest.approx(OUTSIDE)]


def test_a_pin_alone_gets_the_nearest_address_and_its_distance(gazetteer, trash):
    lat, lng = noland_point(1240)
    case = _phone(trash, lat=lat, lng=lng + 0.00003)  # a few metres east of the house
    assert case.address == "1240 S Noland Rd" and case.address_source == AddressSource.NEAREST
    assert case.address_distance_m == pytest.approx(metres_between(lat, lng, lat, lng + 0.00003), abs=0.1)
    assert (case.lat, case.lng) == (lat, lng + 0.00003)  # the pin is kept


def test_a_pin_and_an_address_keep_both_matched_when_near_typed_when_far(gazetteer, trash):
    lat, lng = noland_point(1240)
    near = _phone(trash, lat=lat, lng=lng + 0.0003, address="1240 s noland")
    assert (near.lat, near.lng) == (lat, lng + 0.0003)
    assert near.address == "1240 S Noland Rd" and near.address_source == AddressSource.MATCHED
    assert near.address_distance_m == pytest.approx(metres_between(lat, lng, lat, lng + 0.0003), abs=0.5)
    far = _phone(trash, lat=lat + 0.01, lng=lng, address="1240 S Noland Rd")
    assert far.address == "1240 S Noland Rd" and far.address_source == AddressSource.TYPED
    assert far.address_distance_m == pytest.approx(1112, abs=10)
    unknown = _phone(trash, lat=lat, lng=lng, address="behind the library")
    assert (unknown.address_source, unknown.address_distance_m) == (AddressSource.TYPED, None)


def test_without_a_gazetteer_an_address_is_kept_as_typed_and_nothing_is_searched(cities, trash):
    assert not AddressPoint.objects.exists()
    with CaptureQueriesContext(connection) as queries:
        placed = case_placement(address="1234 S Noland Rd", point=None, city=trash.city)
    assert placed == type(placed)(None, "1234 S Noland Rd", AddressSource.TYPED, None, ())
    assert len(queries) == 2  # is there any address point, any street segment: no more
    case = _phone(trash, address="1234 S Noland Rd")
    assert (case.lat, case.address_source) == (None, AddressSource.TYPED)
    pinned = _phone(trash, lat=noland_point(1234)[0], lng=noland_point(1234)[1])
    assert (pinned.address, pinned.address_source, pinned.address_distance_m) == ("", "", None)


def test_the_gazetteer_is_read_before_the_city_number_lock(gazetteer, trash):
    with CaptureQueriesContext(connection) as queries:
        _phone(trash, address="1234 S Noland Rd")
    sql = [q["sql"] for q in queries]
    lock = next(n for n, s in enumerate(sql) if "tenants_city" in s and ("FOR UPDATE" in s or "UPDATE" in s.upper()))
    gazetteer_reads = [n for n, s in enumerate(sql) if "places_addresspoint" in s]
    assert gazetteer_reads and max(gazetteer_reads) < lock


def test_a_member_city_typed_after_a_street_without_its_type_is_the_city_not_the_street(gazetteer, trash, bs_trash):
    # "Main Blue Springs" was read as a street "Main Blue Spgs", "Main Independence" as a
    # street "Main Independence": neither was placed. The search box reads them so too.
    case = _phone(trash, address="150 Main Blue Springs")
    assert case.city == gazetteer["blue-springs"] and case.address_source == AddressSource.MATCHED
    assert (case.lat, case.lng) == pytest.approx(bs_main_point(150))
    case = _phone(trash, address="150 main independence mo")
    assert (case.lat, case.lng) == pytest.approx(IND_MAIN) and case.address == "150 Main St"


@pytest.mark.parametrize(
    "written",
    ["Blue Springs, 150 Main St", "blue springs 150 main st", "Blue Springs: 150 Main", "Blue Springs - 150 Main St"],
)
def test_a_member_city_typed_before_the_street_places_the_case_in_that_city(gazetteer, trash, bs_trash, written):
    # Both cities have a 150 Main St; the call is taken at Independence's desk.
    case = _phone(trash, address=written)
    assert case.city == gazetteer["blue-springs"] and case.service_type == bs_trash
    assert (case.lat, case.lng) == pytest.approx(bs_main_point(150))
    assert case.address == "150 Main St" and case.address_source == AddressSource.MATCHED


def test_the_desks_own_city_typed_before_the_street_is_placed_there(gazetteer, trash):
    case = _phone(trash, address="Independence: 150 Main St")
    assert case.city == gazetteer["independence"] and (case.lat, case.lng) == pytest.approx(IND_MAIN)
    assert case.address_source == AddressSource.MATCHED
