"""Reads the console's forms offer as choices: always the signed-in user's own city."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.signals import pre_save
from django.utils.translation import gettext

from civicdesk.accounts.models import Role, User
from civicdesk.cases.changes import moment_words
from civicdesk.cases.models import ServiceRequest
from civicdesk.cases.permissions import CITY_ROLES, STAFF_ROLES
from civicdesk.catalog.models import CannedResponse, Datatype, ServiceAttribute, ServiceType
from civicdesk.tenants import reference
from civicdesk.tenants.models import City, Department, District
from civicdesk.tenants.selectors import DistrictChoices, district_choices


def _city_id(user: User) -> int | None:
    if not user.is_authenticated or not user.is_active or user.role not in STAFF_ROLES:
        return None
    return user.city_id


def _works_confidential(user: User) -> bool:
    # Investigators work the confidential types only; everyone else never sees those.
    return user.role == Role.INVESTIGATOR


def service_types_for_staff(*, user: User) -> QuerySet[ServiceType]:
    """The city's types still offered, in the catalogue's order."""
    city_id = _city_id(user)
    if city_id is None:
        return ServiceType.objects.none()
    return (
        ServiceType.objects.filter(city_id=city_id, active=True, is_confidential=_works_confidential(user))
        .select_related("department")
        .order_by("group", "sort_order", "name")
    )


def service_types_for_new_case(*, user: User) -> QuerySet[ServiceType]:
    """The types a case is entered as on the new-case form: ``service_types_for_staff``
    without email intake's triage type ("Needs triage", settings.INTAKE_TRIAGE_SERVICE_CODE),
    which is where intake files what it could not read, not a problem a caller reports.
    "Other / not sure", which residents choose too, stays."""
    return service_types_for_staff(user=user).exclude(code=settings.INTAKE_TRIAGE_SERVICE_CODE)


def grouped_service_types(*, user: User) -> list[tuple[str, list[ServiceType]]]:
    """The city's types grouped as the catalogue groups them, for an <optgroup> list (with
    their departments; kept per process until the city's types change, tenants/reference.py)."""

    def build() -> list[tuple[str, list[ServiceType]]]:
        types = service_types_for_staff(user=user)
        return [(group or "", list(rows)) for group, rows in groupby(types, lambda t: t.group)]

    return _kept(user, f"types:{_works_confidential(user)}", build)


def grouped_service_type_names(*, user: User, new_case: bool = False) -> list[tuple[str, list[tuple[int, str]]]]:
    """``grouped_service_types`` as (pk, name) pairs: what a <select> shows, read without
    the types' questions, texts and departments (the case list's filter, on every visit; kept
    per process until the city's types change, tenants/reference.py). ``new_case``: the
    types of ``service_types_for_new_case``, which the new-case form offers."""

    def build() -> list[tuple[str, list[tuple[int, str]]]]:
        types = service_types_for_new_case(user=user) if new_case else service_types_for_staff(user=user)
        rows = types.values_list("group", "pk", "name")
        return [
            (group or "", [(pk, name) for _group, pk, name in rows]) for group, rows in groupby(rows, lambda r: r[0])
        ]

    return _kept(user, f"type-names:{_works_confidential(user)}:{new_case}", build)


def retired_type_names_with_cases(*, user: User) -> list[tuple[int, str]]:
    """The city's retired types that still have cases, as (pk, name): the case list's filter
    offers them, so that old cases of a retired type can still be listed (kept per process
    until the city's types change)."""

    def build() -> list[tuple[int, str]]:
        city_id = _city_id(user)
        if city_id is None:
            return []
        rows = (
            ServiceType.objects.filter(city_id=city_id, active=False, is_confidential=_works_confidential(user))
            .filter(Exists(ServiceRequest.objects.filter(service_type_id=OuterRef("pk"))))
            .order_by("name")
            .values_list("pk", "name")
        )
        return list(rows)

    return _kept(user, f"retired-type-names:{_works_confidential(user)}", build)


def _kept(user: User, kind: str, build: Any) -> Any:
    """``build()``, kept per process while the user's city's lists are unchanged (when the
    request has the city in hand; tenants/reference.py)."""
    # Only staff: anyone else's build() is empty, and would be kept for the city's staff.
    return reference.kept_for_city_of(user, kind, build) if _city_id(user) is not None else build()


