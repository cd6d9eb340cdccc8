"""The five-city demo: what ``load_demo`` puts in the database, and that it follows seed 004.

The demo is loaded once for the module, at a fifth of the real volume over three weeks,
inside a transaction rolled back at the end, so no other test sees it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import F
from django.test import Client

from civicdesk.accounts.models import Role, User
from civicdesk.cases import services
from civicdesk.cases.models import CaseEvent, EventKind, Photo, ServiceRequest, Status
from civicdesk.catalog.models import Datatype, ServiceAttribute, ServiceType
from civicdesk.core import clock
from civicdesk.demo import logins, streets
from civicdesk.demo.catalogue import INDEPENDENCE_DEPARTMENT_SHARES, PROBLEMS
from civicdesk.demo.loader import REGION_SLUG, DemoSummary, load_demo
from civicdesk.notifications.models import OutboxMessage
from civicdesk.tenants.models import City, Department
from tests.conftest import INSIDE

pytestmark = pytest.mark.django_db

DAYS, SCALE = 21, 0.2


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[DemoSummary]:
    with django_db_blocker.unblock(), transaction.atomic():
        summary = load_demo(days=DAYS, scale=SCALE)
        yield summary
        transaction.set_rollback(True)


def _counts() -> dict[str, int]:
    return {
        "cities": City.objects.count(),
        "departments": Department.objects.count(),
        "types": ServiceType.objects.count(),
        "attributes": ServiceAttribute.objects.count(),
        "users": User.objects.count(),
        "cases": ServiceRequest.objects.count(),
        "events": CaseEvent.objects.count(),
    }


def test_the_demo_loads_five_cities_with_cases(demo: DemoSummary) -> None:
    assert demo.loaded
    assert demo.cities == 5
    assert demo.cases == ServiceRequest.objects.count() > 200
    assert 0 < demo.open_cases < demo.cases


def test_every_city_has_types_departments_and_staff_of_each_role(demo: DemoSummary) -> None:
    for city in City.objects.all():
        assert city.service_types.count() >= 12, city
        assert city.departments.count() >= 5, city
        roles = set(User.objects.filter(city=city).values_list("role", flat=True))
        assert {Role.CALL_TAKER, Role.WORKER, Role.SUPERVISOR, Role.CITY_ADMIN, Role.INVESTIGATOR} <= roles, city
        assert User.objects.get(city=city, role=Role.CITY_ADMIN).is_staff
        hotline = city.service_types.get(code="fraud-hotline")
        assert hotline.is_confidential and hotline.name == "Fraud, waste or abuse hotline"
        for dept in city.departments.all():
            assert dept.email.endswith(f"@{city.slug}.civicdesk.localhost")
    assert User.objects.get(username="regional").role == Role.REGIONAL_ADMIN
    assert User.objects.get(username="admin").is_superuser


def test_independence_has_the_reports_departments_and_a_type_with_none(demo: DemoSummary) -> None:
    independence = City.objects.get(slug="independence")
    names = set(independence.departments.values_list("name", flat=True))
    assert names == {name for name in INDEPENDENCE_DEPARTMENT_SHARES if name}
    assert independence.departments.get(name="CD-NEIGHBORHOOD SERVICES").email == (
        "neighborhood-services@independence.civicdesk.localhost"
    )
    assert independence.service_types.filter(department=None).exists()
    type_names = set(independence.service_types.values_list("name", flat=True))
    assert {
        "CE - Trash/Rubbish",
        "Basement Sewer Backup",
        "Tree Trim/PowerObstr",
        "Business Licensing Questions",
    } <= type_names


def test_the_catalogue_asks_questions_of_every_open311_datatype(demo: DemoSummary) -> None:
    used = set(ServiceAttribute.objects.values_list("datatype", flat=True))
    assert used == set(Datatype.values)
    question = ServiceAttribute.objects.get(service_type__city__slug="independence", code="vehicle-location")
    assert question.question == "Is the vehicle on the street or private property?"
    # The cases residents reported as this type answer its question. A case staff re-typed into
    # it later keeps the answers of the type it was reported as (the demo re-types a few; which
    # ones depends on the day the demo is loaded, as its history ends today).
    reported = ServiceRequest.objects.filter(service_type__code="ce-non-operable-vehicle").exclude(
        events__kind=EventKind.TYPE_CHANGED
    )
    assert reported.exists()
    assert all(case.attributes.get("vehicle-location") in question.value_keys() for case in reported)


def test_independence_department_shares_over_three_weeks_follow_seed_004(demo: DemoSummary) -> None:
    since = clock.now() - dt.timedelta(days=21)
    cases = ServiceRequest.objects.filter(city__slug="independence", opened_at__gte=since)
    total = cases.count()
    by_department = Counter(cases.values_list("department__name", flat=True))
    for name, share in INDEPENDENCE_DEPARTMENT_SHARES.items():
        assert abs(100 * by_department[name] / total - share) <= 3, (name, by_department[name], total)


def test_independence_top_problems_and_busiest_district_follow_seed_004(demo: DemoSummary) -> None:
    cases = ServiceRequest.objects.filter(city__slug="independence")
    top = [name for name, _n in Counter(cases.values_list("service_type__name", flat=True)).most_common(4)]
    # At a fifth of the volume, third place and below are a case or two apart.
    assert top[:2] == ["CE - Trash/Rubbish", "CE - Excessive Vegetation"]
    assert "CE - Open Storage" in top
    districts = Counter(cases.values_list("district__name", flat=True))
    assert districts.most_common(1)[0][0] == "District 1"
    assert 0 < districts[None] < 0.06 * sum(districts.values())  # seed 004: 12 of 576 without a district


def test_the_history_is_replayed_at_its_own_times_without_sending_email(demo: DemoSummary) -> None:
    now = clock.now()
    oldest = ServiceRequest.objects.order_by("opened_at").first()
    assert oldest is not None and oldest.opened_at < now - dt.timedelta(days=18)
    created = CaseEvent.objects.get(case=oldest, kind=EventKind.CREATED)
    assert created.at == oldest.opened_at
    assert not CaseEvent.objects.filter(at__gt=now).exists()
    closed = ServiceRequest.objects.filter(status=Status.CLOSED)
    assert closed.exists() and not closed.filter(closing_note="").exists()
    assert not closed.filter(closed_at__lt=F("opened_at")).exists()
    assert CaseEvent.objects.filter(kind=EventKind.INTERNAL_NOTE).exists()
    assert CaseEvent.objects.filter(kind=EventKind.PUBLIC_NOTE).exists()
    assert set(ServiceRequest.objects.values_list("channel", flat=True)) >= {"web", "mobile", "phone", "email"}
    assert ServiceRequest.objects.filter(reporter_email="").exists()
    assert ServiceRequest.objects.exclude(reporter_email="").filter(reporter_email__endswith="@example.org").exists()
    assert OutboxMessage.objects.count() == 0


def test_photos_are_real_images_with_thumbnails(demo: DemoSummary) -> None:
    for photo in Photo.objects.all():
        assert photo.width > 0 and photo.thumbnail.name


def test_a_second_load_changes_nothing(demo: DemoSummary) -> None:
    before = _counts()
    again = load_demo(days=DAYS, scale=SCALE)
    assert not again.loaded
    assert _counts() == before


def test_demo_logins_authenticate_with_the_shared_password(demo: DemoSummary) -> None:
    accounts = logins()
    assert {"ind-calltaker", "ind-worker", "ind-supervisor", "ind-admin", "ls-worker", "regional", "admin"} <= {
        u for u, _p, _d in accounts
    }
    for username, password, can_do in accounts:
        assert can_do
        assert authenticate(username=username, password=password) is not None, username


def test_a_report_placed_across_a_city_line_takes_the_other_citys_type_of_the_same_code(demo: DemoSummary) -> None:
    raytown_trash = ServiceType.objects.get(city__slug="raytown", code="ce-trash")
    lat, lng = INSIDE["independence"]
    case = services.case_create(service_type=raytown_trash, lat=lat, lng=lng, description="Bags of trash")
    assert case.city.slug == "independence"
    assert case.service_type.name == "CE - Trash/Rubbish"
    assert case.department is not None and case.department.name == "CD-NEIGHBORHOOD SERVICES"


def test_every_city_has_canned_closing_notes_for_its_types_and_general_ones(demo):
    from civicdesk.catalog.models import CannedResponse

    for city in City.objects.filter(region__slug="eastern-jackson-county"):
        assert CannedResponse.objects.filter(city=city, service_type__isnull=True).exists(), city
        assert CannedResponse.objects.filter(city=city, service_type__group="Code enforcement").exists() or (
            not city.service_types.filter(group="Code enforcement").exists()
        )
        assert not CannedResponse.objects.filter(city=city, service_type__is_confidential=True).exists()


def test_each_city_gets_an_illustrative_gazetteer_of_its_cases_invented_addresses(demo: DemoSummary, client) -> None:
    from civicdesk.places.models import AddressPoint
    from civicdesk.places.selectors import address_search

    for city in City.objects.all():
        points = AddressPoint.objects.filter(city=city)
        assert points.exists() and not points.filter(illustrative=False).exists(), city
    case = (
        ServiceRequest.objects.filter(lat__isnull=False, service_type__is_confidential=False)
        .exclude(address="")
        .order_by("opened_at", "pk")
        .first()
    )
    assert case is not None
    found = address_search(case.address.lower(), near=(case.lat, case.lng))
    # At its place on the street it names, level with the case's pin (the pin may be off it).
    assert (found[0].label, (found[0].lat, found[0].lng), found[0].illustrative) == (
        case.address,
        pytest.approx(streets.address_point(case.lat, case.lng), abs=1e-7),
        True,
    )
    # Typed as far as the street's first letters, the search box offers it, saying what it is.
    answer = client.get("/places/search", {"q": case.address[:-4], "near": f"{case.lat},{case.lng}"}).json()
    assert case.address in [r["label"] for r in answer["results"]]
    assert answer["note"].startswith("Illustrative addresses")
    # No confidential case's place is in the public gazetteer.
    secret = ServiceRequest.objects.filter(service_type__is_confidential=True, lat__isnull=False).exclude(address="")
    assert not AddressPoint.objects.filter(source_id__in=[c.reference for c in secret]).exists()


# British spellings a Missouri city would not write (the cities' own type names, such as
# Independence's "CE - Trash/Rubbish", are theirs and stay as they are).
BRITISH = re.compile(
    r"\b(?:\w*(?:colour|odour|neighbour|favour|honour|labour|behaviour)\w*|licences?|centres?|tyres?"
    r"|metres?|programmes?|plough|kerbs?|grey)\b",
    re.IGNORECASE,
)


def test_the_demo_writes_american_spelling_as_a_missouri_city_would(demo: DemoSummary, client: Client) -> None:
    written = [
        *ServiceType.objects.values_list("name", "description", "keywords", "group"),
        *ServiceAttribute.objects.values_list("question", "description"),
        *([json.dumps(values)] for values in ServiceAttribute.objects.values_list("values", flat=True)),
        *ServiceRequest.objects.values_list("description").distinct(),
        *CaseEvent.objects.exclude(text="").values_list("text").distinct(),
        *Department.objects.values_list("name"),
    ]
    found = {word for texts in written for text in texts for word in BRITISH.findall(text or "")}
    assert not found
    html = client.get("/independence/alerts/").content.decode()
    for name in ("Sewer odor", "Community center or pool issue", "Business operating without a license"):
        assert name in html


def test_a_cases_address_names_the_street_the_map_draws_at_its_point(demo: DemoSummary) -> None:
    """Dropped where a case is, the pin reads the case's address, and its street is the line
    of the illustrative map nearest the pin (a reviewer's pin on Lexington Ave was filed on
    a street four blocks away, which the map did not show)."""
    import math

    import numpy as np
    import shapely
    from shapely.geometry import Point, shape

    from civicdesk.demo import streets
    from civicdesk.places.geocoders import place_reverse
    from civicdesk.places.models import Street

    city = City.objects.get(slug="independence")
    # Degrees of longitude to latitude's length, as the grid counts them (its blocks are square
    # at its own latitude): with another latitude's, a point a hair off a block's diagonal read
    # the other street as nearer (3 points in 4,000, one of the 30 of the demo of Dec 6, 2026).
    squash = np.asarray([math.cos(math.radians(streets.NORTH_ORIGIN)), 1.0])

    def metric(geometry: Any) -> Any:
        return shapely.transform(geometry, lambda coords: coords * squash)

    lines = [(s.name, metric(shape(s.geometry))) for s in Street.objects.filter(city=city)]
    cases = ServiceRequest.objects.filter(city=city, lat__isnull=False, service_type__is_confidential=False).order_by(
        "pk"
    )[:30]
    assert len(cases) == 30
    for case in cases:
        here = metric(Point(case.lng, case.lat))
        nearest = min(lines, key=lambda line: line[1].distance(here))[0]
        number, street = case.address.split(" ", 1)
        assert number.isdigit() and street == nearest, (case.address, nearest)
        [place] = place_reverse(case.lat, case.lng).places
        assert place.label == case.address


def test_every_demo_problem_has_a_spanish_name_of_its_own() -> None:
    for problem in PROBLEMS.values():
        assert problem.name_es, f"{problem.code} has no Spanish name"
        assert problem.name_es.casefold() != problem.name.casefold(), f"{problem.code}: {problem.name_es!r}"


def test_every_demo_type_is_loaded_with_its_spanish_name(demo: DemoSummary) -> None:
    types = ServiceType.objects.filter(city__region__slug=REGION_SLUG)
    assert types.count() == demo.service_types
    assert not types.filter(name_es="").exists()
    pothole = types.get(city__slug="independence", code="pothole")
    assert (pothole.name, pothole.name_es) == ("Pothole", "Bache")
    assert types.get(city__slug="independence", code="ce-trash").name_es == "Basura y escombros en una propiedad"


def test_a_demo_loaded_before_spanish_names_gets_them_on_the_next_load(demo: DemoSummary) -> None:
    types = ServiceType.objects.filter(city__region__slug=REGION_SLUG)
    types.exclude(city__slug="raytown", code="pothole").update(name_es="")
    typed = types.get(city__slug="raytown", code="pothole")
    typed.name_es = "Hoyo en la calle"  # an administrator's own name is kept
    typed.save()
    again = load_demo(days=DAYS, scale=SCALE)
    assert not again.loaded
    assert not types.filter(name_es="").exists()
    assert types.get(city__slug="independence", code="pothole").name_es == "Bache"
    assert types.get(city__slug="raytown", code="pothole").name_es == "Hoyo en la calle"


def test_the_demo_queues_its_first_open_data_export_and_the_files_are_listed(
    demo: DemoSummary, settings: Any, tmp_path: Any
) -> None:
    """Every ``make run`` loads the demo: a city that never had an export gets one queued to
    run at once (once), so the open-data pages have files before the first night."""
    import io

    from django.core.management import call_command
    from django.test import override_settings
    from django_tasks_db.models import DBTaskResult

    from civicdesk.opendata.models import OpenDataFile
    from civicdesk.opendata.services import download_name
    from civicdesk.opendata.tasks import FIRST_TASK_PATH, queue_first_exports
    from tests.expected.helpers import run_ready_tasks

    settings.MEDIA_ROOT = tmp_path / "media"
    independence = City.objects.get(slug="independence")
    before = Client().get(f"/{independence.slug}/open-data/").content.decode()
    assert "Not generated yet" in before
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        call_command("load_demo", "--days", str(DAYS), "--scale", str(SCALE), stdout=io.StringIO())
        [queued] = DBTaskResult.objects.filter(task_path=FIRST_TASK_PATH)
        assert sorted(queued.args_kwargs["args"][0]) == sorted(City.objects.values_list("slug", flat=True))
        assert queue_first_exports() == []  # queued already: not twice
        DBTaskResult.objects.exclude(task_path=FIRST_TASK_PATH).delete()  # only the export, here
        assert run_ready_tasks() == 1
        queued.refresh_from_db()
        assert queued.status == "SUCCESSFUL"
        assert OpenDataFile.objects.filter(city=independence).count() == 2
        assert OpenDataFile.objects.filter(city__isnull=True).count() == 2
        assert queue_first_exports() == []  # exported: the nightly run keeps them fresh
    page = Client().get(f"/{independence.slug}/open-data/").content.decode()
    assert "Not generated yet" not in page
    for fmt in ("csv", "geojson"):
        name = download_name(city=independence, fmt=fmt)
        assert f'href="/{independence.slug}/open-data/{name}"' in page
    collaborative = Client().get("/open-data/").content.decode()
    assert "Not generated yet" not in collaborative


def test_a_pinned_cases_address_reads_as_found_not_typed(demo: DemoSummary) -> None:
    """The history is replayed before the gazetteer exists; once it is loaded each pinned
    case's address is recorded as intake would have, so the console does not say "Typed,
    not matched" beside every demo case (it did after the streets moved after the history)."""
    from civicdesk.cases.models import AddressSource

    pinned = ServiceRequest.objects.filter(lat__isnull=False, service_type__is_confidential=False).exclude(address="")
    sources = Counter(pinned.values_list("address_source", flat=True))
    assert sum(sources.values()) > 100
    assert sources[AddressSource.TYPED] == 0, sources
    assert set(sources) <= {AddressSource.MATCHED, AddressSource.INTERPOLATED, AddressSource.NEAREST}


def test_code_enforcement_inspections_count_business_days_and_the_other_types_calendar_days(demo: DemoSummary) -> None:
    """The demo shows both: a few types of departments that work office hours have targets in
    business days, due at closing time on a business day; the rest keep calendar days."""
    business = ServiceType.objects.filter(target_in_business_days=True)
    assert set(business.values_list("code", flat=True)) == {
        "ce-zoning",
        "ce-property-maintenance",
        "ce-rental-inspection",
        "business-license-violation",
    }
    assert ServiceType.objects.filter(target_in_business_days=False).count() > 10 * business.count()
    zoning = ServiceRequest.objects.filter(service_type__code="ce-zoning", city__slug="independence").first()
    assert zoning is not None and zoning.due_at is not None
    due = zoning.due_at.astimezone(zoning.city.tz)
    assert due.weekday() < 5 and (due.hour, due.minute) == (17, 0)
