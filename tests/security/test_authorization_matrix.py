"""The authorization matrix: every URL of the URLconf, as every kind of user, about objects
of one member city (A), against the declarative policy in ``tests/security/policy.py``.

Nothing here is a hand-picked list of pages: the URLs come from the URLconf
(``urlwalk.routes``), the admin's from ``admin.site._registry``, so a view added tomorrow
either has a line in the policy or fails ``test_every_url_has_a_declared_policy`` with a
message saying where to declare it.

Each principal (anonymous; each role in city A, the objects' city, and in city B, another
member city; the regional administrator; a superuser) asks every URL, filled with concrete
objects of city A (a case, a confidential case, photos, a transfer, an agreement, a
measure value, a district, one object per admin model…). The answer is classed:

- **allowed**: 2xx, a redirect that is not to a sign-in page, or 400 (the request got past
  the gate and was answered about its input);
- **refused**: 401, 403, 404, or a redirect to a sign-in page.

A view that only takes POST is posted to, inside a transaction that is rolled back, so every
principal meets the same data. Mismatches are collected and reported once, as a table.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from civicdesk.accounts.models import Role, User
from civicdesk.cases import services, transfers
from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog import services as agreements
from civicdesk.catalog.models import CannedResponse, ServiceType
from civicdesk.expected.models import ExpectedModel, ExpectedSettings, ModelStatus
from civicdesk.intake.models import InboundMessage, Outcome
from civicdesk.notifications.alerts import your_alerts_token
from civicdesk.notifications.services import subscription_create
from civicdesk.open311.models import Open311Submission
from civicdesk.open311.services import api_key_create
from civicdesk.opendata.models import Format
from civicdesk.opendata.services import download_name, open_data_export_all
from civicdesk.performance import services as performance
from civicdesk.performance.models import DashboardSettings, Goal, Measure, MeasureValue, PlanYear
from civicdesk.places.models import AddressPoint, Source
from civicdesk.tenants.models import City, Department, District, NeighbourArea
from tests.cases import images
from tests.conftest import INSIDE
from tests.security.policy import (
    ADMIN_ACCESS,
    ADMIN_MODELS,
    CITY_ROLES,
    PAGE,
    POLICY,
    PUBLIC,
    Principal,
    Rule,
    Target,
    markdown,
)
from tests.security.urlwalk import Route, filled, routes

PASSWORD = "a-long-test-password"
WHISTLEBLOWER = "whistle@example.org"  # the reporter of city A's confidential case
RESIDENT = "resident@example.org"  # the reporter of city A's ordinary cases
TIP = "Invoices for work never done"  # city A's confidential case: its investigators' alone
INTERNAL_NOTE = "Gate code 7731"  # on city A's case: its staff's, and the operators' audit log
ROLES_IN_A_CITY = [r for r in Role if r != Role.REGIONAL_ADMIN]

PRINCIPALS: list[Principal] = [
    Principal("anonymous"),
    *[
        Principal(f"{Role(role).label.lower()} of {city}", role=role, city=city, is_staff=role == Role.CITY_ADMIN)
        for city in ("A", "B")
        for role in ROLES_IN_A_CITY
    ],
    Principal("regional administrator", role=Role.REGIONAL_ADMIN, is_staff=True),
    Principal("superuser", is_staff=True, is_superuser=True),
]


# --- the world: objects of city A, and someone of every kind ------------------------------------


@dataclass
class World:
    users: dict[str, User]
    values: dict[str, list[Any]]  # parameter -> candidate values
    overrides: dict[tuple[str, str], list[Any]]  # (route, parameter) -> candidate values
    targets: dict[tuple[str, str], Target]  # (parameter, value) -> what the value stands for
    admin_objects: dict[str, list[tuple[str, Target]]]  # model label -> (object id, target)
    post: dict[str, dict[str, Any]] = field(default_factory=dict)  # route -> POST body
    queries: dict[str, list[str]] = field(default_factory=dict)  # route -> query strings to ask with
    api_keys: dict[str, str] = field(default_factory=dict)
    jurisdiction: str = ""


def _staff(city: City | None, role: str, username: str, department: Department | None = None, **kw: Any) -> User:
    return User.objects.create_user(
        username=username,
        password=PASSWORD,
        email=f"{username}@staff.test",
        city=city,
        role=role,
        department=department,
        **kw,
    )


def _build_world(media: Any) -> World:
    from civicdesk.demo.places import load_member_cities

    cities = {c.slug: c for c in load_member_cities()}
    a, b, c = cities["independence"], cities["raytown"], cities["blue-springs"]

    def department(city: City, code: str, *, name: str = "") -> Department:
        return Department.objects.create(city=city, name=name or code, code=code, email=f"{code}@{city.slug}.test")

    def service_type(city: City, code: str, dept: Department, **kw: Any) -> ServiceType:
        return ServiceType.objects.create(city=city, code=code, name=code.title(), department=dept, target_days=5, **kw)

    streets = {s: department(city, "streets") for s, city in (("A", a), ("B", b), ("C", c))}
    fraud_unit = department(a, "fraud-unit")
    trash = service_type(a, "trash", streets["A"])
    other = service_type(a, "graffiti", streets["A"])
    hotline = service_type(a, "fraud", fraud_unit, is_confidential=True)
    c_trash = service_type(c, "trash", streets["C"])
    service_type(b, "trash", streets["B"])

    users: dict[str, User] = {}
    for p in PRINCIPALS:
        if not p.signed_in:
            continue
        username = p.name.replace(" ", "-").replace("(", "").replace(")", "")
        if p.is_superuser:
            users[p.name] = User.objects.create_superuser(username=username, password=PASSWORD, email="op@site.test")
            continue
        city = {"A": a, "B": b}.get(p.city or "")
        dept = fraud_unit if p.role == Role.INVESTIGATOR and p.city == "A" else streets.get(p.city or "")
        users[p.name] = _staff(city, p.role, username, dept, is_staff=p.is_staff)
    worker = users["department worker of A"]
    investigator = users["investigator (confidential reports) of A"]
    call_taker_b = users["call taker of B"]

    lat, lng = INSIDE["independence"]
    new = {"lat": lat, "lng": lng, "reporter_email": RESIDENT, "reporter_name": "Ada Resident"}
    case = services.case_create(service_type=trash, description="A sofa on the curb", **new)
    original = services.case_create(service_type=trash, description="The same sofa", **new)
    closed = services.case_create(service_type=trash, description="A mattress", **new)
    services.case_close(case=closed, actor=worker, note="Picked up")
    secret = services.case_create(
        service_type=hotline,
        description=TIP,
        **{**new, "reporter_email": WHISTLEBLOWER, "reporter_name": "Wanda Whistle"},
    )
    entered = services.case_create(
        service_type=trash, description="Caller's sofa", channel="phone", actor=call_taker_b, **new
    )
    note = services.case_add_note(case=case, actor=worker, text=INTERNAL_NOTE, public=False)
    with override_settings(MEDIA_ROOT=media):
        public_photo = services.case_add_photo(
            case=case, actor=None, actor_label="resident", upload=io.BytesIO(images.jpeg_with_gps()), filename="a.jpg"
        )
        internal_photo = services.case_add_photo(
            case=case, actor=worker, upload=io.BytesIO(images.jpeg_with_gps()), filename="b.jpg", public=False
        )
        secret_photo = services.case_add_photo(
            case=secret, actor=investigator, upload=io.BytesIO(images.jpeg_with_gps()), filename="c.jpg"
        )

    # The collaborative: city C asks A to take one of its cases, and to work one of its types.
    c_lat, c_lng = INSIDE["blue-springs"]
    c_case = services.case_create(service_type=c_trash, lat=c_lat, lng=c_lng, description="On the line")
    c_supervisor = _staff(c, Role.SUPERVISOR, "supervisor-of-c", streets["C"])
    transfer = transfers.case_transfer(case=c_case, actor=c_supervisor, to_city=a, reason="It is A's street")
    agreement = agreements.agreement_propose(
        actor=_staff(c, Role.CITY_ADMIN, "city-admin-of-c", is_staff=True),
        provider_department=streets["A"],
        service_types=[c_trash],
        starts_on=timezone.localdate(),
    )

    # Area alerts, Open311 keys and a token from an application's report.
    subscription = subscription_create(email="alerts@example.org", city=a)
    raw_key_a = api_key_create(city=a, name="Pothole Pal")[1]
    raw_key_b = api_key_create(city=b, name="Raytown Reports")[1]
    revoked, raw_revoked = api_key_create(city=a, name="Retired App")
    revoked.active = False
    revoked.save(update_fields=["active"])
    posted = Client().post(
        reverse("open311:requests", kwargs={"fmt": "json"}),
        {
            "api_key": raw_key_a,
            "jurisdiction_id": a.jurisdiction_id,
            "service_code": trash.code,
            "lat": lat,
            "long": lng,
            "description": "From an app",
        },
    )
    assert posted.status_code in (200, 201), posted.content
    # The answer carries the id alone (GeoReport v2: the token only while the id is unknown);
    # the token kept for the report, as an earlier version handed it out, still resolves.
    reference = posted.json()[0]["service_request_id"]
    open311_token = Open311Submission.objects.get(case__city=a, case__number=int(reference.rsplit("-", 1)[1])).token

    # Performance: an entered measure with a value, a computed one, a plan, the settings.
    def measure(**kw: Any) -> Measure:
        m = Measure(city=a, definition="What it measures.", unit="percent", direction="higher", **kw)
        m.full_clean()
        m.save()
        return m

    entered_measure = measure(name="Residents satisfied")
    computed = measure(
        name="Closed within target", source="computed", computation="closed_within_target", service_codes=["trash"]
    )
    value = MeasureValue.objects.create(
        measure=entered_measure, fiscal_year=2026, period=1, value=Decimal("80"), updated_at=timezone.now()
    )
    plan = PlanYear.objects.create(city=a, fiscal_year=2026, title="A for All")
    goal = Goal.objects.create(plan_year=plan, name="Customer-Focused")
    dashboard, _ = DashboardSettings.objects.get_or_create(city=a)
    expected_settings = ExpectedSettings.objects.create(city=a, likely_late_threshold=0.6)
    expected_model = ExpectedModel.objects.create(
        city=a,
        status=ModelStatus.CURRENT,
        kind="loglogistic",
        trained_at=timezone.now(),
        window_start=timezone.now(),
        window_end=timezone.now(),
        holdout_start=timezone.now(),
        cases=0,
        closed_cases=0,
        open_cases=0,
        params={},
    )
    common = performance.common_measure_define(
        region=a.region,
        key="requests-opened",
        name="Requests reported",
        definition="New requests.",
        computation="requests_opened",
        unit="count",
        minimum_cases=1,
    )
    performance.common_measure_map(common_measure=common, city=a, service_codes=["trash"])

    # One object per admin model, of city A where the model has a city.
    canned = CannedResponse.objects.create(city=a, service_type=trash, title="Picked up", text="Done.")
    inbound = InboundMessage.objects.create(
        message_id="<1@mail.test>", received_at=timezone.now(), city=a, outcome=Outcome.IGNORED
    )
    tip_by_email = InboundMessage.objects.create(
        message_id="<2@mail.test>",
        received_at=timezone.now(),
        city=a,
        case=secret,
        sender=WHISTLEBLOWER,
        outcome=Outcome.CREATED,
    )
    unused_district = District.objects.filter(city=a, cases__isnull=True).first()
    assert unused_district is not None, "city A needs a district without cases"
    neighbour = NeighbourArea.objects.first() or NeighbourArea.objects.create(
        name="Neighbour", slug="neighbour", boundary=a.boundary
    )
    from django.apps import apps

    task = apps.get_model("django_tasks_database", "DBTaskResult").objects.create(
        enqueued_at=timezone.now(),
        args_kwargs={"args": [], "kwargs": {}},
        task_path="civicdesk.notifications.tasks.deliver",
        backend_name="default",
        run_after=timezone.now(),
        exception_class_path="",
        traceback="",
    )
    group = Group.objects.create(name="Dispatch")
    address = AddressPoint.objects.create(
        city=a,
        number=100,
        street_name="MAPLE",
        street_type="AVE",
        lat=lat,
        lng=lng,
        search_key="100 MAPLE",
        street_key="MAPLE",
        address_key="100 MAPLE AVE",
        source=Source.CITY,
    )
    an_a = Target("object of A")
    unowned = Target("object of no city", city=None)
    # An account of no city is no city's to manage (the city "" matches no member of one).
    operator, operators_account = users["superuser"], Target("an operator's account", city="")
    admin_objects: dict[str, list[tuple[str, Target]]] = {
        "auth.group": [(str(group.pk), unowned)],
        "django_tasks_database.dbtaskresult": [(str(task.pk), unowned)],
        "accounts.user": [(str(worker.pk), an_a), (str(operator.pk), operators_account)],
        "tenants.region": [(str(a.region_id), unowned)],
        "tenants.city": [(str(a.pk), an_a)],
        "tenants.department": [(str(department(a, "unused").pk), an_a)],
        "tenants.district": [(str(unused_district.pk), an_a)],
        "tenants.neighbourarea": [(str(neighbour.pk), unowned)],
        "catalog.servicetype": [(str(trash.pk), an_a)],
        "catalog.cannedresponse": [(str(canned.pk), an_a)],
        "cases.servicerequest": [
            (str(case.pk), Target("case")),
            (str(secret.pk), Target("confidential case", confidential=True)),
        ],
        "cases.caseevent": [
            (str(note.pk), Target("internal note")),
            (str(secret.events.first().pk), Target("confidential case's event", confidential=True)),
        ],
        "intake.inboundmessage": [
            (str(inbound.pk), an_a),
            (str(tip_by_email.pk), Target("email to the hotline", confidential=True)),
        ],
        "notifications.outboxmessage": [
            (str(_outbox_of(case)), an_a),
            (str(_outbox_of(secret)), Target("email about a confidential case", confidential=True)),
        ],
        "open311.open311apikey": [(str(_key_of(a)), an_a)],
        "performance.dashboardsettings": [(str(dashboard.pk), an_a)],
        "expected.expectedsettings": [(str(expected_settings.pk), an_a)],
        "expected.expectedmodel": [(str(expected_model.pk), an_a)],
        "places.addresspoint": [(str(address.pk), an_a)],
        "performance.planyear": [(str(plan.pk), an_a)],
        "performance.goal": [(str(goal.pk), an_a)],
        "performance.measure": [(str(entered_measure.pk), an_a)],
        "performance.measurevalue": [(str(value.pk), Target("measure value"))],
        "performance.commonmeasure": [(str(common.pk), unowned)],
    }

    case_t = Target("case")
    secret_t = Target("confidential case", confidential=True)
    a_page = Target("page of A")
    targets: dict[tuple[str, str], Target] = {
        ("city", a.slug): a_page,
        ("number", str(case.number)): case_t,
        ("number", str(closed.number)): Target("closed case"),
        ("number", str(secret.number)): secret_t,
        ("number", str(entered.number)): Target("case entered by B's call taker", entered_by="call taker of B"),
        ("token", case.tracking_token): case_t,
        ("token", _follower_token(case)): case_t,
        ("token", secret.tracking_token): secret_t,
        ("token", str(open311_token)): Target("an application's report"),
        ("service_request_id", case.reference): case_t,
        ("service_request_id", secret.reference): secret_t,
        ("name", public_photo.image.name): Target("public photo"),
        ("name", internal_photo.image.name): Target("internal photo", public=False),
        ("name", secret_photo.image.name): Target("confidential case's photo", confidential=True),
        ("measure_id", str(computed.pk)): a_page,
        ("id", str(worker.pk)): an_a,
        ("id", str(users["superuser"].pk)): Target("an operator's account", city=""),
    }
    transfer_t, agreement_t = Target("transfer to A"), Target("agreement offered to A")
    values: dict[str, list[Any]] = {
        "city": [a.slug],
        "number": [case.number, secret.number],
        "token": [case.tracking_token, secret.tracking_token],
        "fmt": ["json"],
        "kind": ["new"],
        "service_code": [trash.code],
        "service_request_id": [case.reference, secret.reference],
        "rest": ["requests/unknown.json"],
        "period": ["2026-q1"],
        "measure_id": [computed.pk],
        "measure": [common.key],
        "name": [public_photo.image.name, internal_photo.image.name, secret_photo.image.name],
        "content_type_id": [ContentType.objects.get_for_model(ServiceRequest).pk],
        "object_id": [],  # per admin model, below
        "id": [worker.pk, users["superuser"].pk],
        "app_label": [],  # per app, below
        "pk": [],  # a transfer or an agreement, per route
        "decision": ["accept"],
        # A street tile over city A (zoom 14).
        "z": [14],
        "x": [3805],
        "y": [6200],
    }
    overrides: dict[tuple[str, str], list[Any]] = {
        ("console:case_reopen", "number"): [closed.number, secret.number],
        ("console:entered_elsewhere", "number"): [entered.number],
        ("portal:feed", "fmt"): ["rss", "atom"],
        ("portal:unsubscribe", "token"): [_follower_token(case)],
        ("portal:alert-confirm", "token"): [subscription.confirm_token],
        ("portal:alert-unsubscribe", "token"): [subscription.unsubscribe_token],
        ("open311:token", "token"): [open311_token],
        ("admin:view_on_site", "object_id"): [case.pk],
        ("performance:measure-cases", "period"): ["2026-q1"],
        # The open-data files of A and of the collaborative, generated here.
        ("opendata:city-file", "name"): [download_name(city=a, fmt=f) for f in Format],
        ("opendata:collaborative-file", "name"): [download_name(city=None, fmt=f) for f in Format],
    }
    open_data_export_all(cities=[a])
    targets[("token", subscription.confirm_token)] = Target("alert subscription")
    # "Your alerts" of the subscription's address in its city, by the signed link its emails carry.
    yours = your_alerts_token(email=subscription.email, city=a)
    targets[("token", yours)] = Target("alert subscription")
    for name in ("portal:your-alerts", "portal:alert-change"):
        overrides[(name, "city")] = [a.slug]
        overrides[(name, "token")] = [yours]
    overrides[("portal:alert-change", "pk")] = [subscription.pk]
    targets[("token", subscription.unsubscribe_token)] = Target("alert subscription")
    for name in ("console:transfer_accept", "console:transfer_refuse"):
        overrides[(name, "pk")] = [transfer.pk]
    for name in ("console:agreement_billing", "console:agreement_decide"):
        overrides[(name, "pk")] = [agreement.pk]
    targets[("pk", str(transfer.pk))] = transfer_t
    targets[("pk", str(agreement.pk))] = agreement_t
    for label, objects in admin_objects.items():
        app_label, model_name = label.split(".")
        for route in routes():
            if route.name.startswith(f"admin:{app_label}_{model_name}_") and "object_id" in route.params:
                overrides[(route.name, "object_id")] = [oid for oid, _ in objects]
        for oid, target in objects:
            targets[(f"{label}:object_id", oid)] = target
    post = {
        "console:case_note": {"text": "Checked", "visibility": "internal"},
        "console:case_photos": {"public": "on"},  # the photo is added per request
        "console:case_assign": {"take": "1"},
        "console:case_type": {"service_type": other.pk},
        "console:case_status": {"status": "in_progress"},
        "console:case_close": {"resolution": "resolved", "note": "Done"},
        "console:case_reopen": {"reason": "Back again"},
        "console:case_duplicate": {"original": original.reference},
        "console:case_follow": {"email": "neighbour@example.org"},
        "console:case_call": {"reporter_name": "Nell Neighbour", "reporter_phone": "816-555-0199"},
        "console:case_transfer": {"to_city": c.pk, "reason": "Theirs"},
        "console:bulk_assign": {"case": [case.pk], "take": "1"},
        "console:transfer_accept": {},
        "console:transfer_refuse": {"reason": "Not ours"},
        "portal:follow": {"email": "neighbour@example.org"},
        "set_language": {"language": "es", "next": "/"},
    }
    # Pages that show cases only when asked about a place or a type: asked for both kinds.
    near = [f"service_type={t.pk}&lat={lat}&lng={lng}" for t in (trash, hotline)]
    queries = {
        "portal:report-nearby": near,
        "portal:alerts-district": [f"lat={lat}&lng={lng}&address=1+Main+St"],
        "console:new_similar": near,
        "console:new_questions": [f"service_type={t.pk}" for t in (trash, hotline)],
        "portal:browse": ["", "status=closed"],
    }
    return World(
        queries=queries,
        users=users,
        values=values,
        overrides=overrides,
        targets=targets,
        admin_objects=admin_objects,
        post=post,
        api_keys={"A": raw_key_a, "B": raw_key_b, "A, revoked": raw_revoked},
        jurisdiction=a.jurisdiction_id,
    )


def _outbox_of(case: ServiceRequest) -> int:
    from civicdesk.notifications.models import OutboxMessage

    message = OutboxMessage.objects.filter(case=case).first()
    assert message is not None
    return message.pk


def _follower_token(case: ServiceRequest) -> str:
    from civicdesk.notifications.models import CaseFollower
    from civicdesk.notifications.services import case_follow

    follower = CaseFollower.objects.filter(case=case).first() or case_follow(case=case, email="neighbour@example.org")
    return follower.unsubscribe_token


def _key_of(city: City) -> int:
    from civicdesk.open311.models import Open311ApiKey

    return Open311ApiKey.objects.filter(city=city).values_list("pk", flat=True).first() or 0


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[World]:
    """Built once for the module inside a transaction that is rolled back at the end; each
    test adds its own savepoint on top, so the principals all meet the same data."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build_world(media)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# --- which rule governs a URL --------------------------------------------------------------------

