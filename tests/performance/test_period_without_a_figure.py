"""A period published without a figure: the card says so in words and shows the last
period that has one, never "No data against a target of ≥ 75% (No data)"."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from civicdesk.demo.performance import load_performance_demo
from civicdesk.performance.models import Measure, MeasureValue

pytestmark = pytest.mark.django_db

NAME = "% of Code Enforcement cases inspected in 5 days or less"  # seed 003: FY2018 Q1 81%, target ≥ 75%


@pytest.fixture
def second_quarter_without_a_figure(independence):
    load_performance_demo(today=dt.date(2017, 11, 1))
    MeasureValue.objects.create(
        measure=Measure.objects.get(city=independence, name=NAME),
        fiscal_year=2018,
        period=2,
        value=None,
        state="published",
        published_at=timezone.now(),
        updated_at=timezone.now(),
    )
    return independence


def card(html: str) -> str:
    html = html.replace(f'<span lang="en">{NAME}</span></h4>', f"{NAME}</h4>")
    start = html.index(f">{NAME}</h4>")
    return html[start : html.index("</article>", start)]


def headline(html: str) -> str:
    """The card's headline as read: its words, tags dropped, spaces collapsed."""
    part = card(html)
    part = part[part.index('<div class="headline">') : part.index("</div>", part.index('<div class="headline">'))]
    part = re.sub(r'<span class="sign-kept">([^<]*)</span>', r"\1", part)  # a target's sign kept to its figure
    return " ".join(re.sub(r"<[^>]+>", " ", part).split())


def test_the_plans_year_says_its_latest_period_has_no_figure_and_shows_the_last_one(
    client, second_quarter_without_a_figure
):
    said = headline(client.get("/independence/performance/?fy=2018").content.decode())
    assert said == (
        "– No data No figure reported for FY2018 Q2 (target ≥ 75%)."
        " Last reported, for FY2018 Q1 (Jul 1 – Sep 30, 2017): 81% against a target of ≥ 75% (Goal Met)."
    )


def test_a_later_plan_shows_the_last_figure_as_history_and_says_the_latest_period_had_none(
    client, second_quarter_without_a_figure
):
    said = headline(client.get("/independence/performance/?fy=2021").content.decode())
    assert said == (
        "– No data Nothing reported for FY2021 yet."
        " Last reported, for FY2018 Q1 (Jul 1 – Sep 30, 2017): 81% against a target of ≥ 75% (Goal Met)."
        " No figure was reported for FY2018 Q2."
    )


def test_in_spanish_the_period_without_a_figure_reads_the_same_way(client, second_quarter_without_a_figure):
    said = headline(client.get("/independence/performance/?fy=2018", HTTP_ACCEPT_LANGUAGE="es").content.decode())
    assert said == (
        "– Sin datos No se reportó ninguna cifra para AF2018 T2 (meta ≥ 75%)."
        " Último reporte, de AF2018 T1 (1 jul – 30 sep de 2017): 81% frente a una meta de ≥ 75% (Meta cumplida)."
    )
    said = headline(client.get("/independence/performance/?fy=2021", HTTP_ACCEPT_LANGUAGE="es").content.decode())
    assert said == (
        "– Sin datos Todavía no se ha reportado nada para AF2021."
        " Último reporte, de AF2018 T1 (1 jul – 30 sep de 2017): 81% frente a una meta de ≥ 75% (Meta cumplida)."
        " No se reportó ninguna cifra para AF2018 T2."
    )
