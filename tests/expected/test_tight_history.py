"""A history with little or no spread: every case of a type took the same time, or every case
was closed the moment it was opened. The log-logistic fit has no maximum there (the spread it
would learn is zero); the city still gets a model with tight dates, or, if no fit can be made,
a training stored as failed with a reason an administrator can read."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from civicdesk.accounts.models import Role, User
from civicdesk.catalog.models import ServiceType
from civicdesk.core import clock
from civicdesk.expected import selectors, services, survival
from civicdesk.expected.models import ExpectedModel, ModelStatus
from civicdesk.tenants.models import City
from tests.expected.conftest import NOW

pytestmark = pytest.mark.django_db

HOUR = 1.0 / 24.0


def one_duration(service_type: ServiceType, add_cases: Any, days: float, *, n: int = 400, span: float = 60) -> None:
    """``n`` cases of ``service_type`` over the last ``span`` days, every one closed after
    exactly ``days`` (those that would close after NOW are still open)."""
    opened = [NOW - dt.timedelta(days=span) + dt.timedelta(days=span * i / n) for i in range(n)]
    add_cases(service_type, opened, [days if at + dt.timedelta(days=days) < NOW else None for at in opened])


def expected_new(city: City, service_type: ServiceType) -> selectors.Expectation:
    """The dates a case of ``service_type`` reported at NOW is told."""
    return selectors.expected_for_new(
        city=city,
        service_type=service_type,
        department_id=service_type.department_id,
        district_id=None,
        channel="web",
        opened_at=NOW,
        due_at=NOW + dt.timedelta(days=service_type.target_days),
    )


def assert_sane(expectation: selectors.Expectation) -> None:
    assert not expectation.is_fallback
    assert expectation.median_at is not None and expectation.p80_at is not None
    assert expectation.median_at <= expectation.p80_at
    assert expectation.p_late is not None and math.isfinite(expectation.p_late) and 0.0 <= expectation.p_late <= 1.0


def test_every_case_took_the_same_time_and_the_city_still_gets_a_model(
    raytown: City, make_service_type: Callable[..., ServiceType], add_cases: Any
) -> None:
    leak = make_service_type(raytown, "leak", target_days=4)
    one_duration(leak, add_cases, 2.0)
    result = services.expected_model_train(city=raytown, now=NOW)
    model = result.model
    assert result.replaced and model is not None and model.status == ModelStatus.CURRENT, result.reason
    # The penalizer that made the fit is stored and said: not the usual 0.01.
    assert model.params["penalizer"] > services.PENALIZER
    assert model.evaluation["penalizer"] == model.params["penalizer"]
    assert result.reason == model.reason and f"penalizer {model.params['penalizer']:g}" in model.reason
    assert model.evaluation["model"]["mae_median_days"] < 0.05  # every held-out case took 2 days
    selectors.forget_models()
    expectation = expected_new(raytown, leak)
    assert_sane(expectation)
    assert expectation.median_at is not None and expectation.p80_at is not None
    # Tight dates: the median is the duration every case took, the 80% date no later than the target.
    assert abs((expectation.median_at - NOW).total_seconds() / 86400 - 2.0) < HOUR
    assert expectation.p80_at <= NOW + dt.timedelta(days=4)
    assert expectation.p_late is not None and expectation.p_late < 0.5
    # A case open for three days, longer than any case ever took: dates and chance still finite.
    [case] = add_cases(leak, [NOW - dt.timedelta(days=3)], [None])
    late = selectors.expected_for(case, now=NOW)
    assert_sane(late)
    assert late.median_at is not None and late.median_at >= NOW


def test_a_large_type_of_one_duration_among_types_that_vary(
    independence: City, history: dict[str, ServiceType], make_service_type: Callable[..., ServiceType], add_cases: Any
) -> None:
    """An import whose meter readings were all closed the next day, beside potholes and trees
    that vary as usual."""
    meter = make_service_type(independence, "meter", target_days=3)
    one_duration(meter, add_cases, 1.0, span=700)
    result = services.expected_model_train(city=independence, now=NOW)
    assert result.replaced and result.model is not None, result.reason
    assert result.model.evaluation["model"]["coverage80"] is not None
    selectors.forget_models()
    meter_dates = expected_new(independence, meter)
    assert_sane(meter_dates)
    assert meter_dates.median_at is not None
    assert abs((meter_dates.median_at - NOW).total_seconds() / 86400 - 1.0) < 2 * HOUR
    pothole = expected_new(independence, history["pothole"])
    tree = expected_new(independence, history["tree"])
    assert_sane(pothole)
    assert_sane(tree)
    assert pothole.median_at is not None and tree.median_at is not None
    assert NOW + dt.timedelta(days=1) < pothole.median_at < NOW + dt.timedelta(days=4)
    assert NOW + dt.timedelta(days=10) < tree.median_at < NOW + dt.timedelta(days=40)


def test_every_case_closed_the_moment_it_was_opened(
    raytown: City, make_service_type: Callable[..., ServiceType], add_cases: Any
) -> None:
    """An import with no close times, only close days equal to the open days: every case took
    no time. A case closed within the hour counts as an hour (log 0 has no place in the model)."""
    info = make_service_type(raytown, "info", target_days=1)
    one_duration(info, add_cases, 0.0)
    result = services.expected_model_train(city=raytown, now=NOW)
    assert result.replaced and result.model is not None, result.reason
    selectors.forget_models()
    expectation = expected_new(raytown, info)
    assert_sane(expectation)
    assert expectation.median_at is not None and expectation.p80_at is not None
    assert abs((expectation.median_at - NOW).total_seconds() / 86400 - survival.MIN_DAYS) < HOUR / 4
    assert expectation.p80_at < NOW + dt.timedelta(days=1)


def _never_converges(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """lifelines fails every fit, whatever the penalizer; the penalizers tried, in order."""
    from lifelines import LogLogisticAFTFitter
    from lifelines.exceptions import ConvergenceError

    tried: list[float] = []

    def fit(self: Any, *args: Any, **kwargs: Any) -> None:
        tried.append(self.penalizer)
        raise ConvergenceError("Fitting did not converge.")

    monkeypatch.setattr(LogLogisticAFTFitter, "fit", fit)
    return tried


def test_when_no_fit_can_be_made_the_training_is_stored_as_failed_with_its_reason(
    raytown: City,
    make_service_type: Callable[..., ServiceType],
    make_staff: Callable[..., User],
    add_cases: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
) -> None:
    leak = make_service_type(raytown, "leak", target_days=4)
    one_duration(leak, add_cases, 2.0)
    tried = _never_converges(monkeypatch)
    with clock.frozen_at(NOW):
        call_command("expected_train", "--city", raytown.slug)
    out = capsys.readouterr().out
    assert tried and tried[0] == services.PENALIZER and sorted(set(tried)) == list(services.PENALIZERS)
    model = ExpectedModel.objects.get(city=raytown)
    assert model.status == ModelStatus.FAILED and model.params == {}
    assert "Every closed case in the history took the same time (2 days)" in model.reason
    assert model.reason in out and "held-out" not in out
    assert model.cases == 400 and model.evaluation["fit_attempts"][0]["penalizer"] == services.PENALIZER
    # The city stays on the target, and is tried again the next time its history arrives.
    expectation = expected_new(raytown, leak)
    assert expectation.is_fallback and expectation.fallback_reason == selectors.FallbackReason.NO_MODEL
    from civicdesk.expected.tasks import queue_first_trainings

    assert queue_first_trainings([raytown]) == ["raytown"]
    # The city's administrator reads the reason where the trainings are listed.
    client = Client()
    client.force_login(make_staff(raytown, Role.CITY_ADMIN, is_staff=True, username="ray-admin"))
    page = client.get(reverse("admin:expected_expectedmodel_changelist"))
    assert page.status_code == 200 and "Every closed case in the history took the same time" in page.content.decode()


def test_a_failed_training_leaves_the_model_in_use(
    independence: City,
    history: dict[str, ServiceType],
    make_service_type: Callable[..., ServiceType],
    add_cases: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = services.expected_model_train(city=independence, now=NOW).model
    assert first is not None and first.reason == "in use"
    # Then an import brings a type whose cases all took a day, and no fit can be made.
    meter = make_service_type(independence, "meter", name="Meter reading", target_days=3)
    one_duration(meter, add_cases, 1.0, n=100)
    _never_converges(monkeypatch)
    result = services.expected_model_train(city=independence, now=NOW)
    assert not result.replaced and result.model is not None and result.model.status == ModelStatus.FAILED
    assert result.reason.startswith("The model could not be fitted to this history")
    assert "Meter reading: 99 cases, all 1 day" in result.reason and result.reason.endswith("The model in use is kept.")
    first.refresh_from_db()
    assert first.status == ModelStatus.CURRENT


def test_predictions_from_extreme_parameters_stay_finite() -> None:
    """A shape far beyond any fit's (a spread of nothing) or a location far out: no overflow in
    ``math.exp``, no division by zero, no date past what a datetime can hold."""
    params: dict[str, Any] = {
        "kind": "loglogistic",
        "intercept": math.log(2.0),
        "coefficients": {"backlog": 900.0},
        "log_shape": 800.0,
        "shape_coefficients": {},
        "usual_backlog": {"1": 0.0},
        "type_location": {},
        "department_location": {},
        "overall_location": 0.0,
        "mean_contribution": {},
    }
    case = survival.Case("leak", "1", "", "web", 6, 0, 0)
    dist, factors = survival.distribution(params, case)
    assert math.isfinite(dist.shape) and all(math.isfinite(f.effect) and f.effect > 0 for f in factors)
    for elapsed in (0.0, 1.0, 2.0, 3.0):
        median, p80 = dist.quantile(0.5, elapsed_days=elapsed), dist.quantile(0.8, elapsed_days=elapsed)
        assert math.isfinite(median) and median <= p80 <= survival.MAX_DAYS
        assert 0.0 <= dist.p_late(4.0, elapsed_days=elapsed) <= 1.0
    far, _ = survival.distribution(params, survival.Case("leak", "1", "", "web", 6, 0, 50))
    assert far.quantile(0.8) == survival.MAX_DAYS
    NOW + dt.timedelta(days=far.quantile(0.8))  # a date a datetime can hold