# Each admin page of a model, and the column of ADMIN_MODELS that governs it.
ADMIN_URL_KINDS = {
    "changelist": "view",
    "add": "add",
    "change": "view",  # the change page opens read-only for those who may only look
    "history": "view",
    "delete": "delete",
}
# Admin URLs a model admin adds beside Django's own, and what each amounts to.
ADMIN_EXTRA_URLS = {
    "admin:auth_user_password_change": ("accounts.user", "change"),
    "admin:tenants_district_import": ("tenants.district", "add"),
    # A city's districts template, downloaded beside the import: whoever may import districts.
    "admin:tenants_district_template": ("tenants.district", "add"),
    # Retiring one district from the map, and restoring it: whoever may change districts.
    "admin:tenants_district_retire": ("tenants.district", "change"),
    "admin:tenants_district_restore": ("tenants.district", "change"),
    # A new member's checklist: whoever may look at the city (the upload asks more).
    "admin:tenants_city_setup": ("tenants.city", "view"),
    # Its catalogue file, downloaded: the same (the upload, on the checklist, asks more).
    "admin:tenants_city_catalog": ("tenants.city", "view"),
    # Its setup guide: governed by its line in POLICY; named here for what its object_id is.
    "admin:tenants_city_setup_guide": ("tenants.city", "view"),
}