def assignable_staff(*, user: User) -> QuerySet[User]:
    """Active staff of the user's city who can be given a case (investigators give
    confidential cases to investigators only)."""
    city_id = _city_id(user)
    if city_id is None:
        return User.objects.none()
    roles = {Role.INVESTIGATOR} if _works_confidential(user) else CITY_ROLES
    return (
        User.objects.filter(city_id=city_id, is_active=True, role__in=roles)
        .select_related("department")
        .order_by("last_name", "first_name", "username")
    )


def assignable_staff_list(*, user: User) -> list[User]:
    """``assignable_staff`` as a list, kept per process until the city's staff change (the
    case list's bulk assignment, on every visit). Shown, never changed: the rows are shared by
    the process's pages."""
    return _kept(user, f"staff:{_works_confidential(user)}", lambda: list(assignable_staff(user=user)))


def department_list(*, user: User) -> list[Department]:
    """``departments_for_staff`` as a list, kept per process until the city's departments change."""
    return _kept(user, "departments", lambda: list(departments_for_staff(user=user)))


def district_names(*, user: User) -> DistrictChoices:
    """The city's districts as (pk, name) for the case list's filter: the current map's in its
    order, then the retired ones (``tenants.selectors.district_choices``), kept per process
    until they change."""
    return _kept(user, "district-names", lambda: district_choices(districts_for_staff(user=user)))


# Saves of a user that change nothing a staff list shows: each sign-in writes last_login.
_UNSHOWN_USER_FIELDS = frozenset({"last_login", "password"})


def _unshown(user: User, update_fields: Any) -> bool:
    return update_fields is not None and set(update_fields) <= _UNSHOWN_USER_FIELDS


def _city_before(sender: Any, instance: User, update_fields: Any = None, **kwargs: Any) -> None:
    """A staff member moved to another city leaves their old city's lists too."""
    if instance._state.adding or instance.pk is None or _unshown(instance, update_fields):
        return
    instance._reference_city_before = (  # type: ignore[attr-defined]
        User.objects.filter(pk=instance.pk).values_list("city_id", flat=True).first()
    )


def watch_staff() -> None:
    """Connected once (ConsoleConfig.ready): a staff member saved or deleted moves their
    city's reference version (tenants/reference.py), and their old city's when they moved."""
    pre_save.connect(_city_before, sender=User, dispatch_uid="reference-user-city-before")
    reference.watch(
        User,
        lambda user: [user.city_id, getattr(user, "_reference_city_before", None)],
        skip=_unshown,
    )


def departments_for_staff(*, user: User) -> QuerySet[Department]:
    city_id = _city_id(user)
    if city_id is None:
        return Department.objects.none()
    return Department.objects.filter(city_id=city_id, active=True).order_by("name")


def districts_for_staff(*, user: User) -> QuerySet[District]:
    city_id = _city_id(user)
    if city_id is None:
        return District.objects.none()
    return District.objects.filter(city_id=city_id).defer("boundary").order_by("number", "name")


def canned_response_list(*, case: ServiceRequest) -> list[CannedResponse]:
    """Closing notes offered for a case: its type's own, then the city's general ones, each
    by title. Made from the city's closing notes, kept per process until they change (every
    case page offers them; tenants/reference.py). Shown, never changed: the rows are shared by
    the process's pages."""

    def build() -> list[CannedResponse]:
        return list(CannedResponse.objects.filter(city_id=case.city_id).order_by("title", "pk"))

    every = reference.kept_for_city_of(case, "canned", build)
    return [c for c in every if c.service_type_id == case.service_type_id] + [
        c for c in every if c.service_type_id is None
    ]


def canned_response_chosen(*, case: ServiceRequest, typed: str) -> CannedResponse | None:
    """The closing note offered for ``case`` whose id was sent (``typed``), or None."""
    return next((c for c in canned_response_list(case=case) if str(c.pk) == typed.strip()), None)


def watch_canned_responses() -> None:
    """Connected once (ConsoleConfig.ready): a closing note saved or deleted moves its city's
    reference version, so every process offers the new list on its next case page."""
    reference.watch(CannedResponse, lambda canned: [canned.city_id])


@dataclass(frozen=True)
class ShownAnswer:
    code: str  # the question's code, as stored with the case
    question: str
    answer: str
    # The answer is the city's words (a choice's name), not what the resident typed or a
    # date the page writes: on a Spanish page it is marked as the city's English.
    is_choice: bool = False
    # The answer is what the resident typed (a short or long text, or an answer to a question
    # the type no longer asks): marked with its own language where it is clearly another.
    is_typed: bool = False


