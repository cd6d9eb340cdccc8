"""Hand-offs: "not ours". Independence asks Raytown to take a case; Raytown accepts (the
same case, with Raytown's number, history, photos, followers and tracking link) or
refuses with a reason (the case stays with Independence)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from civicdesk.accounts.models import Role, User
from civicdesk.cases import selectors, services, transfers
from civicdesk.cases.models import CaseTransfer, EventKind, ServiceRequest, Status, TransferStatus
from civicdesk.catalog.models import ServiceType
from civicdesk.core.errors import InvalidTransition, PermissionDenied
from civicdesk.notifications.models import CaseFollower
from civicdesk.notifications.services import case_follow
from civicdesk.tenants.models import City
from tests.cases.images import halves
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db


def jpeg() -> io.BytesIO:
    out = io.BytesIO()
    halves(80, 60).save(out, format="JPEG")
    out.seek(0)
    return out


@pytest.fixture
def people(staff: Any) -> dict[str, User]:
    return {
        "ind_supervisor": staff("independence", Role.SUPERVISOR),
        "ind_worker": staff("independence", Role.WORKER),
        "rt_supervisor": staff("raytown", Role.SUPERVISOR),
        "rt_worker": staff("raytown", Role.WORKER),
        "gv_supervisor": staff("grandview", Role.SUPERVISOR),
    }


@pytest.fixture
def case(pothole: dict[str, ServiceType], people: dict[str, User]) -> ServiceRequest:
    """An Independence case with a photo, a follower, an assignee and a note: a pin that
    the resident put on the Independence side of the street, about Raytown's road."""
    lat, lng = INSIDE["independence"]
    case = services.case_create(
        service_type=pothole["independence"],
        lat=lat,
        lng=lng,
        description="Hole at the city line",
        reporter_email="rita@example.org",
        notify_reporter=True,
    )
    services.case_add_photo(case=case, actor=None, upload=jpeg(), filename="hole.jpg", actor_label="Resident")
    case_follow(case=case, email="neighbour@example.org")
    services.case_assign(case=case, actor=people["ind_supervisor"], assignee=people["ind_worker"])
    services.case_add_note(case=case, actor=people["ind_worker"], text="This road is Raytown's", public=False)
    return case


def test_a_transfer_waits_in_the_receiving_citys_incoming_queue_readable_not_workable(
    case: ServiceRequest, people: dict[str, User], cities: dict[str, City]
) -> None:
    transfer = transfers.case_transfer(
        case=case, actor=people["ind_supervisor"], to_city=cities["raytown"], reason="Raytown maintains this road"
    )
    assert transfer.status == TransferStatus.PENDING
    case.refresh_from_db()
    assert case.city == cities["independence"]  # still Independence's until Raytown decides
    assert list(transfers.transfers_incoming(user=people["rt_worker"])) == [transfer]
    assert not transfers.transfers_incoming(user=people["gv_supervisor"]).exists()
    seen = selectors.case_get_for_staff(user=people["rt_worker"], city_slug="independence", number=case.number)
    assert seen == case
    with pytest.raises(PermissionDenied):
        services.case_add_note(case=case, actor=people["rt_worker"], text="x", public=False)
    with pytest.raises(ServiceRequest.DoesNotExist):
        selectors.case_get_for_staff(user=people["gv_supervisor"], city_slug="independence", number=case.number)
    with pytest.raises(InvalidTransition):
        transfers.case_transfer(
            case=case, actor=people["ind_supervisor"], to_city=cities["grandview"], reason="or them"
        )
    with pytest.raises(PermissionDenied):
        transfers.case_transfer_accept(transfer=transfer, actor=people["gv_supervisor"])