def _admin_rule(label: str, kind: str) -> Rule:
    access = ADMIN_MODELS[label]
    rule = getattr(access, kind)
    if kind == "view":
        rule = rule | access.change
    return ADMIN_ACCESS & rule


def rule_for(route: Route) -> tuple[Rule | None, str]:
    """The rule that governs ``route`` and, for admin model pages, the model's label."""
    if route.name in POLICY:
        # An admin page in POLICY (the setup guide) still names an object of its model.
        return POLICY[route.name], ADMIN_EXTRA_URLS.get(route.name, ("", ""))[0]
    if route.name in ADMIN_EXTRA_URLS:
        label, kind = ADMIN_EXTRA_URLS[route.name]
        return _admin_rule(label, kind), label
    if route.name == "admin:app_list":
        return None, ""  # per app: see _app_rule
    for model in admin.site._registry:
        label = model._meta.label_lower
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if route.name.startswith(prefix) and label in ADMIN_MODELS:
            kind = route.name.removeprefix(prefix)
            if kind in ADMIN_URL_KINDS:
                return _admin_rule(label, ADMIN_URL_KINDS[kind]), label
    return None, ""


def _app_rule(app_label: str) -> Rule:
    rules = [_admin_rule(m._meta.label_lower, "view") for m in admin.site._registry if m._meta.app_label == app_label]
    rule = rules[0]
    for more in rules[1:]:
        rule = rule | more
    return rule