# A city's questions by type: type id → {code: (question, datatype, {choice key: name})}.
_Questions = dict[int, dict[str, tuple[str, str, dict[str, str]]]]


def answers_shown(*, case: ServiceRequest) -> list[ShownAnswer]:
    """The case's answers to its type's questions as the resident read them: the question's
    words, a choice by its name (several joined by commas), a date and time as the page
    shows one; in the type's order of questions. An answer to a question the type does not
    ask (the case's type was changed, or the question removed) reads as the city's other types
    ask it, when those that ask it agree on its words ("How big is it?" and "Larger than a
    plate", not "size" and "large"), else by its code, as stored, after the type's own. The
    city's questions are kept per process until its catalogue changes (tenants/reference.py);
    a case without answers reads nothing."""
    answers = case.attributes or {}
    if not answers:
        return []

    def build() -> _Questions:
        questions: _Questions = {}
        rows = (
            ServiceAttribute.objects.filter(service_type__city_id=case.city_id, variable=True)
            .order_by("service_type_id", "order", "code")
            .values_list("service_type_id", "code", "question", "datatype", "values")
        )
        for type_id, code, question, datatype, values in rows:
            names = {str(v.get("key")): str(v.get("name") or v.get("key")) for v in values or [] if isinstance(v, dict)}
            questions.setdefault(type_id, {})[code] = (question, datatype, names)
        return questions

    questions = reference.kept_for_city_of(case, "questions", build)
    asked = questions.get(case.service_type_id, {})

    def shown_answer(code: str, question: str, datatype: str, names: dict[str, str]) -> ShownAnswer:
        return ShownAnswer(
            code,
            question,
            _answer_words(answers[code], datatype, names),
            is_choice=datatype in (Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST),
            is_typed=datatype in (Datatype.STRING, Datatype.TEXT),
        )

    shown = [shown_answer(code, *asked[code]) for code in asked if code in answers]
    for code in answers:
        if code in asked:
            continue
        # Asked by another of the city's types (the case's type before a change): its words,
        # if every type asking it means the same; a code two types use differently stays a code.
        elsewhere = [their[code] for their in questions.values() if code in their]
        meanings = {(question, datatype, tuple(sorted(names.items()))) for question, datatype, names in elsewhere}
        if len(meanings) == 1:
            shown.append(shown_answer(code, *elsewhere[0]))
        else:
            shown.append(ShownAnswer(code, code, _answer_words(answers[code], "", {}), is_typed=True))
    return shown


def _answer_words(value: Any, datatype: str, names: dict[str, str]) -> str:
    values = value if isinstance(value, list) else [value]
    if datatype in (Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST):
        return ", ".join(names.get(str(v), str(v)) for v in values)
    if datatype == Datatype.DATETIME and isinstance(value, str):
        return moment_words(value, gettext("N j, Y, P")) or value
    return ", ".join(str(v) for v in values)


# --- across member cities ----------------------------------------------------------------


def transfer_cities_for(*, case: ServiceRequest) -> QuerySet[City]:
    """The other member cities of the case's collaborative: where it may be handed."""
    return (
        City.objects.defer("boundary").filter(region_id=case.city.region_id).exclude(pk=case.city_id).order_by("name")
    )


def transfer_city_choices(*, case: ServiceRequest) -> list[tuple[int, str]]:
    """``transfer_cities_for`` as (pk, name), what the case page's <select> lists: kept per
    process until a city of the collaborative is saved (tenants/apps.py watches them)."""
    return reference.kept_for_city_of(
        case, "transfer-cities", lambda: list(transfer_cities_for(case=case).values_list("pk", "name"))
    )


def agreement_types_for(*, user: User) -> QuerySet[ServiceType]:
    """The user's city's types it may ask another member city to work."""
    city_id = _city_id(user)
    if city_id is None:
        return ServiceType.objects.none()
    return ServiceType.objects.filter(city_id=city_id, active=True).order_by("name")


def agreement_departments_for(*, user: User) -> QuerySet[Department]:
    """Active departments of the other member cities of the user's collaborative."""
    city_id = _city_id(user)
    if city_id is None or user.city is None:
        return Department.objects.none()
    return (
        Department.objects.filter(active=True, city__region_id=user.city.region_id)
        .exclude(city_id=city_id)
        .select_related("city")
        .defer("city__boundary")
        .order_by("city__name", "name")
    )
