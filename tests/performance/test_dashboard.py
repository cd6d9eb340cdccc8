"""The public dashboard with seed 003's demo: statuses as text, values as the city writes
them, filters, corrections, and CSV/JSON exports that parse back."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal as D

import pytest
from django.utils import translation

from civicdesk.accounts.models import Role
from civicdesk.demo.performance import load_performance_demo
from civicdesk.performance.admin import MeasureValueForm
from civicdesk.performance.models import Goal, Measure, MeasureTarget, MeasureValue, Objective, PlanYear
from civicdesk.performance.services import measure_value_correct

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(independence):
    load_performance_demo(today=dt.date(2017, 11, 1))
    return independence


def article(html: str, name: str) -> str:
    """The first measure card whose title is ``name`` (the city's English, marked lang="en"
    on a Spanish page)."""
    html = html.replace(f'<span lang="en">{name}</span></h4>', f"{name}</h4>")
    start = html.index(f">{name}</h4>")
    return html[start : html.index("</article>", start)]


def test_demo_has_seed_002_goals_and_2021_top_priorities(demo):
    plan = PlanYear.objects.get(city=demo, fiscal_year=2021)
    assert [g.name for g in plan.goals.all()] == ["Customer-Focused", "Financially Sustainable", "Growth", "Quality"]
    top = set(Objective.objects.filter(goal__plan_year=plan, is_top_priority=True).values_list("name", flat=True))
    assert top == {
        "Reduce crime and disorder",
        "Enhance public health",
        "Reduce blight",
        "Stabilize and revitalize neighborhoods",
        "Communicate more effectively internally and externally",
    }
    # FY2018's plan is kept as it was: the same measures, no priorities flagged yet.
    assert not Objective.objects.filter(goal__plan_year__fiscal_year=2018, is_top_priority=True).exists()
    entered = MeasureValue.objects.filter(measure__city=demo, source="entered", state="published")
    assert entered.filter(fiscal_year=2018, period=1).count() == 7


def test_dashboard_shows_each_seed_003_measure_against_its_target_with_its_status_in_words(client, demo):
    response = client.get("/independence/performance/?fy=2018")  # the plan year of seed 003's figures
    assert response.status_code == 200
    html = response.content.decode()
    expected = {
        "% of Code Enforcement cases inspected in 5 days or less": ("81%", "≥ 75%", "Goal Met"),
        "Dangerous buildings demolished by the City": ("5", "≥ 5", "Goal Met"),
        "New jobs created with the help of the Independence Economic Development Council": (
            "342",
            "≥ 242",  # a quarter of 965 (241.25), as whole jobs: 242 meet it, 241 do not
            "Goal Met",
        ),
        "Average time to answer a call at the Utility Customer Service Center": (
            "8.53 min",
            "≤ 5.00 min",
            "Goal Not Met",
        ),
        "% of animal services calls held over to the following business day": ("15%", "&lt; 5%", "Goal Not Met"),
        # The target in the figure's form, so the two compare at a glance; the plan's "6:20" beside it.
        "Fire Department response time (dispatch to arrival)": ("7.78 min", "&lt; 6.33 min (6:20)", "Goal Not Met"),
        "Police Department response time (dispatch to arrival)": ("8:37", "≤ 5:00", "Goal Not Met"),
    }
    for name, (value, target, status) in expected.items():
        card = article(html, name)
        assert f'<span class="figure">{value}</span>' in card, name
        assert f"<strong>{target}</strong>" in card, name
        assert f"</span>{status}</span>" in card, name  # the icon is decoration; the words carry the status
        assert "FY2018 Q1 (Jul 1 – Sep 30, 2017)" in card
        assert '<caption id="periods-' in card and 'scope="col"' in card and 'scope="row"' in card
    assert "The Utilities Customer Service Center received nearly 60,000 calls" in html
    # Computed measures (in the plans from FY2021) with no cases yet say so, and never show 0.
    html = client.get("/independence/performance/").content.decode()
    live = article(html, "Median days to close a pothole report")
    assert "No data" in live and "0.0 days" not in live


def test_in_spanish_the_plan_year_and_the_charts_legends_are_in_spanish(client, demo):
    html = client.get("/independence/performance/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    # The plan year as the periods on the same page write it: AF, not FY.
    assert '<p><span lang="en">Independence for All</span>, AF2021.' in html
    assert '<option value="2021" selected>AF2021</option>' in html and ">AF2018</option>" in html
    assert "AF2018 T1 (1 jul – 30 sep de 2017)" in html
    assert not re.search(r"\bFY\d", html)
    charts = [base64.b64decode(uri).decode() for uri in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)]
    assert charts
    for svg in charts:
        words = re.findall(r">([^<>]+)<", svg)
        assert "Real" in words and "Actual" not in words
        assert "Target" not in words
    assert any("Meta" in re.findall(r">([^<>]+)<", svg) for svg in charts)


def test_a_figure_of_an_earlier_year_is_history_under_a_later_plan_not_its_result(client, demo):
    """Under the FY2021 plan, nothing is reported for FY2021: the call centre's FY2018 figure
    is shown as the last one reported, and the headline says "No data", not "Goal Not Met"
    (the demo showed the FY2027 plan headed by 2017's results)."""
    html = client.get("/independence/performance/?fy=2021").content.decode()
    card = article(html, "Average time to answer a call at the Utility Customer Service Center")
    assert "</span>No data</span>" in card and "Goal Not Met</span>" not in card
    assert "Nothing reported for FY2021 yet." in card
    assert (
        "Last reported, for FY2018 Q1 (Jul 1 – Sep 30, 2017): 8.53 min against a target of "
        '<span class="sign-kept">≤ 5.00</span> min (Goal Not Met).' in card
    )
    assert "<td>Goal Not Met</td>" in card  # the period's own status, in its table
    board = client.get("/independence/performance.json?fy=2021").json()
    call_centre = next(m for m in board["measures"] if m["name"].startswith("Average time to answer"))
    assert call_centre["status"] == "no_data" and call_centre["latest_is_from_an_earlier_year"] is True
    assert call_centre["periods"][-1]["status"] == "not_met"
    # Under its own year's plan the same figure is the result.
    html = client.get("/independence/performance/?fy=2018").content.decode()
    card = article(html, "Average time to answer a call at the Utility Customer Service Center")
    assert "Goal Not Met</span>" in card and "Nothing reported" not in card


def test_in_spanish_figures_are_written_as_the_charts_beside_them_write_numbers(client, demo):
    html = client.get("/independence/performance/?fy=2018", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    call_center = article(html, "Average time to answer a call at the Utility Customer Service Center")
    # With a decimal point, as our Spanish-speaking residents read numbers (config/formats/es).
    assert '<span class="figure">8.53 min</span>' in call_center and "<strong>≤ 5.00 min</strong>" in call_center
    assert "8,53" not in call_center
    jobs = article(html, "New jobs created with the help of the Independence Economic Development Council")
    assert "<strong>≥ 242</strong>" in jobs
    # What staff edit stays as they type it, whatever the admin's language.
    value = MeasureValue.objects.get(measure__name__startswith="Average time to answer", fiscal_year=2018, period=1)
    with translation.override("es"):
        assert MeasureValueForm(instance=value).fields["value_as_written"].initial == "8.53"


def test_filters_by_top_priority_and_by_goal(client, demo):
    html = client.get("/independence/performance/?priority=1").content.decode()
    assert "Police Department response time" in html  # Reduce crime and disorder
    assert "New jobs created" not in html  # Growth has no top priority
    growth = Goal.objects.get(plan_year__city=demo, plan_year__fiscal_year=2021, name="Growth")
    html = client.get(f"/independence/performance/?goal={growth.pk}").content.decode()
    assert "New jobs created" in html and "Police Department response time" not in html


def test_a_goal_with_no_top_priority_filtered_by_priority_is_empty_not_an_error(client, demo):
    growth = Goal.objects.get(plan_year__city=demo, plan_year__fiscal_year=2021, name="Growth")
    response = client.get(f"/independence/performance/?goal={growth.pk}&priority=1")
    assert response.status_code == 200
    html = response.content.decode()
    assert "New jobs created" not in html and "not part of this plan" not in html


def test_a_bad_filter_is_a_clear_error(client, demo):
    response = client.get("/independence/performance/?goal=growth")
    assert response.status_code == 400
    assert "is not a goal number" in response.content.decode()
    response = client.get("/independence/performance/?fy=1999")
    assert response.status_code == 400 and "no strategic plan for FY1999" in response.content.decode()


def test_a_correction_shows_its_date_and_note_on_the_public_page(client, demo, make_staff):
    measure = Measure.objects.get(city=demo, name="Dangerous buildings demolished by the City")
    value = MeasureValue.objects.get(measure=measure, fiscal_year=2018, period=1)
    # The city's administrator corrects it: the demo's reviewer that published it cannot sign
    # in once the values are out (civicdesk/demo/performance.py).
    admin = make_staff(demo, Role.CITY_ADMIN)
    measure_value_correct(measure_value=value, actor=admin, value=D(6), note="A sixth demolition was missed.")
    card = article(client.get("/independence/performance/?fy=2018").content.decode(), measure.name)
    assert "A sixth demolition was missed." in card and "Corrected on" in card
    assert '<span class="figure">6</span>' in card


def test_csv_export_parses_back_with_every_measure_and_period(client, demo):
    response = client.get("/independence/performance.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    police = next(r for r in rows if r["measure"].startswith("Police") and r["period"] == "2018-q1")
    # Minutes in minutes (517 s is 8:37), as the row's unit says.
    assert (police["unit"], police["value"], police["value_shown"]) == ("minutes", "8.62", "8:37")
    assert police["target"] == "5.00" and police["status"] == "Goal Not Met"
    assert police["goal"] == "Quality" and police["top_priority"] == "yes"
    jobs = next(r for r in rows if r["measure"].startswith("New jobs"))
    assert jobs["target"] == "241.25" and jobs["status"] == "Goal Met"


def test_csv_gives_a_measure_in_days_in_days_beside_its_unit_and_the_json_keeps_seconds(client, demo):
    from django.utils import timezone

    measure = Measure.objects.create(
        city=demo, name="Median days to close a pothole", definition="Half closed faster.", unit="days"
    )
    MeasureTarget.objects.create(measure=measure, fiscal_year=2021, value=D(7 * 86400), split_rule="every_period")
    Objective.objects.filter(goal__plan_year__fiscal_year=2021).first().measures.add(measure)
    MeasureValue.objects.create(
        measure=measure,
        fiscal_year=2021,
        period=1,
        value=D(182573),  # 2 days, 2 hours, 42 min 53 s
        state="published",
        published_at=timezone.now(),
        updated_at=timezone.now(),
    )
    rows = list(csv.DictReader(io.StringIO(client.get("/independence/performance.csv?fy=2021").content.decode())))
    row = next(r for r in rows if r["measure"] == measure.name)
    assert (row["unit"], row["value"], row["value_shown"]) == ("days", "2.11", "2 days")
    assert row["target"] == "7.00" and row["compared_value"] == "2.11"
    data = json.loads(client.get("/independence/performance.json?fy=2021").content)
    period = next(m for m in data["measures"] if m["name"] == measure.name)["periods"][0]
    assert (period["value"], period["target"]) == ("182573", "604800")


def test_json_export_parses_back_with_the_plan_and_exact_numbers(client, demo):
    response = client.get("/independence/performance.json")
    data = json.loads(response.content)
    assert data["plan"] == {"title": "Independence for All", "fiscal_year": 2021}
    assert [g["name"] for g in data["goals"]] == ["Customer-Focused", "Financially Sustainable", "Growth", "Quality"]
    fire = next(m for m in data["measures"] if m["name"].startswith("Fire"))
    q1 = fire["periods"][0]
    assert (q1["value"], q1["value_shown"], q1["target_shown"], q1["status"]) == (
        "466.8",
        "7.78 min",
        "< 6.33 min (6:20)",
        "not_met",
    )
    assert fire["stored_unit"] == "seconds" and fire["target_is_strict"] is True


def test_a_city_without_a_plan_says_so(client, raytown):
    response = client.get("/raytown/performance/")
    assert response.status_code == 200
    assert "has not published a strategic plan yet" in response.content.decode()


def test_in_spanish_a_figure_of_an_earlier_year_is_history_too(client, demo):
    html = client.get("/independence/performance/?fy=2021", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    card = article(html, "Average time to answer a call at the Utility Customer Service Center")
    assert "Todavía no se ha reportado nada para AF2021." in card
    assert (
        "Último reporte, de AF2018 T1 (1 jul – 30 sep de 2017): 8.53 min frente a una meta de "
        '<span class="sign-kept">≤ 5.00</span> min'
    ) in card


@pytest.fixture
def demo_today(independence, make_service_type, book):
    """The demo's plans as on Sunday, December 6, 2026 (FY2027 Q2 in progress), with a few
    potholes closed in October, the first the live measure ever had."""
    from civicdesk.core import clock

    pothole = make_service_type(independence, "pothole", target_days=5)
    tz = dt.timezone(dt.timedelta(hours=-5))
    for day in (5, 6, 7):
        opened = dt.datetime(2026, 10, day, 9, tzinfo=tz)
        book.close(book.open(pothole, opened), opened + dt.timedelta(days=2))
    today = dt.datetime(2026, 12, 6, 10, tzinfo=tz)
    with clock.frozen_at(today):
        load_performance_demo(today=today.date())
        yield independence


def test_the_quarter_in_progress_reads_so_far_with_a_provisional_status(client, demo_today):
    html = client.get("/independence/performance/").content.decode()
    card = article(html, "Median days to close a pothole report")
    assert '<span class="figure">2.0 days</span> so far against a target of' in card
    assert "Goal Met (provisional)</span>" in card  # the headline's status
    assert "still in progress: the figure and its status are provisional until the period ends" in card
    assert "<td>Goal Met (provisional)</td>" in card  # and the period's row
    board = client.get("/independence/performance.json").json()
    potholes = next(m for m in board["measures"] if m["name"] == "Median days to close a pothole report")
    assert potholes["periods"][-1]["in_progress"] is True


def test_a_computed_card_starts_at_its_first_figure_and_says_once_there_is_no_data_before(client, demo_today):
    html = client.get("/independence/performance/").content.decode()
    card = article(html, "Median days to close a pothole report")
    assert "No data before FY2027 Q2." in card
    board = client.get("/independence/performance.json").json()
    potholes = next(m for m in board["measures"] if m["name"] == "Median days to close a pothole report")
    assert potholes["no_data_before"] == "2027-q2" and [p["period"] for p in potholes["periods"]] == ["2027-q2"]
    assert "FY2026" not in card and "FY2027 Q1 (" not in card
    assert card.count('<tr><th scope="row">') == 1


def test_a_live_measure_and_the_departments_own_report_of_it_say_how_they_relate(client, demo_today):
    html = client.get("/independence/performance/").content.decode()
    seed = Measure.objects.get(name="% of animal services calls held over to the following business day")
    live = Measure.objects.get(name__startswith="% of animal services calls held over to the next business day (live")
    assert live.department_report == seed
    live_card = article(html, live.name)
    seed_card = article(html, seed.name)
    said = live_card.replace("&#x27;", "'")
    assert "Computed from the 311 cases. The department's own report of the same measure:" in said
    assert f'<a href="#measure-{seed.pk}-' in live_card and f">{seed.name}</a>" in live_card
    assert "Reported by the department. The same measure computed from the 311 cases:" in seed_card
    assert f'<a href="#measure-{live.pk}-' in seed_card


def test_a_target_split_from_the_years_says_where_it_comes_from(client, demo):
    html = client.get("/independence/performance/?fy=2018").content.decode()
    jobs = article(html, "New jobs created with the help of the Independence Economic Development Council")
    assert '<strong>≥ 242</strong> <span class="target-origin">(965 a year, 242 a quarter)</span>' in jobs
    calls = article(html, "Average time to answer a call at the Utility Customer Service Center")
    assert "a year" not in calls  # the same target every quarter: nothing to explain


def test_in_spanish_the_dashboard_says_how_each_computed_measure_is_measured_and_so_far(client, demo_today):
    html = client.get("/independence/performance/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    card = article(html, "Median days to close a pothole report")
    assert "La mediana del tiempo" in card and "The median time" not in card
    assert "hasta ahora" in card and "(provisional)" in card and "so far" not in card
    live = article(html, "% of animal services calls held over to the next business day (live from 311 cases)")
    assert "De las llamadas de estos tipos" in live and "Of the calls" not in live
    assert "Calculada a partir de los casos del 311" in live