@dataclass(frozen=True)
class Check:
    route: str
    url: str
    target: Target
    rule: Rule


def checks(world: World) -> tuple[list[Check], list[str]]:
    """Every URL to ask, with what it is about and the rule for it; and what is undeclared."""
    found, problems = [], []
    for route in routes():
        if route.name == "admin:app_list":
            for app_label in sorted({m._meta.app_label for m in admin.site._registry}):
                url = reverse(route.name, kwargs={"app_label": app_label})
                found.append(Check(route.name, url, PAGE, _app_rule(app_label)))
            continue
        rule, label = rule_for(route)
        if rule is None:
            problems.append(
                f"{route.name} ({route.route}) has no expectation: declare who may open it in "
                "POLICY (or, for an admin model, ADMIN_MODELS) of tests/security/policy.py"
            )
            continue
        missing = [p for p in route.params if not world.values.get(p) and (route.name, p) not in world.overrides]
        if missing:
            problems.append(f"{route.name}: no value for {', '.join(missing)}: add one to the world of this test")
            continue
        built = filled(route, world.values, world.overrides)
        if not built:
            problems.append(f"{route.name}: no path could be built from the world's values")
        for url, kwargs in built:
            target = _target(world, label, kwargs)
            if route.namespace == "open311":
                url += f"?jurisdiction_id={world.jurisdiction}"  # five cities: the API asks which
            for query in world.queries.get(route.name, [""]):
                found.append(Check(route.name, f"{url}?{query}" if query else url, target, rule))
    return found, problems


