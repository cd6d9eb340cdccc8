"""Training, storing and replacing a city's model; predictions and their fallback."""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command

from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.expected import selectors, services, survival
from civicdesk.expected.models import ExpectedModel, ModelStatus
from civicdesk.expected.tasks import expected_train_nightly, next_run
from civicdesk.tenants.models import City
from tests.expected.conftest import NOW
from tests.expected.helpers import run_ready_tasks

pytestmark = pytest.mark.django_db


def test_training_stores_the_window_size_figures_and_json_parameters(
    independence: City, history: dict[str, ServiceType]
) -> None:
    result = services.expected_model_train(city=independence, now=NOW)
    model = result.model
    assert result.replaced and model is not None and model.status == ModelStatus.CURRENT
    assert model.cases == 500 and model.open_cases > 0 and model.closed_cases + model.open_cases == 500
    assert model.window_end == NOW and model.window_start < model.holdout_start < NOW
    figures = model.evaluation["model"]
    assert 0.6 < figures["coverage80"] < 0.95 and figures["c_index"] > 0.7
    assert model.params["kind"] == "loglogistic" and "pothole" in model.params["type_cases"]
    model.refresh_from_db()  # read back from the database: plain JSON, nothing pickled
    assert isinstance(model.params["coefficients"], dict)


def test_expected_dates_for_an_open_case(independence: City, history: dict[str, ServiceType], add_cases: Any) -> None:
    services.expected_model_train(city=independence, now=NOW)
    [case] = add_cases(history["tree"], [NOW - dt.timedelta(hours=1)], [None])
    expectation = selectors.expected_for(case, now=NOW)
    assert not expectation.is_fallback and expectation.model_id is not None
    assert expectation.median_at is not None and expectation.p80_at is not None
    assert NOW + dt.timedelta(days=8) < expectation.median_at < expectation.p80_at
    assert expectation.p_late is not None and 0.0 < expectation.p_late < 0.5  # due in 30 days
    for factor in expectation.factors:
        assert factor.feature in ("backlog", "department", "district", "channel", "month", "weekday")
    # Still open long after its usual time: the date moves on, the chance of lateness grows.
    later = selectors.expected_for(case, now=NOW + dt.timedelta(days=25))
    assert later.median_at is not None and later.median_at > NOW + dt.timedelta(days=25)
    assert later.p_late is not None and later.p_late > expectation.p_late


def test_a_type_with_no_history_falls_back_to_its_target(
    independence: City, history: dict[str, ServiceType], make_service_type: Callable[..., ServiceType], add_cases: Any
) -> None:
    services.expected_model_train(city=independence, now=NOW)
    graffiti = make_service_type(independence, "graffiti", target_days=7)
    [case] = add_cases(graffiti, [NOW], [None])
    expectation = selectors.expected_for(case, now=NOW)
    assert expectation.is_fallback and expectation.fallback_reason == selectors.FallbackReason.THIN_TYPE
    assert expectation.median_at == expectation.p80_at == case.due_at == NOW + dt.timedelta(days=7)
    assert expectation.p_late is None and expectation.factors == ()


def test_a_city_with_too_little_history_has_no_model_and_falls_back(
    raytown: City, make_service_type: Callable[..., ServiceType], add_cases: Any
) -> None:
    leak = make_service_type(raytown, "leak", target_days=2)
    add_cases(leak, [NOW - dt.timedelta(days=d) for d in range(1, 40)], [1.0] * 39)
    result = services.expected_model_train(city=raytown, now=NOW)
    assert result.model is None and "too little history" in result.reason
    assert not ExpectedModel.objects.filter(city=raytown).exists()
    [case] = add_cases(leak, [NOW], [None])
    expectation = selectors.expected_for(case, now=NOW)
    assert expectation.is_fallback and expectation.fallback_reason == selectors.FallbackReason.NO_MODEL
    assert expectation.median_at == NOW + dt.timedelta(days=2)


def test_a_worse_model_does_not_replace_the_one_in_use(independence: City, history: dict[str, ServiceType]) -> None:
    first = services.expected_model_train(city=independence, now=NOW).model
    assert first is not None
    # A penalty so heavy that every coefficient is nearly zero: one date for potholes and trees.
    worse = services.expected_model_train(city=independence, now=NOW, penalizer=1000.0)
    assert not worse.replaced and worse.model is not None and worse.model.status == ModelStatus.REJECTED
    assert worse.model.comparison["model_id"] == first.pk
    first.refresh_from_db()
    assert first.status == ModelStatus.CURRENT


