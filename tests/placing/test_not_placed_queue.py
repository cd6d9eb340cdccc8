"""The console's "Not placed" queue: open cases of the user's city with no point, each with
the places its address may mean, and ``case_place`` (picking one, or coordinates)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from civicdesk.accounts.models import Role
from civicdesk.cases import selectors, services, transfers
from civicdesk.cases.models import AddressSource, CaseEvent, Channel, EventKind, TransferStatus
from civicdesk.core.errors import InvalidTransition, OutsideServiceArea
from civicdesk.tenants import selectors as places
from tests.conftest import INSIDE
from tests.pages.form_errors_html import assert_told_as_every_form, read_error_page
from tests.placing.conftest import OUTSIDE, bs_main_point, noland_point

pytestmark = pytest.mark.django_db

QUEUE = reverse("console:not_placed")


def _place_url(case):
    return reverse("console:case_place", args=[case.city.slug, case.number])


@pytest.fixture
def unplaced(gazetteer, trash, make_staff, make_service_type):
    """Independence: an ambiguous address, one that matches nothing, one with no address, a
    placed case and a closed unplaced one; Raytown: an unplaced case of its own."""
    raytown = gazetteer["raytown"]
    ray_trash = make_service_type(raytown, "trash", name="Trash")

    def file(service_type, **kw):
        kw.setdefault("description", "Rubbish by the curb")
        return services.case_create(service_type=service_type, city=service_type.city, channel=Channel.PHONE, **kw)

    cases = {
        "ambiguous": file(trash, address="1234 Noland Rd"),
        "nothing": file(trash, address="77 Nowhere Ln"),
        "no_address": file(trash, description="Someone dumped tyres, called from a payphone"),
        "placed": file(trash, address="1234 S Noland Rd"),
        "raytown": file(ray_trash, address="9 Unknown Ave"),
    }
    closed = file(trash, address="78 Nowhere Ln")
    supervisor = make_staff(gazetteer["independence"], Role.SUPERVISOR, department=trash.department)
    cases["closed"] = services.case_close(case=closed, actor=supervisor, note="Not ours")
    return cases


def test_the_queue_lists_the_open_unplaced_cases_of_the_users_city_only(unplaced, make_staff, trash, client):
    worker = make_staff(trash.city, Role.WORKER, department=trash.department)
    listed = set(selectors.case_unplaced(user=worker))
    assert listed == {unplaced["ambiguous"], unplaced["nothing"], unplaced["no_address"]}
    ray_worker = make_staff(unplaced["raytown"].city, Role.WORKER)
    assert set(selectors.case_unplaced(user=ray_worker)) == {unplaced["raytown"]}

    client.force_login(worker)
    page = client.get(QUEUE)
    assert page.status_code == 200
    text = page.content.decode()
    assert unplaced["ambiguous"].reference in text and unplaced["nothing"].reference in text
    assert unplaced["raytown"].reference not in text and unplaced["placed"].reference not in text
    rows = {row["case"].pk: row for row in page.context["rows"]}
    labels = {c.label for c in rows[unplaced["ambiguous"].pk]["candidates"]}
    assert {"1234 S Noland Rd", "1234 N Noland Rd"} <= labels
    assert rows[unplaced["nothing"].pk]["candidates"] == []
    assert "Place at 1234 S Noland Rd" in text and "No address of the member cities matches it." in text
    assert 'aria-current="page">Not placed' in text


def test_a_resident_account_or_no_account_cannot_see_the_queue(unplaced, client):
    assert client.get(QUEUE).status_code in (302, 403)


def test_picking_a_candidate_places_the_case_with_one_event_and_drops_it_from_the_queue(
    unplaced, make_staff, trash, client
):
    worker = make_staff(trash.city, Role.WORKER, department=trash.department)
    case = unplaced["ambiguous"]
    lat, lng = noland_point(1234)
    client.force_login(worker)
    answer = client.post(
        _place_url(case), {"lat": f"{lat:.6f}", "lng": f"{lng:.6f}", "address": "1234 S Noland Rd", "next": QUEUE}
    )
    assert answer.status_code == 302 and answer["Location"] == QUEUE
    case.refresh_from_db()
    assert (case.lat, case.lng) == pytest.approx((lat, lng))
    assert (case.address, case.address_source) == ("1234 S Noland Rd", AddressSource.MATCHED)
    assert case.address_distance_m == pytest.approx(0, abs=0.1)
    assert case.district == places.district_at(city=case.city, lat=lat, lng=lng) and case.district is not None
    events = CaseEvent.objects.filter(case=case, kind=EventKind.PLACED)
    assert events.count() == 1
    event = events.get()
    assert event.actor == worker and not event.is_public
    assert event.changes["address"] == ["1234 Noland Rd", "1234 S Noland Rd"]
    assert event.changes["district"] == [None, case.district.name]
    assert case not in set(selectors.case_unplaced(user=worker))
    assert "placed at 1234 S Noland Rd" in client.get(QUEUE).content.decode()


def test_coordinates_typed_keep_the_address_given_or_take_the_nearest(unplaced, make_staff, trash):
    worker = make_staff(trash.city, Role.WORKER, department=trash.department)
    lat, lng = noland_point(1248)
    kept = services.case_place(case=unplaced["nothing"], actor=worker, lat=str(lat), lng=str(lng))
    assert (kept.address, kept.address_source) == ("77 Nowhere Ln", AddressSource.TYPED)
    nearest = services.case_place(case=unplaced["no_address"], actor=worker, lat=lat, lng=lng + 0.00002, address="")
    assert (nearest.address, nearest.address_source) == ("1248 S Noland Rd", AddressSource.NEAREST)
    assert nearest.address_distance_m == pytest.approx(1.7, abs=0.3)


def test_a_place_in_another_member_city_asks_that_city_to_take_the_case(
    gazetteer, unplaced, make_staff, trash, bs_trash
):
    worker = make_staff(trash.city, Role.WORKER, department=trash.department)
    lat, lng = bs_main_point(150)
    case = services.case_place(case=unplaced["ambiguous"], actor=worker, lat=lat, lng=lng, address="150 Main St")
    assert case.city == trash.city and case.district is None and (case.lat, case.lng) == (lat, lng)
    transfer = case.transfers.get()
    assert transfer.status == TransferStatus.PENDING and transfer.to_city == gazetteer["blue-springs"]
    assert [e.kind for e in case.events.order_by("pk")][-2:] == [EventKind.PLACED, EventKind.TRANSFER_REQUESTED]
    bs_supervisor = make_staff(transfer.to_city, Role.SUPERVISOR)
    moved = transfers.case_transfer_accept(transfer=transfer, actor=bs_supervisor)
    assert moved.city == transfer.to_city and moved.service_type == bs_trash
    assert moved.district == places.district_at(city=moved.city, lat=lat, lng=lng) and moved.district is not None


def test_a_place_outside_every_member_city_is_refused_in_words(unplaced, make_staff, trash, client):
    worker = make_staff(trash.city, Role.WORKER, department=trash.department)
    with pytest.raises(OutsideServiceArea):
        services.case_place(case=unplaced["nothing"], actor=worker, lat=OUTSIDE[0], lng=OUTSIDE[1])
    client.force_login(worker)
    page = client.post(_place_url(unplaced["nothing"]), {"lat": "abc", "lng": "-94.3"})
    assert page.status_code == 400 and "Latitude “abc” is not a number of degrees." in page.content.decode()
    unplaced["nothing"].refresh_from_db()
    assert unplaced["nothing"].lat is None
    # The candidate outside every member city is shown, but cannot be picked.
    queue = client.get(QUEUE)
    assert queue.status_code == 200


def test_staff_of_another_city_cannot_place_and_a_placed_case_is_not_placed_twice(unplaced, make_staff, trash, client):
    ray_supervisor = make_staff(unplaced["raytown"].city, Role.SUPERVISOR)
    lat, lng = INSIDE["independence"]
    with pytest.raises(PermissionDenied):
        services.case_place(case=unplaced["nothing"], actor=ray_supervisor, lat=lat, lng=lng)
    client.force_login(ray_supervisor)
    assert client.post(_place_url(unplaced["nothing"]), {"lat": lat, "lng": lng}).status_code == 404
    worker = make_staff(trash.city, Role.WORKER, department=trash.department)
    services.case_place(case=unplaced["nothing"], actor=worker, lat=lat, lng=lng)
    with pytest.raises(InvalidTransition, match="placed on the map meanwhile"):
        services.case_place(case=unplaced["nothing"], actor=worker, lat=lat, lng=lng)
    with pytest.raises(InvalidTransition, match="closed"):
        services.case_place(case=unplaced["closed"], actor=worker, lat=lat, lng=lng)


def test_the_place_page_offers_the_map_the_coordinates_and_the_candidates_with_labels(
    unplaced, make_staff, trash, client
):
    worker = make_staff(trash.city, Role.WORKER, department=trash.department)
    client.force_login(worker)
    page = client.get(_place_url(unplaced["ambiguous"]))
    text = page.content.decode()
    assert page.status_code == 200
    for needle in ('for="place-lat"', 'for="place-lng"', 'for="place-address"', "data-pick", "Place the case here"):
        assert needle in text
    assert "Place at 1234 N Noland Rd" in text


def test_an_address_picked_from_the_list_places_the_case_at_its_point_and_address(unplaced, make_staff, trash, client):
    # Picking "1248 S Noland Rd" in the page's address box fills the point (address.js).
    supervisor = make_staff(trash.city, Role.SUPERVISOR, department=trash.department)
    client.force_login(supervisor)
    form = client.get(_place_url(unplaced["nothing"])).content.decode()
    assert "data-address-search" in form and reverse("places:search") in form and 'id="place-map"' in form
    lat, lng = noland_point(1248)
    answer = client.post(_place_url(unplaced["nothing"]), {"address": "1248 S Noland Rd", "lat": lat, "lng": lng})
    assert answer.status_code == 302
    case = unplaced["nothing"]
    case.refresh_from_db()
    assert (case.lat, case.lng) == pytest.approx((lat, lng)) and case.address == "1248 S Noland Rd"


def test_an_address_typed_but_not_chosen_is_refused_in_words_and_changes_nothing(unplaced, make_staff, trash, client):
    supervisor = make_staff(trash.city, Role.SUPERVISOR, department=trash.department)
    client.force_login(supervisor)
    case = unplaced["nothing"]
    events = case.events.count()
    page = client.post(_place_url(case), {"address": "1294 Locust St", "lat": "", "lng": ""})
    text = page.content.decode()
    assert page.status_code == 400
    assert "Choose the place on the map or pick an address from the list." in text
    assert "• is not" not in text and " is not a number of degrees" not in text
    assert 'value="1294 Locust St"' in text  # what was typed stays in the box
    case.refresh_from_db()
    assert case.lat is None and case.address == "77 Nowhere Ln" and case.events.count() == events


def test_a_missing_coordinate_is_named_in_the_services_refusal(unplaced, make_staff, trash):
    worker = make_staff(trash.city, Role.WORKER, department=trash.department)
    with pytest.raises(ValidationError) as refused:
        services.case_place(case=unplaced["nothing"], actor=worker, lat="", lng="-94.4")
    assert refused.value.messages == ["Latitude is not a number of degrees."]
    with pytest.raises(ValidationError) as refused:
        services.case_place(case=unplaced["nothing"], actor=worker, lat="39.05", lng="west")
    assert refused.value.messages == ["Longitude “west” is not a number of degrees."]


def test_a_refused_place_is_summed_up_at_the_top_linked_to_its_box_which_is_invalid(
    unplaced, make_staff, trash, client
):
    """The place form tells its mistakes as every form does (civicdesk/core/forms.py)."""
    worker = make_staff(trash.city, Role.WORKER, department=trash.department)
    client.force_login(worker)
    url = _place_url(unplaced["nothing"])
    page = client.post(url, {"lat": "abc", "lng": "-94.3", "address": "77 Nowhere Ln"})
    told = assert_told_as_every_form(page.content.decode(), field="place-lat", says="Latitude “abc” is not a number")
    assert "Latitude: Latitude" not in told.summary_text and 'value="abc"' in page.content.decode()
    # An address typed but not chosen from the list gives no point: the address box says so.
    page = client.post(url, {"lat": "", "lng": "", "address": "77 Nowhere Ln"}, HTTP_ACCEPT_LANGUAGE="es")
    told = assert_told_as_every_form(page.content.decode(), field="place-address", says="Elija el lugar en el mapa")
    assert told.invalid["place-address"] == ["place-address-help", "place-address_error"]
    # Outside every member city: a mistake of the whole case, linked to the address to start again.
    page = client.post(url, {"lat": f"{OUTSIDE[0]}", "lng": f"{OUTSIDE[1]}"})
    assert page.status_code == 400 and read_error_page(page.content.decode()).links == ["place-address"]