def _target(world: World, admin_label: str, kwargs: dict[str, Any]) -> Target:
    """What the URL is about: its object if a parameter names one, else its city, else nothing."""
    city_target = PAGE
    for param, value in kwargs.items():
        key = (f"{admin_label}:{param}" if admin_label and param == "object_id" else param, str(value))
        target = world.targets.get(key)
        if target is None:
            continue
        if param == "city":
            city_target = target
        else:
            return target
    if admin_label and "object_id" not in kwargs:
        return PAGE
    return city_target


# --- asking ----------------------------------------------------------------------------------------

LOGIN_PAGES = ("/console/login/", "/admin/login/")
ADMIN_INDEX = "/admin/"


class Rollback(Exception):
    """Undoes one request, so every principal meets the same data."""


def outcome(response: Any, *, about_an_object: bool = False) -> str:
    """``allowed`` or ``refused`` (or what else happened), from the answer alone."""
    code = response.status_code
    if code in (401, 403, 404):
        return "refused"
    if 300 <= code < 400:
        path, _, query = response.get("Location", "").partition("?")
        # Sent to sign in (signing out also ends on the sign-in page, without ``next``).
        if path.endswith(LOGIN_PAGES) and "next=" in query:
            return "refused"
        # Django's admin answers an object it will not show with a redirect to its index.
        if about_an_object and path == ADMIN_INDEX:
            return "refused"
        return "allowed"
    if code == 405:
        return "405 method not allowed"
    if code == 503:
        return "allowed"  # /readyz saying "not ready" (a migration added meanwhile) answered the question
    if code >= 500:
        return f"{code} error"
    return "allowed"