def test_accepting_moves_the_same_case_with_its_history_photos_followers_and_tracking_link(
    client: Any, case: ServiceRequest, people: dict[str, User], cities: dict[str, City], pothole: Any, outbox: Any
) -> None:
    old_reference, old_number, token, pk = case.reference, case.number, case.tracking_token, case.pk
    outbox()
    mail.outbox.clear()  # what the case's creation sent is not what this test reads
    transfer = transfers.case_transfer(
        case=case, actor=people["ind_supervisor"], to_city=cities["raytown"], reason="Raytown maintains this road"
    )
    moved = transfers.case_transfer_accept(transfer=transfer, actor=people["rt_supervisor"])

    assert moved.pk == pk and moved.tracking_token == token
    assert moved.city == cities["raytown"] and moved.reference.startswith("RT-")
    assert moved.service_type == pothole["raytown"] and moved.department == pothole["raytown"].department
    assert (moved.assignee, moved.status) == (None, Status.NEW)
    assert moved.photos.count() == 1
    assert list(CaseFollower.objects.filter(case=moved).values_list("email", flat=True)) == ["neighbour@example.org"]
    kinds = list(moved.events.values_list("kind", flat=True))
    assert kinds[0] == EventKind.CREATED and EventKind.INTERNAL_NOTE in kinds
    assert kinds[-2:] == [EventKind.TRANSFER_REQUESTED, EventKind.TRANSFERRED]
    transferred = moved.events.get(kind=EventKind.TRANSFERRED)
    assert transferred.is_public and transferred.changes["reference"] == [old_reference, moved.reference]

    # The reporter and the follower are told which city handles it now.
    told = {m.to[0]: m for m in outbox() if m.to[0] in ("rita@example.org", "neighbour@example.org")}
    assert set(told) == {"rita@example.org", "neighbour@example.org"}
    for message in told.values():
        assert "Raytown now handles this report" in message.body and moved.reference in message.body
    # The old tracking link still works and names the new city.
    page = client.get(f"/track/{token}/").content.decode()
    assert moved.reference in page and "Transferred to another city" in page and "Raytown 311" in page

    # Both cities' staff find it by its old console link: Raytown works it, Independence reads it.
    old_link = f"/console/cases/independence/{old_number}/"
    client.force_login(people["rt_worker"])
    assert 'name="text"' in client.get(old_link).content.decode()
    services.case_add_note(case=moved, actor=people["rt_worker"], text="On our list", public=False)
    client.force_login(people["ind_worker"])
    read_only = client.get(old_link)
    assert read_only.status_code == 200
    html = read_only.content.decode()
    assert moved.reference in html and "Raytown now handles this report" in html
    assert 'name="text"' not in html  # no note form: the case is Raytown's now
    assert escape("Raytown works it") in html
    with pytest.raises(PermissionDenied):
        services.case_add_note(case=moved, actor=people["ind_worker"], text="x", public=False)
    assert moved not in selectors.case_list_for_staff(user=people["ind_worker"])
    assert moved in selectors.case_list_for_staff(user=people["rt_worker"])
    client.force_login(people["gv_supervisor"])
    assert client.get(old_link).status_code == 404


def test_refusing_leaves_the_case_with_the_first_city_and_writes_the_reason_on_its_timeline(
    case: ServiceRequest, people: dict[str, User], cities: dict[str, City], outbox: Any
) -> None:
    outbox()
    mail.outbox.clear()
    transfer = transfers.case_transfer(
        case=case, actor=people["ind_supervisor"], to_city=cities["raytown"], reason="Raytown maintains this road"
    )
    with pytest.raises(PermissionDenied):
        transfers.case_transfer_refuse(transfer=transfer, actor=people["ind_supervisor"], reason="no")
    back = transfers.case_transfer_refuse(
        transfer=transfer, actor=people["rt_supervisor"], reason="The road is in Independence up to the curb"
    )
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.REFUSED
    assert back.city == cities["independence"] and back.assignee == people["ind_worker"]
    refused = back.events.get(kind=EventKind.TRANSFER_REFUSED)
    assert refused.actor == people["rt_supervisor"] and not refused.is_public
    assert "The road is in Independence up to the curb" in refused.text
    # The Independence worker on the case is told; the resident is not bothered.
    mails = outbox()
    assert any(m.to == [people["ind_worker"].email] and "up to the curb" in m.body for m in mails)
    assert not any(m.to == ["rita@example.org"] for m in mails)
    # Raytown's staff no longer read it; it can be offered again, or elsewhere.
    with pytest.raises(ServiceRequest.DoesNotExist):
        selectors.case_get_for_staff(user=people["rt_worker"], city_slug="independence", number=case.number)
    transfers.case_transfer(case=back, actor=people["ind_supervisor"], to_city=cities["grandview"], reason="Try them")