def test_a_model_not_worse_replaces_the_one_in_use(independence: City, history: dict[str, ServiceType]) -> None:
    first = services.expected_model_train(city=independence, now=NOW).model
    assert first is not None
    # The model in use has gone wrong (every date ten times too far): the new one replaces it.
    params = dict(first.params)
    params["intercept"] += 2.3
    ExpectedModel.objects.filter(pk=first.pk).update(params=params)
    second = services.expected_model_train(city=independence, now=NOW)
    assert second.replaced and second.model is not None and second.model.status == ModelStatus.CURRENT
    first.refresh_from_db()
    assert first.status == ModelStatus.RETIRED
    assert ExpectedModel.objects.filter(city=independence, status=ModelStatus.CURRENT).count() == 1


def new_tree_case(city: City, history: dict[str, ServiceType]) -> dict[str, Any]:
    """``expected_for_new``'s arguments for a tree case reported on the web now, due in 30 days."""
    tree = history["tree"]
    return {
        "city": city,
        "service_type": tree,
        "department_id": tree.department_id,
        "district_id": None,
        "channel": "web",
        "opened_at": NOW,
        "due_at": NOW + dt.timedelta(days=30),
    }


def test_prediction_for_a_new_case_is_one_query_and_under_5_ms_of_arithmetic(
    independence: City, history: dict[str, ServiceType], django_assert_num_queries: Any
) -> None:
    services.expected_model_train(city=independence, now=NOW)
    kwargs = new_tree_case(independence, history)
    selectors.expected_for_new(**kwargs)  # the model is read from the database once, here
    with django_assert_num_queries(1):  # the department's open backlog, on its index
        expectation = selectors.expected_for_new(**kwargs)
    assert not expectation.is_fallback and expectation.median_at is not None
    # All that is not that query: the model's parameters to a median, an 80% date and p_late.
    _pk, params = selectors.current_model(independence.pk)
    assert params is not None
    case = survival.Case("tree", str(kwargs["service_type"].department_id), "", "web", 6, 0, 4)
    timings = []
    for _ in range(200):
        started = time.perf_counter()
        dist, _factors = survival.distribution(params, case)
        dist.quantile(0.5), dist.quantile(0.8), dist.p_late(30.0)
        timings.append(time.perf_counter() - started)
    assert statistics.median(timings) < 0.005


def test_commands_train_and_evaluate(independence: City, history: dict[str, ServiceType], capsys: Any) -> None:
    from civicdesk.core import clock

    with clock.frozen_at(NOW):
        call_command("expected_train", "--city", independence.slug)
        assert "in use" in capsys.readouterr().out
        call_command("expected_evaluate", "--city", independence.slug, "--test-days", "120")
    out = capsys.readouterr().out
    assert '"coverage80"' in out and '"baseline_type_median"' in out and '"c_index"' in out


def test_the_nightly_task_trains_every_city_and_queues_the_next_night(
    independence: City, history: dict[str, ServiceType]
) -> None:
    from civicdesk.core import clock

    with clock.frozen_at(NOW):
        results = expected_train_nightly.call()
    assert results["independence"] == "in use"
    assert "too little history" in results["raytown"]
    assert next_run(dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)) == dt.datetime(2026, 6, 2, 8, 0, tzinfo=dt.UTC)
    assert next_run(dt.datetime(2026, 6, 1, 7, 0, tzinfo=dt.UTC)) == dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)


def test_likely_late_lists_the_cases_caught_in_a_growing_backlog(
    independence: City, history: dict[str, ServiceType], add_cases: Any
) -> None:
    """The pothole crew's queue grows: cases that came in behind sixty others are the likely
    late ones, most likely first; a tree case due in a month is not listed."""
    pothole, tree = history["pothole"], history["tree"]
    # In the history, three surges: the potholes reported then took about 12 days, not 2.
    for surge_day in (600, 400, 200):
        start = NOW - dt.timedelta(days=surge_day)
        add_cases(pothole, [start + dt.timedelta(minutes=10 * i) for i in range(60)], [12.0 + i % 5 for i in range(60)])
    services.expected_model_train(city=independence, now=NOW)
    backlog = add_cases(pothole, [NOW - dt.timedelta(hours=5, minutes=-i) for i in range(60)], [None] * 60)
    [calm_tree] = add_cases(tree, [NOW - dt.timedelta(hours=1)], [None])
    listed = selectors.likely_late(independence, 0.5, now=NOW)
    ids = [case.pk for case, _ in listed]
    assert calm_tree.pk not in ids
    assert backlog[-1].pk in ids  # came in behind 59 others
    probabilities = [e.p_late for _, e in listed]
    assert probabilities == sorted(probabilities, reverse=True)
    assert all(p is not None and p > 0.5 for p in probabilities)
    # The case's own page names the backlog as what moved its date.
    expectation = selectors.expected_for(ServiceRequest.objects.get(pk=backlog[-1].pk), now=NOW)
    backlog_factor = [f for f in expectation.factors if f.feature == "backlog"]
    assert backlog_factor and backlog_factor[0].effect > 1.1 and (backlog_factor[0].backlog_ratio or 0) > 2
    assert backlog_factor[0].label == pothole.department.name