def ask(client: Client, principal: Principal, user: User | None, check: Check, world: World) -> Any:
    """GET the URL; a view that takes only POST is posted to. Either is rolled back."""
    posted = False
    try:
        with transaction.atomic():
            response = client.get(check.url)
            if response.status_code == 405:
                body = dict(world.post.get(check.route, {}))
                if check.route == "console:case_photos":
                    body["photos"] = [SimpleUploadedFile("p.webp", images.webp(), content_type="image/webp")]
                response = client.post(check.url, body)
                posted = True
            raise Rollback(response)
    except Rollback as done:
        response = done.args[0]
    if posted and user is not None:
        client.force_login(user)  # a sign-out, or a session the rollback took away, is undone
    return response


# Pages open to anyone (reports and their PDFs are the slowest of the walk) are asked by
# these; every other URL, by every principal.
ASK_PUBLIC_PAGES = {"anonymous", "department worker of B", "superuser"}


@dataclass
class Mismatch:
    url: str
    principal: str
    about: str
    expected: str
    got: str


SIGNED_IN_AREAS = ("/console/", "/admin/")

# What no page may show but to whom, whatever the page: the policy's promises about contents.
SECRETS: dict[str, Rule] = {
    TIP: Rule("A's investigators", lambda p, t: p.role == Role.INVESTIGATOR and p.city == "A"),
    RESIDENT: Rule(
        "A's staff but investigators, and superusers",
        lambda p, t: (p.city == "A" and p.role in CITY_ROLES) or p.is_superuser,
    ),
    INTERNAL_NOTE: Rule(
        "A's staff but investigators, and superusers",
        lambda p, t: (p.city == "A" and p.role in CITY_ROLES) or p.is_superuser,
    ),
}


