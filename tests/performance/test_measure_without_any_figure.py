"""A measure whose every published period came without a figure says so on its card, "No
figure has been published for this measure yet." (not "No value has been published yet.": its
periods were), in English and Spanish, with no chart of its targets alone; nor is a chart drawn
of targets alone when the periods it would show have no figure. Measures with figures keep
their charts."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

import pytest

from civicdesk.demo.performance import load_performance_demo
from civicdesk.performance.charts import trend_chart
from civicdesk.performance.models import Measure, MeasureValue
from civicdesk.performance.selectors import measure_view

pytestmark = pytest.mark.django_db

NAME = "% of Code Enforcement cases inspected in 5 days or less"  # seed 003: FY2018 Q1 81%, target ≥ 75%


@pytest.fixture
def no_figure_yet(independence):
    load_performance_demo(today=dt.date(2017, 11, 1))
    measure = Measure.objects.get(city=independence, name=NAME)
    published = MeasureValue.objects.filter(measure=measure, state="published")
    assert published.exists()
    published.update(value=None)
    return measure


def card(html: str, name: str) -> str:
    html = html.replace(f'<span lang="en">{name}</span></h4>', f"{name}</h4>")
    start = html.index(f">{name}</h4>")
    return html[start : html.index("</article>", start)]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "No figure has been published for this measure yet."),
        ("es", "Todavía no se ha publicado ninguna cifra para esta medida."),
    ],
)
def test_a_measure_with_no_figure_says_so_in_place_of_a_chart_of_its_targets(client, no_figure_yet, language, words):
    html = client.get("/independence/performance/?fy=2018", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    part = card(html, NAME)
    assert re.search(rf'<span class="no-figure" id="no-figures-{no_figure_yet.pk}-\d+">{words}</span>', part), part
    assert "data:image/svg+xml" not in part and "<img" not in part and "<table>" not in part
    assert "No value has been published yet." not in part and "Todavía no se ha publicado ningún valor." not in part
    # The other measures of the page, with figures, keep their charts and say nothing of the kind.
    assert "data:image/svg+xml" in html.replace(part, "")
    assert html.count('id="no-figures-') == 1


def test_a_chart_whose_periods_all_lack_a_figure_is_not_drawn_as_targets_alone(independence):
    """The card charts its last twelve periods: when none of them has a figure (the last one
    further back), no chart of targets alone is drawn; one figure among them is charted."""
    load_performance_demo(today=dt.date(2017, 11, 1))
    view = measure_view(Measure.objects.get(city=independence, name=NAME))
    [reported] = view.rows
    assert reported.compared is not None and trend_chart(view) is not None
    without = replace(reported, value=None, compared=None)
    view.rows = [reported, *([without] * 12)]
    assert trend_chart(view) is None
    view.rows = [without] * 11 + [reported]
    assert trend_chart(view) is not None