def test_a_young_city_holds_out_the_last_quarter_of_its_history(
    raytown: City, make_service_type: Callable[..., ServiceType], add_cases: Any
) -> None:
    """Sixty days of history (a new member, or the demo's three months): not enough for the
    usual 91 held-out days, so the last 15 are held out and the city still gets a model."""
    leak = make_service_type(raytown, "leak", target_days=4)
    opened = [NOW - dt.timedelta(days=60) + dt.timedelta(hours=3.5 * i) for i in range(400)]
    add_cases(leak, opened, [1.0 + (i % 7) * 0.5 for i in range(400)])
    result = services.expected_model_train(city=raytown, now=NOW)
    assert result.replaced and result.model is not None
    assert result.model.holdout_start == NOW - dt.timedelta(days=15)


def test_intake_counts_a_departments_backlog_once_within_the_window(
    independence: City, history: dict[str, ServiceType], add_cases: Any, django_assert_num_queries: Any
) -> None:
    """A burst of reports into one queue counts its open cases once per
    EXPECTED_BACKLOG_SECONDS (a count of a busy department costs PostgreSQL milliseconds per
    report); with 0 every report counts, and after the window the next one counts again."""
    from django.test import override_settings

    services.expected_model_train(city=independence, now=NOW)
    kwargs = new_tree_case(independence, history)
    selectors.expected_for_new(**kwargs)  # the model is read from the database once, here
    selectors.forget_backlogs()
    try:
        with override_settings(EXPECTED_BACKLOG_SECONDS=60):
            with django_assert_num_queries(1):
                first = selectors.expected_for_new(**kwargs)
            add_cases(kwargs["service_type"], [NOW - dt.timedelta(hours=1)] * 40, [None] * 40)  # the queue grows
            with django_assert_num_queries(0):
                kept = selectors.expected_for_new(**kwargs)
            assert kept == first
            with override_settings(EXPECTED_BACKLOG_SECONDS=0), django_assert_num_queries(1):
                counted = selectors.expected_for_new(**kwargs)
            assert counted.median_at is not None and first.median_at is not None
            assert counted.median_at > first.median_at  # forty more open cases: later
            selectors._recent_backlogs.counted = {
                key: (at - 61, n) for key, (at, n) in selectors._recent_backlogs.counted.items()
            }
            with django_assert_num_queries(1):
                assert selectors.expected_for_new(**kwargs) == counted
    finally:
        selectors.forget_backlogs()


def test_a_city_with_history_and_no_model_is_trained_at_once_by_the_worker(
    independence: City,
    raytown: City,
    history: dict[str, ServiceType],
    make_service_type: Callable[..., ServiceType],
    add_cases: Any,
) -> None:
    """A city whose history just arrived (the demo, an import) is not left on the target
    until the night: the first training is queued to run now, once per city, for the cities
    with enough cases, and the task worker puts a model in use."""
    from django.test import override_settings
    from django_tasks_db.models import DBTaskResult

    from civicdesk.core import clock
    from civicdesk.expected.tasks import FIRST_TASK_PATH, queue_first_trainings

    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        assert queue_first_trainings() == ["independence"]  # Raytown has too few cases
        assert queue_first_trainings() == []  # queued already: not twice
        [queued] = DBTaskResult.objects.filter(task_path=FIRST_TASK_PATH)
        assert queued.status == "READY" and queued.args_kwargs["args"] == [["independence"]]
        # Raytown's history arrives while Independence's training waits: it is queued too.
        leak = make_service_type(raytown, "leak", target_days=4)
        opened = [NOW - dt.timedelta(days=60) + dt.timedelta(hours=3.5 * i) for i in range(400)]
        add_cases(leak, opened, [1.0 + (i % 7) * 0.5 for i in range(400)])
        assert queue_first_trainings([raytown]) == ["raytown"]
        assert queue_first_trainings() == []
        with clock.frozen_at(NOW):
            assert run_ready_tasks() == 2
        queued.refresh_from_db()
        assert queued.status == "SUCCESSFUL"
        assert ExpectedModel.objects.get(city=independence).status == ModelStatus.CURRENT
        assert ExpectedModel.objects.get(city=raytown).status == ModelStatus.CURRENT
        assert queue_first_trainings() == []  # trained: the nightly run keeps them fresh