def test_the_console_buttons_transfer_accept_and_refuse(
    client: Any, case: ServiceRequest, people: dict[str, User], cities: dict[str, City]
) -> None:
    client.force_login(people["ind_supervisor"])
    page = client.get(f"/console/cases/independence/{case.number}/").content.decode()
    assert "Not ours: ask them to take it" in page
    response = client.post(
        f"/console/cases/independence/{case.number}/transfer/",
        {"to_city": cities["raytown"].pk, "reason": "Raytown maintains this road"},
    )
    assert response.status_code == 302
    transfer = CaseTransfer.objects.get()
    assert "Waiting for Raytown to take this case" in client.get(response["Location"]).content.decode()

    client.force_login(people["rt_supervisor"])
    incoming = client.get("/console/transfers/").content.decode()
    assert case.reference in incoming and "Raytown maintains this road" in incoming
    response = client.post(f"/console/transfers/{transfer.pk}/accept/")
    case.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == f"/console/cases/raytown/{case.number}/"
    assert client.get(response["Location"]).status_code == 200

    # Back again, and refused this time.
    response = client.post(
        f"/console/cases/raytown/{case.number}/transfer/",
        {"to_city": cities["independence"].pk, "reason": "It is yours after all"},
    )
    second = CaseTransfer.objects.get(status=TransferStatus.PENDING)
    client.force_login(people["ind_supervisor"])
    client.post(f"/console/transfers/{second.pk}/refuse/", {"reason": "We checked the map: it is yours"})
    second.refresh_from_db()
    assert second.status == TransferStatus.REFUSED
    case.refresh_from_db()
    assert case.city == cities["raytown"]
    # A refusal without a reason is not accepted.
    client.force_login(people["rt_supervisor"])
    client.post(f"/console/cases/raytown/{case.number}/transfer/", {"to_city": cities["grandview"].pk, "reason": "x"})
    third = CaseTransfer.objects.get(status=TransferStatus.PENDING)
    client.force_login(people["gv_supervisor"])
    client.post(f"/console/transfers/{third.pk}/refuse/", {"reason": " "})
    third.refresh_from_db()
    assert third.status == TransferStatus.PENDING


def test_an_open311_app_asking_for_the_old_id_gets_the_case_under_its_new_reference(
    client: Any, case: ServiceRequest, people: dict[str, User], cities: dict[str, City]
) -> None:
    old_reference = case.reference
    transfer = transfers.case_transfer(case=case, actor=people["ind_supervisor"], to_city=cities["raytown"], reason="r")
    moved = transfers.case_transfer_accept(transfer=transfer, actor=people["rt_supervisor"])
    response = client.get(
        f"/open311/v2/requests/{old_reference}.json", {"jurisdiction_id": cities["independence"].jurisdiction_id}
    )
    assert response.status_code == 200
    assert [r["service_request_id"] for r in response.json()] == [moved.reference]


def test_a_case_never_handed_off_asks_one_plain_question_and_one_handed_off_lists_its_hand_offs(
    case: ServiceRequest, people: dict[str, User], cities: dict[str, City]
) -> None:
    with CaptureQueriesContext(connection) as queries:
        assert transfers.transfer_history(case) == []
    assert len(queries.captured_queries) == 1 and "JOIN" not in queries.captured_queries[0]["sql"]
    first = transfers.case_transfer(
        case=case, actor=people["ind_supervisor"], to_city=cities["raytown"], reason="Raytown maintains this road"
    )
    transfers.case_transfer_refuse(transfer=first, actor=people["rt_supervisor"], reason="It is ours no more")
    second = transfers.case_transfer(
        case=case, actor=people["ind_supervisor"], to_city=cities["grandview"], reason="Grandview, then"
    )
    history = transfers.transfer_history(case)
    assert history == [first, second]
    with CaptureQueriesContext(connection) as queries:
        assert [(t.from_city.name, t.to_city.name) for t in history] == [
            ("Independence", "Raytown"),
            ("Independence", "Grandview"),
        ]
    assert not queries.captured_queries  # the cities came with the hand-offs
