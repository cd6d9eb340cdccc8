"""What came of a training (its reason) is stored in English and read in the
administrator's language in the admin's "Expected models", on the list and on a training's
page: "en uso", "Todos los casos cerrados del historial tardaron lo mismo (2 días)…". A
reason stored before the sentences were the catalog's reads the same way."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from civicdesk.accounts.models import User
from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.core.stored_words import stored
from civicdesk.expected import reasons, services
from civicdesk.expected.history import history_for_city
from civicdesk.expected.models import ExpectedModel, ModelStatus
from civicdesk.tenants.models import City
from tests.expected.conftest import NOW
from tests.expected.test_tight_history import one_duration

pytestmark = pytest.mark.django_db


def training(city: City, status: str, reason: str) -> ExpectedModel:
    return ExpectedModel.objects.create(
        city=city,
        status=status,
        kind=services.KIND,
        trained_at=NOW,
        window_start=NOW - dt.timedelta(days=60),
        window_end=NOW,
        holdout_start=NOW - dt.timedelta(days=15),
        cases=400,
        closed_cases=390,
        open_cases=10,
        params={},
        reason=reason,
    )


def no_fit_reason(city: City, *, kept: bool) -> str:
    """The reason the training stores when no model can be fitted to the city's history."""
    history = history_for_city(city, since=NOW - dt.timedelta(days=400))
    return services._no_fit_reason(city, history, NOW.timestamp(), list(services.PENALIZERS), kept=kept)


def shown_reasons(client: Client, language: str) -> list[str]:
    """The reason column of the list, as its reader reads it."""
    page = client.get(reverse("admin:expected_expectedmodel_changelist"), HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    return re.findall(r'<td class="field-shown_reason">(.*?)</td>', page.content.decode(), re.S)


def test_each_reason_reads_in_the_administrators_language(
    independence: City,
    raytown: City,
    make_service_type: Callable[..., ServiceType],
    add_cases: Any,
) -> None:
    # Independence: every closed case took two days. Raytown: leaks took a day each, tree
    # work anything from one to seven days.
    one_duration(make_service_type(independence, "leak", name="Water leak", target_days=4), add_cases, 2.0)
    leak = make_service_type(raytown, "leak", name="Water leak", target_days=4)
    one_duration(leak, add_cases, 1.0, n=100)
    tree = make_service_type(raytown, "tree", name="Tree down", target_days=10)
    opened = [NOW - dt.timedelta(days=60) + dt.timedelta(hours=3 * i) for i in range(300)]
    add_cases(tree, opened, [1 + i % 7 if at + dt.timedelta(days=7) < NOW else None for i, at in enumerate(opened)])
    leaks = ServiceRequest.objects.filter(service_type=leak, closed_at__isnull=False).count()

    rows = {
        "in use": training(independence, ModelStatus.RETIRED, reasons.IN_USE),
        "kept, stronger": training(
            raytown,
            ModelStatus.REJECTED,
            stored((reasons.KEPT, reasons.STRONGER), used="0.1", tried="0.01"),
        ),
        "same time": training(independence, ModelStatus.FAILED, no_fit_reason(independence, kept=True)),
        "flat type": training(raytown, ModelStatus.FAILED, no_fit_reason(raytown, kept=False)),
        # As the training wrote it before its sentences were the catalog's.
        "before": training(
            raytown,
            ModelStatus.RETIRED,
            "in use (fitted with the stronger penalizer 1: with 0.01, 0.1 the fit did not converge, "
            "as when many cases took exactly the same time; its dates are tight)",
        ),
    }
    assert rows["same time"].reason == (
        "Every closed case in the history took the same time (2 days): there is no spread to learn from. "
        "The model in use is kept."
    )
    assert rows["flat type"].reason == (
        "The model could not be fitted to this history, even with stronger smoothing (penalizer 0.01, 0.1, 1). "
        f"Types whose closed cases all took the same time, with no spread to learn from: Water leak: {leaks} cases, "
        "all 1 day. Cases are given their type's target until a training succeeds."
    )
    operator = User.objects.create_superuser(username="operator", email="ops@example.org", password="a-long-password")
    client = Client()
    client.force_login(operator)

    spanish = shown_reasons(client, "es")
    assert sorted(spanish) == sorted(
        [
            "en uso",
            "se mantuvo el modelo en uso: el nuevo es peor en los meses reservados para evaluación (ajustado con "
            "la penalización más fuerte 0.1: con 0.01 el ajuste no convergió, como cuando muchos casos tardaron "
            "exactamente lo mismo; sus fechas son ajustadas)",
            "Todos los casos cerrados del historial tardaron lo mismo (2 días): no hay variación de la que "
            "aprender. Se mantiene el modelo en uso.",
            "No se pudo ajustar el modelo a este historial, ni siquiera con un suavizado más fuerte (penalización "
            "0.01, 0.1, 1). Tipos cuyos casos cerrados tardaron todos lo mismo, sin variación de la que aprender: "
            f"Water leak: {leaks} casos, todos 1 día. Los casos reciben la meta de su tipo hasta que un "
            "entrenamiento tenga éxito.",
            "en uso (ajustado con la penalización más fuerte 1: con 0.01, 0.1 el ajuste no convergió, como cuando "
            "muchos casos tardaron exactamente lo mismo; sus fechas son ajustadas)",
        ]
    )
    english = shown_reasons(client, "en")
    assert sorted(english) == sorted(escape(row.reason) for row in rows.values())

    # A training's own page gives its reason in the reader's language too.
    url = reverse("admin:expected_expectedmodel_change", args=[rows["same time"].pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Todos los casos cerrados del historial tardaron lo mismo (2 días)" in page
    assert "Every closed case" not in page
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Every closed case in the history took the same time (2 days)" in page


def test_a_duration_is_written_as_a_person_says_it() -> None:
    assert [reasons.duration_words(days) for days in (0.01, 1 / 24, 0.5, 1.0, 1.04, 2.5, 3)] == [
        "1 hour",
        "1 hour",
        "12 hours",
        "1 day",
        "1 day",
        "2.5 days",
        "3 days",
    ]
