"""Expected dates put in front of people: the acknowledgement email (English and Spanish), the
tracking page, the factors the console shows, and the prediction at intake (before the city's
number lock, never breaking a report)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import DatabaseError, OperationalError, connection, transaction
from django.db.transaction import TransactionManagementError
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.dateparse import parse_datetime

from civicdesk.accounts.models import Role, User
from civicdesk.cases import services as case_services
from civicdesk.cases import signals
from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.core import clock, unavailable
from civicdesk.expected import selectors
from civicdesk.expected.models import ExpectedModel, ModelStatus
from civicdesk.expected.selectors import Factor
from civicdesk.expected.templatetags.expected_words import expected_sentence, factor_sentence, local_day
from civicdesk.notifications.models import OutboxMessage
from civicdesk.tenants.models import City
from tests.conftest import INSIDE
from tests.expected.conftest import NOW
from tests.expected.helpers import grow_backlog, trained_city

pytestmark = pytest.mark.django_db


def _flat(text: str) -> str:
    """The email's words, its lines unfolded (the plain text is wrapped at 78 columns)."""
    return " ".join(text.split())


def _acknowledgement(case: ServiceRequest) -> OutboxMessage:
    return OutboxMessage.objects.get(case_id=case.pk, kind="case_created")


def _file(city: City, service_type: ServiceType, *, at: dt.datetime = NOW, **kw: Any) -> ServiceRequest:
    lat, lng = INSIDE[city.slug]
    with clock.frozen_at(at):
        return case_services.case_create(
            service_type=service_type, lat=lat, lng=lng, description="Deep hole", reporter_email="r@example.org", **kw
        )