# Pages reached by the secret link mailed to the reporter: whoever holds it is the reporter.
REPORTERS_LINKS = {"portal:report-sent", "portal:track", "portal:unsubscribe"}


def secrets_shown(principal: Principal, check: Check, response: Any) -> list[str]:
    body = body_of(response)
    return [
        secret
        for secret, rule in SECRETS.items()
        if secret in body
        and not rule.allows(principal, check.target)
        and not (secret == RESIDENT and check.route in REPORTERS_LINKS)
    ]


def body_of(response: Any) -> str:
    if response.streaming:
        return ""  # files: photos, never a tip
    return response.content.decode("utf-8", errors="replace")


def refused_properly(principal: Principal, check: Check, response: Any) -> bool:
    """In the signed-in areas, a visitor is sent to sign in; a signed-in member of staff is
    told no (403) or not shown the object (404) in the console, never sent round to sign in
    again. Django's admin sends whoever lacks entry to it to its own sign-in page."""
    if not check.url.startswith(SIGNED_IN_AREAS):
        return True
    sent_to_sign_in = response.status_code == 302 and "next=" in response.get("Location", "")
    if not principal.signed_in:
        return sent_to_sign_in
    return check.url.startswith("/admin/") or not sent_to_sign_in


def walk(principal: Principal, world: World) -> tuple[list[Mismatch], dict[str, int]]:
    client = Client(raise_request_exception=False)
    user = world.users.get(principal.name)
    if user is not None:
        client.force_login(user)
    found, _problems = checks(world)
    mismatches, tally = [], {"allowed": 0, "refused": 0}
    for check in found:
        if check.rule is PUBLIC and principal.name not in ASK_PUBLIC_PAGES:
            continue
        response = ask(client, principal, user, check, world)
        got = outcome(response, about_an_object=check.route.startswith("admin:") and check.target is not PAGE)
        expected = "allowed" if check.rule.allows(principal, check.target) else "refused"
        tally[got] = tally.get(got, 0) + 1
        if got == expected == "refused" and not refused_properly(principal, check, response):
            expected = "refused by sign-in" if principal.signed_in else "refused by a redirect to sign in"
            got = f"refused by {response.status_code} {response.get('Location', '')}".strip()
            mismatches.append(Mismatch(check.url, principal.name, check.target.what, expected, got))
        elif got == "allowed" and (shown := secrets_shown(principal, check, response)):
            mismatches += [
                Mismatch(check.url, principal.name, check.target.what, "not shown", f"shows {s!r}") for s in shown
            ]
        elif got != expected:
            got = f"{got} ({response.status_code})"
            mismatches.append(Mismatch(check.url, principal.name, check.target.what, expected, got))
    return mismatches, tally


def table(mismatches: list[Mismatch]) -> str:
    rows = [("url", "principal", "about", "expected", "got")]
    rows += [(m.url, m.principal, m.about, m.expected, m.got) for m in mismatches]
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)) for r in rows)


