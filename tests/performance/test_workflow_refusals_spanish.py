"""The performance workflow refuses in the words of the staff member who meets the refusal:
a value's steps, who may take them, what the value form reads and a common measure's
mapping of a city's codes, in English and in Spanish (one code or several)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from civicdesk.accounts.models import Role
from civicdesk.performance import services
from civicdesk.performance.models import CommonMeasureMapping, MeasureValue, ValueState

pytestmark = pytest.mark.django_db
VALUES = "/admin/performance/measurevalue/"


def refusal(step: Callable[[], Any]) -> list[str]:
    """The messages a step is refused with (it must be refused)."""
    with pytest.raises((ValidationError, PermissionDenied)) as refused:
        step()
    error = refused.value
    return error.messages if isinstance(error, ValidationError) else [str(error)]


@pytest.fixture
def police(independence, make_department, make_staff, make_measure):
    """A police measure, one of its department's staff and a supervisor."""
    department = make_department(independence, "Police")
    measure = make_measure(name="Police response time", unit="minutes", display_format="clock", department=department)
    worker = make_staff(independence, Role.WORKER, department=department, is_staff=True, username="officer")
    supervisor = make_staff(independence, Role.SUPERVISOR, is_staff=True, username="chief")
    return measure, worker, supervisor


def test_a_mapping_s_unknown_codes_are_refused_in_the_reader_s_language_one_code_or_several(cities, make_service_type):
    raytown = cities["raytown"]
    make_service_type(raytown, "pothole")
    common = services.common_measure_define(
        region=raytown.region,
        key="potholes",
        name="Potholes",
        definition="As agreed.",
        computation="potholes_median_days_to_close",
        unit="days",
    )

    def mapping(*codes: str) -> Callable[[], Any]:
        return lambda: services.common_measure_map(common_measure=common, city=raytown, service_codes=codes)

    with translation.override("en"):
        assert refusal(mapping("potholes")) == ["Raytown has no service type with the code “potholes”."]
        assert refusal(mapping("trash", "pothole", "potholes")) == [
            "Raytown has no service types with the codes “potholes”, “trash”."
        ]
    with translation.override("es"):
        assert refusal(mapping("potholes")) == ["Raytown no tiene ningún tipo de servicio con el código “potholes”."]
        assert refusal(mapping("trash", "potholes")) == [
            "Raytown no tiene tipos de servicio con los códigos “potholes”, “trash”."
        ]
    assert not CommonMeasureMapping.objects.exists()


def test_each_step_of_a_value_is_refused_in_spanish_and_the_value_stays_as_it_was(police):
    measure, worker, supervisor = police

    def enter(value: Decimal | None, period: int = 1) -> MeasureValue:
        return services.measure_value_enter(
            measure=measure, fiscal_year=2018, period=period, value=value, narrative="", actor=worker
        )

    value = enter(None)
    with translation.override("es"):
        assert refusal(lambda: enter(None, period=5)) == ["Indique un período del 1 al 4: esta medida tiene 4 al año."]
        assert refusal(lambda: services.measure_value_submit(measure_value=value, actor=worker)) == [
            "Escriba el valor antes de enviarlo a revisión."
        ]
        assert refusal(lambda: services.measure_value_approve(measure_value=value, actor=worker)) == [
            "No tiene permiso para aprobar valores de “Police response time”."
        ]
        assert refusal(lambda: services.measure_value_approve(measure_value=value, actor=supervisor)) == [
            "El estado de este valor es “borrador”; ahora no se puede aprobar."
        ]
    value = enter(Decimal(517))
    services.measure_value_submit(measure_value=value, actor=worker)
    with translation.override("es"):
        assert refusal(lambda: services.measure_value_return(measure_value=value, actor=supervisor, note="  ")) == [
            "Escriba una nota: es lo que lee el público."
        ]
        assert refusal(lambda: enter(Decimal(600))) == [
            "El estado de este valor es “enviado para revisión”; ahora no se puede cambiar "
            "(un revisor puede devolverlo a borrador)."
        ]
    services.measure_value_approve(measure_value=value, actor=supervisor)
    services.measure_value_publish(measure_value=value, actor=supervisor)
    with translation.override("es"):
        unchanged = lambda: services.measure_value_correct(  # noqa: E731
            measure_value=value, actor=supervisor, value=Decimal(517), note="Checked again."
        )
        assert refusal(unchanged) == ["No cambió nada: no hay nada que corregir."]
        too_long = lambda: services.measure_value_correct(  # noqa: E731
            measure_value=value, actor=supervisor, value=Decimal(500), note="x" * 5001
        )
        assert refusal(too_long) == ["Use menos de 5,000 caracteres."]
    value.refresh_from_db()
    assert (value.state, value.value) == (ValueState.PUBLISHED, Decimal(517))


def test_the_value_form_and_the_list_s_actions_refuse_in_spanish(client, police):
    measure, worker, _supervisor = police
    client.force_login(worker)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    typed = {"measure": measure.pk, "fiscal_year": 2018, "period": 1, "value_as_written": "siete", "narrative": "Slow"}

    page = client.post(f"{VALUES}add/", typed)
    assert page.status_code == 200
    html = page.content.decode()
    assert "“siete” no es un número; escríbalo como 7.78 o en minutos:segundos, como 7:47." in html
    assert 'id="id_narrative">\nSlow</textarea>' in html  # what was typed stays typed
    assert 'value="siete"' in html
    assert not MeasureValue.objects.exists()

    value = services.measure_value_enter(
        measure=measure, fiscal_year=2018, period=1, value=Decimal(517), narrative="", actor=worker
    )
    response = client.post(VALUES, {"action": "approve_values", "_selected_action": [value.pk]}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        f"{value}: No tiene permiso para aprobar valores de “Police response time”."
    ]
    services.measure_value_submit(measure_value=value, actor=worker)
    page = client.post(f"{VALUES}{value.pk}/change/", {"value_as_written": "9:00", "narrative": ""})
    assert "Este valor está en revisión: un revisor puede devolverlo a borrador antes de que cambie." in (
        page.content.decode()
    )
    value.refresh_from_db()
    assert (value.state, value.value) == (ValueState.SUBMITTED, Decimal(517))