def test_the_acknowledgement_gives_the_usual_time_and_the_80_percent_date_in_english_and_spanish(
    independence: City, make_service_type: Callable[..., ServiceType]
) -> None:
    types = trained_city(independence, make_service_type, now=NOW)
    english = _file(independence, types["tree"], language="en")
    expectation = selectors.expected_for(english, now=english.opened_at)
    # A minute later: the English report is in the queue it joins (as the estimate counts it).
    spanish = _file(independence, types["tree"], language="es", at=NOW + dt.timedelta(minutes=1))
    assert not expectation.is_fallback and expectation.p80_at is not None and expectation.median_at is not None
    days = -(-(expectation.median_at - english.opened_at).total_seconds() // 86400)
    with translation.override("en"):
        p80 = local_day(expectation.p80_at, independence)
    body = _flat(_acknowledgement(english).body_text)
    assert f"Usually within {int(days)} days; 8 in 10 are closed by {p80}." in body
    assert "We aim to deal with it by" not in body
    assert f"8 in 10 are closed by {p80}" in _acknowledgement(english).body_html
    # The Spanish report came in behind the English one: its own estimate, in Spanish words.
    expectation = selectors.expected_for(spanish, now=spanish.opened_at)
    assert expectation.p80_at is not None and expectation.median_at is not None
    days = -(-(expectation.median_at - spanish.opened_at).total_seconds() // 86400)
    with translation.override("es"):
        p80_es = local_day(expectation.p80_at, independence)
    body_es = _flat(_acknowledgement(spanish).body_text)
    assert f"Normalmente en un plazo de {int(days)} días; 8 de cada 10 se cierran a más tardar el {p80_es}." in body_es
    # The day is the city's: the 80% date in Independence, not in UTC.
    assert p80_es.split()[1] == str(expectation.p80_at.astimezone(independence.tz).day)


def test_a_type_with_no_history_is_given_its_target_and_told_why(
    independence: City, make_service_type: Callable[..., ServiceType]
) -> None:
    trained_city(independence, make_service_type, now=NOW)
    graffiti = make_service_type(independence, "graffiti", name="Graffiti", target_days=7)
    case = _file(independence, graffiti, language="en")
    expectation = selectors.expected_for(case, now=NOW)
    assert expectation.is_fallback and expectation.fallback_reason == selectors.FallbackReason.THIN_TYPE
    with translation.override("en"):
        due = local_day(case.due_at, independence, with_year=True)
    wording = f"We aim to deal with it by {due}, the target for this type (not enough history yet to estimate)."
    assert wording in _flat(_acknowledgement(case).body_text)
    spanish = _file(independence, graffiti, language="es")
    assert "(aún no hay suficiente historial para estimarlo)" in _flat(_acknowledgement(spanish).body_text)


def test_the_tracking_page_of_a_case_in_a_city_with_no_model_gives_the_target_and_says_why(
    raytown: City, make_service_type: Callable[..., ServiceType], client: Client
) -> None:
    leak = make_service_type(raytown, "leak", name="Water leak", target_days=4)
    case = _file(raytown, leak, language="en")
    with clock.frozen_at(NOW):
        page = client.get(reverse("portal:track", args=[case.tracking_token]), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    with translation.override("en"):
        due = local_day(case.due_at, raytown, with_year=True)
    assert f"We aim to deal with it by {due}, the target for this type (not enough history yet to estimate)." in text
    assert 'data-expected="target"' in text
    assert "the target for this type" in _flat(_acknowledgement(case).body_text)


def test_the_tracking_page_gives_the_estimate_and_a_closed_case_none(
    independence: City, make_service_type: Callable[..., ServiceType], client: Client
) -> None:
    types = trained_city(independence, make_service_type, now=NOW)
    case = _file(independence, types["pothole"], language="es")
    with clock.frozen_at(NOW):
        expectation = selectors.expected_for(case)
        with translation.override("es"):
            sentence = expected_sentence(expectation, case)
        page = client.get(reverse("portal:track", args=[case.tracking_token]), HTTP_ACCEPT_LANGUAGE="es")
    assert sentence.startswith("Normalmente en un plazo de") and sentence in page.content.decode()
    assert 'data-expected="estimate"' in page.content.decode()
    [closed] = ServiceRequest.objects.filter(city=independence, closed_at__isnull=False)[:1]
    public = client.get(reverse("portal:case", args=[independence.slug, closed.number]))
    assert "data-expected" not in public.content.decode()


def test_factors_name_the_departments_backlog_now_against_its_usual(
    independence: City, make_service_type: Callable[..., ServiceType]
) -> None:
    """A pothole reported before the crew's queue grew: its page names the backlog as it is now."""
    types = trained_city(independence, make_service_type, now=NOW)
    pothole = types["pothole"]
    early = _file(independence, pothole)
    before = [f for f in selectors.expected_factors(early, now=NOW) if f.feature == "backlog"]
    assert not before or (before[0].backlog_ratio or 0) < 2
    grow_backlog(pothole, now=NOW, count=60)
    [backlog] = [f for f in selectors.expected_factors(early, now=NOW) if f.feature == "backlog"]
    assert backlog.label == pothole.department.name and (backlog.backlog_ratio or 0) > 2 and backlog.effect > 1.1
    with translation.override("en"):
        assert factor_sentence(backlog).startswith(f"Backlog in {pothole.department.name} is ")
    factors = selectors.expected_factors(early, now=NOW)
    assert len(factors) <= selectors.MAX_FACTORS
    assert all(abs(f.effect - 1) >= selectors.FACTOR_MIN_EFFECT for f in factors)
    # A type with no history has a fallback date: nothing moved it.
    graffiti = make_service_type(independence, "graffiti", target_days=7)
    assert selectors.expected_factors(_file(independence, graffiti), now=NOW) == ()


@pytest.mark.parametrize(
    ("factor", "english", "spanish"),
    [
        (
            Factor("backlog", "MS-STREET MAINTENANCE", 1.42, 2.05),
            "Backlog in MS-STREET MAINTENANCE is twice the usual, usually slower (about 42% longer)",
            "La carga pendiente de MS-STREET MAINTENANCE es el doble de lo habitual, suele tardar más (alrededor de un 42% más)",
        ),
        (
            Factor("backlog", "Streets", 3.04, 20.3),
            "Backlog in Streets is 20 times the usual, usually slower (about 3.0 times as long)",
            "La carga pendiente de Streets es 20 veces lo habitual, suele tardar más (alrededor de 3.0 veces más)",
        ),
        (
            Factor("month", "12", 1.3),
            "Opened in December, usually slower (about 30% longer)",
            "Abierto en diciembre, suele tardar más (alrededor de un 30% más)",
        ),
        (
            Factor("weekday", "4", 0.8),
            "Opened on a Friday, usually faster (about 20% shorter)",
            "Abierto un viernes, suele tardar menos (alrededor de un 20% menos)",
        ),
    ],
)
def test_factors_in_plain_words(factor: Factor, english: str, spanish: str) -> None:
    with translation.override("en"):
        assert factor_sentence(factor) == english
    with translation.override("es"):
        assert factor_sentence(factor) == spanish


def test_the_estimate_is_made_before_the_citys_number_is_taken(
    independence: City, make_service_type: Callable[..., ServiceType]
) -> None:
    """The prediction reads other rows; made under the city's number lock, it would hold up
    every other report of the city. It runs when the case is routed, before the number."""
    types = trained_city(independence, make_service_type, now=NOW)
    seen: list[tuple[int, dict[str, Any]]] = []

    def after_expected(sender: Any, *, route: Any, **kwargs: Any) -> None:
        # The next number as the database has it while the routing receivers run.
        seen.append((City.objects.values_list("next_case_number", flat=True).get(pk=route.city.pk), kwargs))

    created: list[dict[str, Any]] = []

    def on_created(sender: Any, *, case: ServiceRequest, intake: dict[str, Any], **kwargs: Any) -> None:
        created.append(intake)

    signals.case_routing.connect(after_expected, sender=ServiceRequest, dispatch_uid="test-after-expected")
    signals.case_created.connect(on_created, sender=ServiceRequest, dispatch_uid="test-on-created")
    try:
        case = _file(independence, types["tree"])
    finally:
        signals.case_routing.disconnect(dispatch_uid="test-after-expected", sender=ServiceRequest)
        signals.case_created.disconnect(dispatch_uid="test-on-created", sender=ServiceRequest)
    assert seen[0][0] == case.number  # not yet taken: the lock was not yet held
    [intake] = created
    assert not intake["expected"].is_fallback and intake["expected"].median_at is not None


def test_a_broken_model_never_breaks_a_report(
    independence: City,
    make_service_type: Callable[..., ServiceType],
    make_staff: Callable[..., User],
    caplog: Any,
) -> None:
    """A model row whose parameters cannot be read (written by hand, or by another version):
    the report is filed all the same, the acknowledgement gives the type's target as before
    there were estimates, and so do the case's pages, the likely-late queue and Open311, where
    such a row once answered with a server error (CI, 2026-12-07)."""
    leak = make_service_type(independence, "leak", name="Water leak", target_days=4)
    ExpectedModel.objects.create(
        city=independence,
        status=ModelStatus.CURRENT,
        kind="loglogistic",
        trained_at=NOW,
        window_start=NOW - dt.timedelta(days=400),
        window_end=NOW,
        holdout_start=NOW - dt.timedelta(days=91),
        cases=0,
        closed_cases=0,
        open_cases=0,
        params={"kind": "loglogistic"},  # no coefficients, no types, no version
    )
    case = _file(independence, leak, language="en")
    assert ServiceRequest.objects.filter(pk=case.pk).exists()
    body = _acknowledgement(case).body_text
    assert "We aim to deal with it by" in body and "Usually within" not in body
    assert "cannot be read" in caplog.text

    client = Client()
    with clock.frozen_at(NOW):
        tracking = client.get(reverse("portal:track", args=[case.tracking_token]), HTTP_ACCEPT_LANGUAGE="en")
        public = client.get(reverse("portal:case", args=[independence.slug, case.number]))
        api = client.get(
            f"/open311/v2/requests/{case.reference}.json", {"jurisdiction_id": independence.jurisdiction_id}
        )
        client.force_login(make_staff(independence, Role.SUPERVISOR))
        console = client.get(reverse("console:case", args=[independence.slug, case.number]))
        queue = client.get(reverse("console:likely_late"))
    assert [r.status_code for r in (tracking, public, api, console, queue)] == [200] * 5
    assert 'data-expected="target"' in tracking.content.decode()
    # Open311's expected_datetime is the type's target, as for a city with no model.
    expected = parse_datetime(api.json()[0]["expected_datetime"])
    assert case.due_at is not None and expected == case.due_at.replace(microsecond=0)


def test_an_estimate_that_spoils_the_reports_transaction_fails_the_report_with_its_own_error(
    independence: City, make_service_type: Callable[..., ServiceType], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed estimate is ignored only while the report's transaction can go on: when its
    savepoint cannot be rolled back (what a session lost in a database restart looks like,
    if the driver has not yet noticed the loss), the report fails with the estimate's error,
    never carries on into "an error occurred in the current transaction" (a 500 where the
    database's error is a 503), and nothing of it is kept."""
    types = trained_city(independence, make_service_type, now=NOW)

    def savepoint_gone(**kwargs: Any) -> Any:
        with connection.cursor() as cursor:
            cursor.execute(connection.ops.savepoint_commit_sql(connection.savepoint_ids[-1]))
            cursor.execute("SELECT * FROM no_table_of_the_estimate")
        raise AssertionError("the query above fails")

    monkeypatch.setattr(selectors, "expected_for_new", savepoint_gone)
    before = ServiceRequest.objects.count()
    # The report's transaction, as Open311 and the portal file it (with rows of their own).
    with pytest.raises(DatabaseError) as raised, transaction.atomic():
        _file(independence, types["tree"])
    assert not isinstance(raised.value, TransactionManagementError), raised.value
    assert "no_table_of_the_estimate" in str(raised.value)
    assert ServiceRequest.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_a_connection_lost_while_estimating_fails_the_report_as_the_database_being_unreachable(
    independence: City, make_service_type: Callable[..., ServiceType], monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL restarts while the estimate's query runs. A report filed in a transaction of
    its caller's (Open311's, the portal's, with rows of their own) cannot be saved then: it
    must fail with the database's own error (which Open311 and the pages answer with a 503
    and "try again"), not be carried on into "an error occurred in the current transaction"
    (a 500, seen once in tests/ops/test_faults.py's restart), and nothing of it is kept.
    Filed on its own (the console's new case), the estimate's reads had a transaction of
    their own: only the estimate is lost, and the report is filed on a new session once the
    database answers again, its acknowledgement giving the type's target."""
    if connection.vendor != "postgresql":
        pytest.skip("a connection to SQLite, a file in the process, cannot be lost")
    types = trained_city(independence, make_service_type, now=NOW)

    def connection_lost(**kwargs: Any) -> Any:
        with connection.cursor() as cursor:
            # What a restart does to every session: the server ends this one.
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        raise AssertionError("the session outlived its termination")

    monkeypatch.setattr(selectors, "expected_for_new", connection_lost)
    before = ServiceRequest.objects.count()
    try:
        with pytest.raises(OperationalError) as raised, transaction.atomic():
            _file(independence, types["tree"])
    finally:
        connection.close()  # the next query opens a new session
    assert unavailable.is_database_unavailable(raised.value)
    assert ServiceRequest.objects.count() == before

    case = _file(independence, types["tree"], language="en")
    assert ServiceRequest.objects.count() == before + 1
    assert "We aim to deal with it by" in _acknowledgement(case).body_text


def test_a_report_answered_from_the_kept_model_and_backlog_opens_no_savepoint(
    independence: City, make_service_type: Callable[..., ServiceType], settings: Any
) -> None:
    """The first report reads the model and counts the department's backlog inside a
    savepoint (a failed query must not spoil the report). The next, within
    EXPECTED_BACKLOG_SECONDS, is dated from what the process keeps: no query, no savepoint,
    and the same estimate as the first."""
    settings.EXPECTED_BACKLOG_SECONDS = 60
    types = trained_city(independence, make_service_type, now=NOW)
    selectors.forget_backlogs()

    def filed() -> tuple[list[str], dict[str, Any]]:
        created: list[dict[str, Any]] = []

        def on_created(sender: Any, case: ServiceRequest, intake: dict[str, Any], **kw: Any) -> None:
            created.append(intake)

        signals.case_created.connect(on_created, sender=ServiceRequest, dispatch_uid="test-kept")
        try:
            with CaptureQueriesContext(connection) as queries:
                _file(independence, types["tree"])
        finally:
            signals.case_created.disconnect(dispatch_uid="test-kept", sender=ServiceRequest)
        return [q["sql"] for q in queries.captured_queries], created[0]

    try:
        first_sql, first = filed()
        second_sql, second = filed()
    finally:
        selectors.forget_backlogs()
    savepoints = [sql for sql in first_sql if sql.startswith("SAVEPOINT")]
    # The first: the estimate's around its reads (case_create opens none of its own).
    assert len(savepoints) == 1 and any("expectedmodel" in sql for sql in first_sql)
    assert not [sql for sql in second_sql if sql.startswith("SAVEPOINT")]
    assert not any("expectedmodel" in sql for sql in second_sql)

    def backlog_counts(sql: list[str]) -> int:
        return len([q for q in sql if q.startswith("SELECT COUNT(") and "cases_servicerequest" in q])

    assert backlog_counts(first_sql) == 1 and backlog_counts(second_sql) == 0
    assert not first["expected"].is_fallback
    assert second["expected"].median_at == first["expected"].median_at