# --- the tests ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_view_added_without_a_line_in_the_policy_fails_saying_where_to_declare_it(world: World) -> None:
    with override_settings(ROOT_URLCONF="tests.security.urls_with_a_new_view"):
        _found, problems = checks(world)
    assert problems == [
        "brand-new-page (new-page/) has no expectation: declare who may open it in "
        "POLICY (or, for an admin model, ADMIN_MODELS) of tests/security/policy.py"
    ]


@pytest.mark.django_db
def test_every_url_has_a_declared_policy(world: World) -> None:
    _found, problems = checks(world)
    registered = {m._meta.label_lower for m in admin.site._registry}
    problems += [
        f"admin model {label} has no expectation: declare it in ADMIN_MODELS of tests/security/policy.py"
        for label in sorted(registered - set(ADMIN_MODELS))
    ]
    problems += [
        f"ADMIN_MODELS names {label}, which the admin no longer registers" for label in set(ADMIN_MODELS) - registered
    ]
    names = {r.name for r in routes()}
    problems += [f"POLICY names {name}, which the URLconf no longer has" for name in set(POLICY) - names]
    problems += [f"{name} is no longer in the URLconf" for name in ADMIN_EXTRA_URLS if name not in names]
    problems += [
        f"ASK_PUBLIC_PAGES names {n}, who is no principal" for n in ASK_PUBLIC_PAGES - {p.name for p in PRINCIPALS}
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
@pytest.mark.parametrize("principal", PRINCIPALS, ids=lambda p: p.name.replace(" ", "-"))
def test_each_principal_may_open_what_the_policy_says_and_nothing_else(principal: Principal, world: World) -> None:
    mismatches, tally = walk(principal, world)
    assert not mismatches, f"{len(mismatches)} answer(s) differ from tests/security/policy.py:\n" + table(mismatches)
    # The walk really asked: every principal is both let in somewhere and kept out somewhere.
    assert tally["allowed"] > 10 and tally["refused"] > 10, tally


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "expected"),
    [(None, "refused"), ("A", "allowed"), ("B", "refused"), ("A, revoked", "refused")],
    ids=["no key", "key of city A's application", "key of city B's application", "revoked key of city A"],
)
def test_posting_a_report_through_open311_needs_an_applications_key(
    world: World, key: str | None, expected: str
) -> None:
    lat, lng = INSIDE["independence"]
    data = {
        "jurisdiction_id": world.jurisdiction,
        "service_code": "trash",
        "lat": lat,
        "long": lng,
        "description": "A couch on the curb",
    }
    if key:
        data["api_key"] = world.api_keys[key]
    before = ServiceRequest.objects.count()
    response = Client().post(reverse("open311:requests", kwargs={"fmt": "json"}), data)
    got = "allowed" if response.status_code in (200, 201) else "refused"
    assert got == expected, (response.status_code, response.content)
    if got == "refused":
        # docs/open311.md: "A missing, unknown, revoked or other city's key is a 403."
        assert response.status_code == 403, response.status_code
        assert "api_key" in response.json()[0]["description"]
    assert ServiceRequest.objects.count() == before + (got == "allowed")


@pytest.mark.django_db
def test_a_city_administrator_reads_no_email_of_a_confidential_case_in_the_admin(world: World) -> None:
    # The matrix checks the pages of one message; the lists must leave them out as well.
    client = Client()
    client.force_login(world.users["city administrator of A"])
    for name in ("admin:notifications_outboxmessage_changelist", "admin:intake_inboundmessage_changelist"):
        page = client.get(reverse(name)).content.decode()
        assert WHISTLEBLOWER not in page, name
    assert RESIDENT in client.get(reverse("admin:notifications_outboxmessage_changelist")).content.decode()


def test_docs_security_shows_the_policy_as_it_is() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text(encoding="utf-8")
    assert markdown() in docs, (
        "docs/security.md ('Who may open what') differs from tests/security/policy.py: paste markdown() there"
    )


def test_the_outcome_classes() -> None:
    class Answer(dict):
        def __init__(self, status_code: int, location: str = "") -> None:
            super().__init__({"Location": location} if location else {})
            self.status_code = status_code

    assert outcome(Answer(200)) == "allowed"
    assert outcome(Answer(400)) == "allowed"
    assert outcome(Answer(302, "/console/")) == "allowed"
    assert outcome(Answer(302, "/console/login/?next=/console/")) == "refused"
    assert outcome(Answer(302, "/admin/login/?next=/admin/")) == "refused"
    assert outcome(Answer(403)) == outcome(Answer(404)) == "refused"
    assert outcome(Answer(500)) == "500 error"
