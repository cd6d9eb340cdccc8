"""The demo's invented addresses follow its invented street grid: a pin's address names the
street the map draws under it, numbered by its place along that street."""

from __future__ import annotations

import pytest

from civicdesk.demo import streets


def _line_lng(k: int) -> float:
    return k * streets.DLNG


def _line_lat(j: int) -> float:
    return j * streets.DLAT


K, J = round(-94.40 / streets.DLNG), round(39.08 / streets.DLAT)  # a corner in Independence


def test_a_point_beside_a_north_south_street_is_on_it_even_east_and_odd_west() -> None:
    lat = _line_lat(J) + 0.4 * streets.DLAT  # between two east-west streets, far from both
    east = streets.address_at(lat, _line_lng(K) + 0.05 * streets.DLNG)
    west = streets.address_at(lat, _line_lng(K) - 0.05 * streets.DLNG)
    name = streets._north_south_name(K)
    assert east.endswith(f" {name}") and west.endswith(f" {name}")
    east_n, west_n = int(east.split()[0]), int(west.split()[0])
    assert east_n % 2 == 0 and west_n % 2 == 1 and abs(east_n - west_n) == 1
    # A hundred numbers a block, counted southwards from 1st St, the hundreds changing at the
    # cross streets: between E nth St and the next one south is the n00 block.
    assert east_n // 100 == streets._east_west_number(J + 1)  # it lies between lines J + 1 and J


def test_a_point_beside_an_east_west_street_is_on_it_numbered_from_state_line() -> None:
    lng = _line_lng(K) + 0.5 * streets.DLNG
    north = streets.address_at(_line_lat(J) + 0.05 * streets.DLAT, lng)
    south = streets.address_at(_line_lat(J) - 0.05 * streets.DLAT, lng)
    number = streets._east_west_number(J)
    assert north.endswith(f" E {streets._ordinal(number)} St") and south.endswith(f" E {streets._ordinal(number)} St")
    assert int(north.split()[0]) % 2 == 0 and int(south.split()[0]) % 2 == 1
    # Half a block east of grid line K: the hundreds are the lines between it and State Line Road.
    assert int(north.split()[0]) // 100 == K - streets._K_STATE_LINE


def test_further_along_a_street_the_number_grows() -> None:
    lng = _line_lng(K) + 0.02 * streets.DLNG
    numbers = [int(streets.address_at(_line_lat(J) - (0.3 + b) * streets.DLAT, lng).split()[0]) for b in range(5)]
    assert numbers == sorted(numbers) and len(set(numbers)) == 5


@pytest.mark.parametrize("start", [K - 40, K, K + 17])
def test_no_two_lines_in_two_miles_share_a_name_and_only_arterials_are_roads(start: int) -> None:
    names = [streets._north_south_name(k) for k in range(start, start + 2 * streets.BLOCKS_PER_MILE)]
    assert len(set(names)) == len(names)
    for k, name in zip(range(start, start + 16), names, strict=False):
        assert name.endswith(" Rd") == (k % streets.BLOCKS_PER_MILE == 0)


@pytest.mark.django_db
def test_a_pin_anywhere_reads_the_address_of_the_street_under_it_and_a_typed_one_is_found(independence) -> None:
    """With the grid's blocks as segments, a pin between the demo's case addresses still reads
    an address (at 360 px a pin in a quiet part of Independence read nothing), the one
    ``address_at`` gives the point; and a number typed on a street is found on its block."""
    import numpy as np
    import shapely

    from civicdesk.places.models import StreetSegment
    from civicdesk.places.selectors import address_near, address_search
    from civicdesk.tenants.geo import shape_from_geojson

    streets.demo_streets_load(cities=[independence])
    assert StreetSegment.objects.filter(city=independence, illustrative=True).count() > 1000
    streets.demo_streets_load(cities=[independence])  # idempotent
    limits = shape_from_geojson(independence.boundary)
    west, south, east, north = limits.bounds
    rng = np.random.default_rng(11)
    checked = 0
    while checked < 25:
        lng, lat = rng.uniform(west, east), rng.uniform(south, north)
        if not shapely.contains_xy(limits, lng, lat):
            continue
        expected = streets.address_at(lat, lng)
        place = address_near(lat, lng, city=independence)
        assert place is not None and place.illustrative, (lat, lng)
        number, street = place.label.split(" ", 1)
        want_number, want_street = expected.split(" ", 1)
        assert street == want_street, (place.label, expected)
        assert abs(int(number) - int(want_number)) <= 2 and int(number) % 2 == int(want_number) % 2
        checked += 1
    # Typed: the number is found on its block of the street, near where address_at puts it.
    lat, lng = (south + north) / 2, (west + east) / 2
    typed = streets.address_at(lat, lng)
    [found, *_] = address_search(typed, near=(lat, lng))
    assert found.label == typed and abs(found.lat - lat) < 0.002 and abs(found.lng - lng) < 0.003
