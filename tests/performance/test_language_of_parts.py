"""WCAG 3.1.2 on the Spanish dashboard and regional comparison: the goals, objectives,
measures and definitions a city typed in English are inside lang="en"; the product's own
words (headings, "Definición", a computed measure's method) are read in Spanish."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from civicdesk.demo.performance import load_performance_demo
from civicdesk.performance.models import Goal, Measure, Objective
from tests.performance.test_regional_comparison import member, potholes  # noqa: F401  (fixtures)
from tests.portal.test_language_of_parts import read_in, texts

pytestmark = pytest.mark.django_db


def test_the_spanish_dashboard_marks_every_text_the_city_typed_in_english(client, independence):
    load_performance_demo(today=dt.date(2017, 11, 1))
    html = client.get("/independence/performance/?fy=2018", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    found = texts(html)
    shown = 0
    for goal in Goal.objects.filter(plan_year__city=independence):
        for text in (goal.name, goal.statement):
            if text:
                assert read_in(found, text) <= {"en"}, text
                shown += bool(read_in(found, text))
    for objective in Objective.objects.filter(goal__plan_year__city=independence):
        assert read_in(found, objective.name) <= {"en"}, objective.name
    for measure in Measure.objects.filter(city=independence):
        for text in (measure.name, measure.definition, measure.method):
            if text:
                assert read_in(found, text) <= {"en"}, text
                shown += bool(read_in(found, text))
    assert shown > 10  # the texts are there, marked
    assert read_in(found, "Definición") == {"es"}
    assert read_in(found, "Cómo se mide") <= {"es"}
    # The goal filter's options say their language too.
    goals = html[html.index('id="filter-goal"') :]
    options = re.findall(r'<option value="(\d+)"( lang="en")?>', goals[: goals.index("</select>")])
    assert options and all(lang for _pk, lang in options)


def test_in_english_the_dashboard_has_no_lang_of_its_own(client, independence):
    load_performance_demo(today=dt.date(2017, 11, 1))
    html = client.get("/independence/performance/?fy=2018").content.decode()
    main = html[html.index("<main") :]
    assert ' lang="' not in main


def test_the_spanish_comparison_marks_the_measure_and_reads_its_method_in_spanish(client, potholes):  # noqa: F811
    common, _days = potholes
    html = client.get("/performance/compare/?period=2024-q1", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    found = texts(html)
    assert read_in(found, "Median days to close potholes") == {"en"}
    assert read_in(found, common.definition) == {"en"}
    method = {lang for text, lang in found if text.startswith("La mediana del tiempo entre el reporte y su cierre")}
    assert method == {"es"}  # the product's own words, from the catalog


def test_the_spanish_list_of_cases_behind_a_figure_marks_a_type_with_no_spanish_name(client, potholes, member):  # noqa: F811
    pothole = member("independence").types["pothole"]
    url = "/performance/compare/potholes-median-days/independence/2024-q1/cases/"
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert f'<span lang="en">{pothole.name}</span>' in html
    assert read_in(texts(html), pothole.name) == {"en"}

    pothole.name_es = "Bache"
    pothole.save()
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert read_in(texts(html), "Bache") == {"es"} and 'lang="en">Bache' not in html
    assert pothole.name not in html
