"""The regional comparison: common definitions mapped onto each city's own service types,
each city's figure from its own cases, per-resident rates, the median of the cities with
enough cases, "too few cases", calendar periods on each city's clock, and the public page
with its CSV and JSON."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import statistics
import zoneinfo
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from civicdesk.accounts.models import Role
from civicdesk.performance import drilldown, regional, services
from civicdesk.performance.exports import comparison_csv
from civicdesk.performance.models import CommonMeasureMapping
from civicdesk.tenants.models import City, Region

from .conftest import CaseBook

pytestmark = pytest.mark.django_db

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
DENVER = zoneinfo.ZoneInfo("America/Denver")
Q1_2024 = regional.parse_period("2024-q1")
DAY = 86400


def local(day: str, hour: int = 9, minute: int = 0, tz: zoneinfo.ZoneInfo = CHICAGO) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute), tzinfo=tz)


@pytest.fixture
def member(cities, make_service_type, make_staff):
    """Per city: its case book and a maker of its service types by code (one type per code)."""

    class Member:
        def __init__(self, city: City) -> None:
            self.city = city
            self.book = CaseBook(city, make_staff(city, Role.SUPERVISOR))
            self.types: dict[str, object] = {}

        def type(self, code: str, **kw):
            if code not in self.types:
                self.types[code] = make_service_type(self.city, code, **kw)
            return self.types[code]

    made: dict[str, Member] = {}

    def get(slug: str) -> Member:
        if slug not in made:
            made[slug] = Member(cities[slug])
        return made[slug]

    return get


def set_population(city: City, population: int | None) -> City:
    City.objects.filter(pk=city.pk).update(population=population)
    city.refresh_from_db()
    return city


def define(region: Region, key: str, **kw):
    kw.setdefault("name", key.replace("-", " ").capitalize())
    kw.setdefault("definition", "As every city agreed it.")
    return services.common_measure_define(region=region, key=key, **kw)


def row_of(comp: regional.Comparison, slug: str) -> regional.CityFigure:
    return next(r for r in comp.rows if r.city.slug == slug)


@pytest.fixture
def potholes(cities, member):
    """Median days to close potholes in Q1 2024, minimum 3 cases. Each city's own types:
    Raytown's pothole type has another code, mapped onto the same definition."""
    region = cities["independence"].region
    common = define(
        region,
        "potholes-median-days",
        name="Median days to close potholes",
        computation="potholes_median_days_to_close",
        unit="days",
        direction="lower",
        decimals=1,
        minimum_cases=3,
    )
    closing_days = {
        "independence": [1, 2, 4],  # median 2
        "raytown": [3, 5, 6, 8],  # median 5.5
        "blue-springs": [1, 1, 3],  # median 1
        "grandview": [10, 12],  # too few: median 11 would pull the group's median up
    }
    codes = {"raytown": "street-pothole"}
    for slug, durations in closing_days.items():
        m = member(slug)
        code = codes.get(slug, "pothole")
        pothole = m.type(code, target_days=5)
        other = m.type("street-light-out")
        for n, days in enumerate(durations):
            case = m.book.open(pothole, local("2024-01-08", 9) + dt.timedelta(days=n))
            m.book.close(case, case.opened_at + dt.timedelta(days=days))
        # Not in the definition: another type, and a pothole closed in the next quarter.
        m.book.close(m.book.open(other, local("2024-01-10")), local("2024-01-11"))
        late = m.book.open(pothole, local("2024-03-25"))
        m.book.close(late, local("2024-04-02"))
        services.common_measure_map(common_measure=common, city=m.city, service_codes=[code])
    return common, closing_days


def test_each_city_s_median_days_to_close_matches_its_own_cases(potholes):
    common, closing_days = potholes
    comp = regional.comparison(common, Q1_2024)
    for slug in ("independence", "raytown", "blue-springs"):
        row = row_of(comp, slug)
        expected = D(statistics.median(closing_days[slug])) * DAY
        assert row.standing == regional.Standing.COUNTED
        assert row.value == expected
        assert row.cases == len(closing_days[slug])
    assert row_of(comp, "independence").figure_text == "2.0 days"
    assert row_of(comp, "raytown").figure_text == "5.5 days"


def test_the_median_is_of_the_cities_with_enough_cases_only(potholes):
    common, _ = potholes
    comp = regional.comparison(common, Q1_2024)
    # Independence 2, Raytown 5.5, Blue Springs 1: median 2 days. Grandview's two cases
    # (median 11) would have made it (2 + 5.5) / 2 = 3.75.
    assert comp.median == 2 * DAY
    assert comp.median_text == "2.0 days"
    assert {r.city.slug for r in comp.counted} == {"independence", "raytown", "blue-springs"}


def test_a_city_below_the_minimum_shows_too_few_cases_and_no_figure(potholes):
    common, _ = potholes
    grandview = row_of(regional.comparison(common, Q1_2024), "grandview")
    assert grandview.standing == regional.Standing.TOO_FEW
    assert grandview.cases == 2
    assert grandview.value is None and grandview.compared is None
    assert grandview.figure_text == "Too few cases"
    assert grandview.standing_text == "Too few cases (2; at least 3 needed)"
    assert grandview.versus_text == "Not compared"


def test_each_city_is_set_beside_the_median_in_words(potholes):
    common, _ = potholes
    comp = regional.comparison(common, Q1_2024)
    assert row_of(comp, "independence").versus_text == "At the median"
    # Lower is better for days to close: above the median is worse.
    assert row_of(comp, "raytown").versus == regional.Versus.ABOVE
    assert row_of(comp, "raytown").versus_text == "3.5 days above the median (worse)"
    assert row_of(comp, "blue-springs").versus_text == "1.0 days below the median (better)"
    assert row_of(comp, "lees-summit").standing == regional.Standing.NOT_MAPPED


def test_requests_per_thousand_residents_use_each_city_s_population(cities, member):
    region = cities["independence"].region
    common = define(
        region,
        "requests-per-1000",
        name="Requests per 1,000 residents",
        computation="requests_opened",
        unit="count",
        decimals=2,
        per_resident=True,
        per_residents=1000,
        minimum_cases=5,
    )
    populations = {"independence": 100_000, "raytown": 50_000, "blue-springs": 20_000, "grandview": None}
    counts = {"independence": 30, "raytown": 20, "blue-springs": 4, "grandview": 12}
    for slug, count in counts.items():
        set_population(cities[slug], populations[slug])
        m = member(slug)
        kind = m.type("ce-trash")
        for n in range(count):
            m.book.open(kind, local("2024-02-01") + dt.timedelta(hours=n))
        services.common_measure_map(common_measure=common, city=m.city, service_codes=["ce-trash"])
    comp = regional.comparison(common, Q1_2024, cities=City.objects.filter(region=region).order_by("name"))
    # The comparison counts in the database (no case listed); the drill-down lists the same cases.
    assert row_of(comp, "independence").computation is None
    row, drill = regional.city_cases(common, cities["independence"], Q1_2024, {})
    assert (row.value, row.cases, drill.groups[drilldown.COUNTED].total, drill.from_the_database) == (30, 30, 30, True)

    independence, raytown = row_of(comp, "independence"), row_of(comp, "raytown")
    assert independence.value == 30 and independence.rate == D(30) * 1000 / 100_000  # 0.3
    assert raytown.rate == D(20) * 1000 / 50_000  # 0.4
    assert independence.rate_text == "0.30 per 1,000 residents"
    # Blue Springs' 4 requests are below the minimum of 5; Grandview has no population.
    assert row_of(comp, "blue-springs").standing == regional.Standing.TOO_FEW
    assert row_of(comp, "blue-springs").rate is None
    assert row_of(comp, "grandview").standing == regional.Standing.NO_POPULATION
    assert row_of(comp, "grandview").standing_text == "Population not recorded"
    assert comp.median == (D("0.3") + D("0.4")) / 2
    assert comp.median_text == "0.35 per 1,000 residents"
    # No direction: above or below, never better or worse.
    assert raytown.versus_text == "0.05 per 1,000 residents above the median"


def table_of(html: str, caption: str) -> tuple[list[str], dict[str, list[str]]]:
    """The headings of the table captioned ``caption`` and its rows' cells by city."""
    start = html.index(f"<caption>{caption}")
    table = html[start : html.index("</table>", start)]

    def cells(row: str) -> list[str]:
        return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]

    head = table.split("<thead>")[1].split("</thead>")[0]
    rows = [cells(row) for row in re.findall(r"<tr class=.*?</tr>", table, re.S)]
    return cells(head), {row[0]: row[1:] for row in rows}


def test_a_count_per_resident_shows_its_cases_once_beside_the_rate_in_either_language(client, cities, member):
    """For a count, the figure IS the number of cases behind it: the table shows it once."""
    region = cities["independence"].region
    define(
        region,
        "requests-per-1000",
        name="Requests per 1,000 residents",
        computation="requests_opened",
        unit="count",
        decimals=1,
        per_resident=True,
        minimum_cases=5,
    )
    for slug, count, population in (("independence", 12, 100_000), ("raytown", 3, 50_000)):
        set_population(cities[slug], population)
        m = member(slug)
        kind = m.type("ce-trash")
        for n in range(count):
            m.book.open(kind, local("2024-02-01") + dt.timedelta(hours=n))
        common = regional.common_measures(region).get(key="requests-per-1000")
        services.common_measure_map(common_measure=common, city=m.city, service_codes=["ce-trash"])
    html = client.get("/performance/compare/?period=2024-q1").content.decode()
    head, rows = table_of(html, "Requests per 1,000 residents, Q1 2024, by city")
    assert head == ["City", "Cases", "Per 1,000 residents", "Compared with the median", "Cases behind it"]
    # The rate alone under its column: the header (a phone card's label) says "per 1,000 residents".
    assert rows["Independence"][:2] == ["12", "0.1"]
    assert rows["Raytown"][0] == "Too few cases (3; at least 5 needed)"
    spanish = client.get("/performance/compare/?period=2024-q1", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    # The measure's name is the cities' English (lang="en" on the Spanish page).
    head, rows = table_of(spanish, '<span lang="en">Requests per 1,000 residents</span>, T1 2024, por ciudad')
    assert head == [
        "Ciudad",
        "Casos",
        "Por cada 1,000 residentes",
        "Comparado con la mediana",
        "Casos que la componen",
    ]
    assert rows["Independence"][:2] == ["12", "0.1"]


def test_a_figure_that_is_not_a_count_keeps_its_cases_beside_it(client, potholes):
    html = client.get("/performance/compare/?period=2024-q1").content.decode()
    head, rows = table_of(html, "Median days to close potholes, Q1 2024, by city")
    assert head == ["City", "Figure", "Compared with the median", "Cases", "Cases behind it"]
    assert rows["Raytown"][0] == "5.5 days" and rows["Raytown"][2] == "4"


def test_code_enforcement_inspected_within_five_days_counts_each_city_s_mapped_types(cities, member):
    region = cities["independence"].region
    common = define(
        region,
        "ce-inspected-5-days",
        name="% of code enforcement cases inspected within 5 days",
        computation="code_enforcement_inspected",
        parameters={"days": 5},
        unit="percent",
        direction="higher",
        minimum_cases=3,
    )
    # (type code, days until the first inspection update or None) per case, per city.
    plans = {
        "independence": [("ce-trash", 1), ("ce-trash", 4.9), ("ce-zoning", 6), ("ce-open-storage", None)],
        "raytown": [("ce-trash", 2), ("ce-trash", 3), ("ce-open-storage", 5)],
        "grandview": [("ce-trash", 7), ("ce-trash", 1), ("ce-trash", 8)],
    }
    for slug, plan in plans.items():
        m = member(slug)
        for n, (code, days) in enumerate(plan):
            case = m.book.open(m.type(code), local("2024-03-01") + dt.timedelta(hours=n))
            if days is not None:
                m.book.note(case, case.opened_at + dt.timedelta(days=days))
        # An internal note is not an inspection (it can be written from a desk).
        desk = m.book.open(m.type("ce-trash"), local("2024-03-02"))
        m.book.note(desk, local("2024-03-03"), public=False)
        plan.append(("ce-trash", None))
        mapped = sorted({code for code, _ in plan})
        services.common_measure_map(common_measure=common, city=m.city, service_codes=mapped)
    now = local("2024-05-01")
    comp = regional.comparison(common, Q1_2024, now=now)
    for slug, plan in plans.items():
        on_time = sum(1 for _, days in plan if days is not None and days <= 5)
        row = row_of(comp, slug)
        assert row.cases == len(plan)
        assert row.value == D(100) * on_time / len(plan)
    assert row_of(comp, "independence").figure_text == "40%"  # 2 of 5
    assert row_of(comp, "raytown").figure_text == "75%"  # 3 of 4
    assert comp.median == D(40)  # 40, 75, 25
    assert row_of(comp, "raytown").versus_text == "35 points above the median (better)"


def test_calendar_periods_are_counted_on_each_city_s_own_clock(cities, member):
    """Calendar quarters, not fiscal ones (Independence's fiscal Q1 is July–September),
    each bounded by the city's own local midnights."""
    region = cities["independence"].region
    City.objects.filter(pk=cities["raytown"].pk).update(timezone="America/Denver")
    raytown = City.objects.get(pk=cities["raytown"].pk)
    common = define(region, "requests", computation="requests_opened", unit="count", minimum_cases=1)
    ind, ray = member("independence"), member("raytown")
    ray.city = raytown
    ray.book.city = raytown
    kind_i, kind_r = ind.type("ce-trash"), ray.type("ce-trash")
    for m in (ind, ray):
        services.common_measure_map(common_measure=common, city=m.city, service_codes=["ce-trash"])
    ind.book.open(kind_i, local("2023-12-31", 23, 59))  # Q4 2023
    ind.book.open(kind_i, local("2024-01-01", 0, 0))  # Q1: first moment
    ind.book.open(kind_i, local("2024-02-15"))  # Q1 (Independence's fiscal Q3)
    ind.book.open(kind_i, local("2024-03-31", 23, 59))  # Q1: last minute
    ind.book.open(kind_i, local("2024-04-01", 0, 0))  # Q2
    # 23:30 on March 31 in Denver is already April 1 in Chicago: still Raytown's Q1.
    ray.book.open(kind_r, local("2024-03-31", 23, 30, tz=DENVER))
    # 23:30 on December 31 in Chicago is only 22:30 in Denver: Raytown's Q4 2023.
    ray.book.open(kind_r, local("2023-12-31", 23, 30))
    ray.book.open(kind_r, local("2024-01-01", 0, 30, tz=DENVER))  # Q1

    members = [cities["independence"], raytown]
    comp = regional.comparison(common, Q1_2024, cities=members)
    assert row_of(comp, "independence").value == 3
    assert row_of(comp, "raytown").value == 2
    assert row_of(comp, "raytown").period.start == local("2024-01-01", 0, 0, tz=DENVER)
    assert row_of(comp, "raytown").period.end == local("2024-04-01", 0, 0, tz=DENVER)
    q4 = regional.comparison(common, regional.parse_period("2023-q4"), cities=members)
    assert row_of(q4, "independence").value == 1 and row_of(q4, "raytown").value == 1
    march = regional.comparison(common, regional.parse_period("2024-m3"), cities=members)
    assert row_of(march, "independence").value == 1 and row_of(march, "raytown").value == 1
    assert regional.parse_period("2024-m3").label == "March 2024 (Mar 1 – Mar 31, 2024)"
    assert Q1_2024.label == "Q1 2024 (Jan 1 – Mar 31, 2024)"


def test_a_period_that_is_not_one_is_refused_in_plain_words(client, cities):
    with pytest.raises(ValueError, match="calendar quarter like 2024-q1"):
        regional.parse_period("2024-q5")
    response = client.get("/performance/compare/?period=spring")
    assert response.status_code == 400
    assert "“spring” is not a period" in response.content.decode()


def test_a_mapping_names_only_the_city_s_own_types_and_a_rate_only_suits_counts(cities, member):
    region = cities["independence"].region
    member("raytown").type("pothole")
    common = define(region, "potholes", computation="potholes_median_days_to_close", unit="days")
    with pytest.raises(ValidationError, match="Raytown has no service type with the code “potholes”"):
        services.common_measure_map(common_measure=common, city=cities["raytown"], service_codes=["potholes"])
    with pytest.raises(ValidationError, match="Only a count"):
        define(region, "rate", computation="closed_within_target", unit="percent", per_resident=True)
    with pytest.raises(ValidationError, match="Choose the definition"):
        define(region, "nonsense", computation="no_such_rule", unit="count")
    other = Region.objects.create(name="Elsewhere", slug="elsewhere")
    elsewhere = define(other, "potholes", computation="potholes_median_days_to_close", unit="days")
    with pytest.raises(ValidationError, match="region"):
        services.common_measure_map(common_measure=elsewhere, city=cities["raytown"], service_codes=["pothole"])


def test_csv_and_json_parse_back_to_the_same_figures(client, potholes):
    response = client.get("/performance/compare.json?period=2024-q1")
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["period"] == "2024-q1" and data["period_kind"] == "calendar"
    measure = next(m for m in data["measures"] if m["key"] == "potholes-median-days")
    assert D(measure["median"]) == 2 * DAY and measure["median_shown"] == "2.0 days"
    assert measure["cities_in_median"] == 3
    assert measure["service_codes"]["raytown"] == ["street-pothole"]
    by_city = {c["city_slug"]: c for c in measure["cities"]}
    assert D(by_city["raytown"]["figure"]) == D("5.5") * DAY
    assert by_city["raytown"]["versus_median"] == "above"
    assert by_city["grandview"]["figure"] is None and by_city["grandview"]["cases"] == 2
    assert by_city["grandview"]["standing"] == "too_few"
    assert by_city["lees-summit"]["standing"] == "not_mapped"
    assert by_city["independence"]["period_start"] == "2024-01-01T00:00:00-06:00"

    response = client.get("/performance/compare.csv?period=2024-q1")
    assert response.status_code == 200
    assert 'filename="comparison-eastern-jackson-county-2024-q1.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    mine = {r["city_slug"]: r for r in rows if r["measure_key"] == "potholes-median-days"}
    assert len(mine) == 5
    assert mine["blue-springs"]["unit"] == "days"
    # In the unit the row states, days: never the JSON's seconds under "days".
    assert mine["blue-springs"]["figure"] == "1.00"
    assert mine["raytown"]["figure"] == "5.50" and mine["raytown"]["compared_value"] == "5.50"
    assert {r["median"] for r in mine.values()} == {"2.00"}
    assert mine["blue-springs"]["versus_median_shown"] == "1.0 days below the median (better)"
    assert mine["grandview"]["figure"] == "" and mine["grandview"]["standing"] == "Too few cases (2; at least 3 needed)"
    assert {r["median_shown"] for r in mine.values()} == {"2.0 days"}


@pytest.mark.parametrize(("unit", "stored", "in_csv"), [("minutes", "90", "1.50"), ("percent", "37.5", "37.5")])
def test_the_csv_gives_minutes_in_minutes_and_per_cents_as_they_are(cities, unit, stored, in_csv):
    region = cities["independence"].region
    common = define(region, "share", computation="code_enforcement_inspected", unit=unit, minimum_cases=1)
    row = regional.CityFigure(city=cities["raytown"], standing=regional.Standing.COUNTED, period=None)
    row.value = row.compared = D(stored)
    comp = regional.Comparison(common, Q1_2024, [row], D(stored), "", "")
    (line,) = csv.DictReader(io.StringIO(comparison_csv(region, Q1_2024, [comp])))
    assert line["unit"] == unit and line["figure"] == in_csv
    assert D(line["median"]) == D(line["compared_value"]) == D(in_csv)


@pytest.mark.parametrize(
    ("language", "one", "two"),
    [
        ("en", "1 point below the median (worse)", "2 points above the median (better)"),
        ("es", "1 punto por debajo de la mediana (peor)", "2 puntos por encima de la mediana (mejor)"),
    ],
)
def test_a_difference_of_one_point_is_one_point_in_either_language(cities, language, one, two):
    common = define(
        cities["independence"].region,
        "share",
        computation="code_enforcement_inspected",
        unit="percent",
        direction="higher",
        minimum_cases=1,
    )
    with translation.override(language):
        assert regional._versus(common, D(39), D(40))[1] == one
        assert regional._versus(common, D(42), D(40))[1] == two


def test_the_page_shows_each_city_beside_the_median_with_text_statuses_and_a_chart(client, potholes):
    response = client.get("/performance/compare/?period=2024-q1")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Median days to close potholes" in html
    assert "Q1 2024 (Jan 1 – Mar 31, 2024)" in html
    assert "Too few cases (2; at least 3 needed)" in html
    assert "3.5 days above the median (worse)" in html
    assert "Not reported by this city" in html
    assert '<img src="data:image/svg+xml;base64,' in html
    assert "<caption>Median days to close potholes, Q1 2024, by city</caption>" in html
    assert "/performance/compare/potholes-median-days/raytown/2024-q1/cases/" in html
    assert "/performance/compare.csv?period=2024-q1" in html


def test_in_spanish_the_collaborative_is_named_as_its_data_writes_it_heading_and_footer_alike(client, potholes):
    region = potholes[0].region
    html = client.get("/performance/compare/?period=2024-q1", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert f"<h1>Comparación regional — {region.name}</h1>" in html
    footer = html[html.index('<footer class="site-footer">') :]
    assert "civicdesk — un 311 compartido por las ciudades miembro" in footer
    assert "Colaborativa" not in html  # no translation of the name beside the name itself


def test_the_cases_behind_a_city_s_figure_are_listed(client, potholes, member):
    response = client.get("/performance/compare/potholes-median-days/raytown/2024-q1/cases/")
    assert response.status_code == 200
    html = response.content.decode()
    raytown_cases = member("raytown").city.cases.filter(service_type__code="street-pothole")
    listed = [c for c in raytown_cases if c.reference in html]
    assert len(listed) == 4  # the four closed in Q1, not the one closed in April
    assert "5.5 days" in html
    too_few = client.get("/performance/compare/potholes-median-days/grandview/2024-q1/cases/").content.decode()
    assert "Too few cases (2; at least 3 needed)" in too_few
    assert client.get("/performance/compare/potholes-median-days/lees-summit/2024-q1/cases/").status_code == 404


def test_the_demo_maps_the_common_definitions_onto_each_city_s_own_types(cities):
    from civicdesk.catalog.models import ServiceType
    from civicdesk.demo.loader import catalogue_load
    from civicdesk.demo.performance import load_common_measures
    from civicdesk.performance.models import CommonMeasure

    catalogue_load(cities=cities)

    def stored() -> tuple[list, list]:
        return (
            sorted(CommonMeasure.objects.values_list("id", "region_id", "key", "name", "order")),
            sorted(CommonMeasureMapping.objects.values_list("id", "common_measure_id", "city_id", "service_codes")),
        )

    mapped = load_common_measures()
    first = stored()
    assert mapped == len(first[1]) > 0
    # Idempotent: a second load reports the same mappings and neither adds nor changes a row.
    assert load_common_measures() == mapped
    assert stored() == first
    region = cities["independence"].region
    keys = list(CommonMeasure.objects.filter(region=region).values_list("key", flat=True))
    assert keys == [
        "potholes-median-days",
        "street-closed-within-target",
        "requests-per-1000-residents",
        "code-enforcement-inspected-5-days",
    ]
    mappings = {
        (m.common_measure.key, m.city.slug): set(m.service_codes)
        for m in CommonMeasureMapping.objects.select_related("common_measure", "city")
    }
    for slug, city in cities.items():
        assert mappings[("potholes-median-days", slug)] == {"pothole"}
        everything = set(ServiceType.objects.filter(city=city).values_list("code", flat=True)) - {"triage"}
        assert mappings[("requests-per-1000-residents", slug)] == everything
    # Each city maps only the types it has: Independence four street types, Raytown one.
    assert len(mappings[("street-closed-within-target", "independence")]) == 4
    assert mappings[("street-closed-within-target", "raytown")] == {"pothole"}
    assert "ce-zoning" in mappings[("code-enforcement-inspected-5-days", "independence")]
    assert "ce-zoning" not in mappings[("code-enforcement-inspected-5-days", "raytown")]
    # The real populations make the rates: every member city has one.
    assert all(city.population for city in cities.values())


def test_regional_administrators_keep_the_common_definitions_and_a_mistyped_code_is_refused(
    client, cities, member, make_staff
):
    region = cities["independence"].region
    member("raytown").type("pothole")
    city_admin = make_staff(cities["raytown"], Role.CITY_ADMIN, is_staff=True)
    client.force_login(city_admin)
    assert client.get("/admin/performance/commonmeasure/").status_code == 403

    client.force_login(make_staff(None, Role.REGIONAL_ADMIN, is_staff=True))
    form = {
        "region": region.pk,
        "key": "potholes",
        "name": "Median days to close potholes",
        "definition": "As agreed.",
        "computation": "potholes_median_days_to_close",
        "parameters": "{}",
        "unit": "days",
        "decimals": 1,
        "direction": "lower",
        "per_residents": 1000,
        "minimum_cases": 10,
        "order": 0,
        "is_public": "on",
        "mappings-TOTAL_FORMS": 1,
        "mappings-INITIAL_FORMS": 0,
        "mappings-0-city": cities["raytown"].pk,
        "mappings-0-service_codes": '["potholes"]',
    }
    response = client.post("/admin/performance/commonmeasure/add/", form)
    assert response.status_code == 200
    assert "Raytown has no service type with the code “potholes”." in response.content.decode()
    form["mappings-0-service_codes"] = '["pothole"]'
    response = client.post("/admin/performance/commonmeasure/add/", form)
    assert response.status_code == 302
    assert CommonMeasureMapping.objects.get(city=cities["raytown"]).service_codes == ["pothole"]


def test_confidential_reports_are_counted_but_never_listed(client, cities, member):
    region = cities["independence"].region
    common = define(region, "requests", computation="requests_opened", unit="count", minimum_cases=1)
    m = member("independence")
    hotline = m.type("fraud-hotline", is_confidential=True)
    open_kind = m.type("ce-trash")
    secret = m.book.open(hotline, local("2024-02-01"))
    public = m.book.open(open_kind, local("2024-02-02"))
    services.common_measure_map(common_measure=common, city=m.city, service_codes=["fraud-hotline", "ce-trash"])
    assert row_of(regional.comparison(common, Q1_2024), "independence").value == 2
    html = client.get("/performance/compare/requests/independence/2024-q1/cases/").content.decode()
    assert public.reference in html
    assert secret.reference not in html
    assert "1 confidential report is counted in the figure but not listed." in html


# --- kept figures: the page need not work out every city's figure from its cases on each visit


def _page(client, url: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", client.get(url).content.decode())


def _reads_cases(queries) -> bool:
    return any("cases_servicerequest" in q["sql"] for q in queries)


@pytest.fixture
def keeping(settings):
    settings.REGIONAL_FIGURES_SECONDS = 900


def test_the_page_keeps_each_city_s_figure_and_the_next_visitor_reads_no_case(client, potholes, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from civicdesk.performance.models import RegionalFigure

    settings.REGIONAL_FIGURES_SECONDS = 900
    url = "/performance/compare/?period=2024-q1"
    first = _page(client, url)
    kept = {(f.city.slug, f.period): (f.value, f.cases) for f in RegionalFigure.objects.select_related("city")}
    assert kept == {
        ("independence", "2024-q1"): (2 * DAY, 3),
        ("raytown", "2024-q1"): (D("5.5") * DAY, 4),
        ("blue-springs", "2024-q1"): (1 * DAY, 3),
        ("grandview", "2024-q1"): (11 * DAY, 2),  # kept, shown as too few cases
    }
    with CaptureQueriesContext(connection) as read:
        again = _page(client, url)
        csv_file = client.get("/performance/compare.csv?period=2024-q1").content.decode()
    assert not _reads_cases(read.captured_queries)
    assert again == first and "3.5 days above the median (worse)" in again
    assert "Too few cases (2; at least 3 needed)" in again
    # The kept figures make the very page and file the cases make.
    settings.REGIONAL_FIGURES_SECONDS = 0
    assert _page(client, url) == first
    assert client.get("/performance/compare.csv?period=2024-q1").content.decode() == csv_file


def test_a_kept_figure_older_than_its_seconds_is_worked_out_again(client, potholes, member, settings):
    from civicdesk.core import clock

    settings.REGIONAL_FIGURES_SECONDS = 600
    url = "/performance/compare/?period=2024-q1"
    with clock.frozen_at(local("2024-05-01", 12)):
        assert "3.5 days above the median (worse)" in _page(client, url)
    m = member("blue-springs")  # two more slow closings: Blue Springs' median becomes 3 days
    for n in range(2):
        case = m.book.open(m.types["pothole"], local("2024-02-01") + dt.timedelta(hours=n))
        m.book.close(case, case.opened_at + dt.timedelta(days=20))
    caption = "Median days to close potholes, Q1 2024, by city"

    def blue_springs() -> list[str]:
        return table_of(_page(client, url), caption)[1]["Blue Springs"][:3]

    with clock.frozen_at(local("2024-05-01", 12, 5)):
        assert blue_springs() == ["1.0 days", "1.0 days below the median (better)", "3"]  # kept, 5 minutes old
    with clock.frozen_at(local("2024-05-01", 12, 11)):
        assert blue_springs() == ["3.0 days", "At the median", "5"]


def test_changing_a_city_s_mapping_forgets_its_kept_figure_at_once(client, potholes, member, keeping):
    from civicdesk.performance.models import RegionalFigure

    url = "/performance/compare/?period=2024-q1"
    assert "3.5 days above the median (worse)" in _page(client, url)
    raytown = member("raytown")
    raytown.type("pothole-alley")
    services.common_measure_map(common_measure=potholes[0], city=raytown.city, service_codes=["pothole-alley"])
    assert not RegionalFigure.objects.filter(city=raytown.city).exists()
    assert RegionalFigure.objects.filter(city=member("independence").city).exists()
    html = _page(client, url)
    assert "3.5 days above the median (worse)" not in html and "Too few cases (0; at least 3 needed)" in html


def test_the_worker_keeps_the_current_and_previous_quarters_and_months_ahead_of_any_visitor(client, potholes, keeping):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from civicdesk.core import clock
    from civicdesk.performance.models import RegionalFigure

    with clock.frozen_at(local("2024-04-15", 3)):
        kept = services.regional_figures_refresh()
        # Four mapped cities × (Q2, Q1, April, March).
        assert kept == 16
        periods = set(RegionalFigure.objects.values_list("period", flat=True))
        assert periods == {"2024-q2", "2024-q1", "2024-m4", "2024-m3"}
    with clock.frozen_at(local("2024-04-15", 3, 10)), CaptureQueriesContext(connection) as read:
        html = _page(client, "/performance/compare/")  # the last complete quarter: Q1 2024
        march = _page(client, "/performance/compare/?period=2024-m3")
    assert not _reads_cases(read.captured_queries)
    assert "Q1 2024 (Jan 1 – Mar 31, 2024)" in html and "3.5 days above the median (worse)" in html
    assert "March 2024" in march
    # A day later the old figures are forgotten by the next refresh.
    with clock.frozen_at(local("2024-04-16", 3, 30)):
        services.regional_figures_refresh()
    assert set(RegionalFigure.objects.values_list("computed_at", flat=True)) == {local("2024-04-16", 3, 30)}


def test_the_sweeper_queues_a_refresh_once_a_third_of_the_kept_seconds(settings):
    from django.core.cache import cache
    from django_tasks import task_backends

    from civicdesk.performance import tasks

    backend = task_backends["default"]
    backend.clear()
    cache.delete(tasks.QUEUED_KEY)
    try:
        settings.REGIONAL_FIGURES_SECONDS = 0
        assert tasks.refresh_ensure() is False  # kept figures turned off: nothing to refresh
        settings.REGIONAL_FIGURES_SECONDS = 900
        assert tasks.refresh_ensure() is True
        assert tasks.refresh_ensure() is False  # queued less than 300 s ago
        assert [r.task.name for r in backend.results] == ["regional_figures_refresh"]
    finally:
        cache.delete(tasks.QUEUED_KEY)
        backend.clear()


def test_a_figure_that_reads_as_the_median_is_at_the_median_and_differences_agree_with_the_figures_shown(cities):
    common = define(
        cities["independence"].region,
        "median-days",
        computation="potholes_median_days_to_close",
        unit="days",
        direction="lower",
        decimals=1,
        minimum_cases=1,
    )
    day = D(86400)
    # 3.04 days is written "3.0 days", as the median of 2.96 days is: at the median, not "0.1 days above".
    assert regional._versus(common, D("3.04") * day, D("2.96") * day) == (regional.Versus.AT, "At the median")
    # 3.14 reads "3.1" and 2.96 reads "3.0": 0.1 days above, as a reader subtracts them.
    assert regional._versus(common, D("3.14") * day, D("2.96") * day)[1] == "0.1 days above the median (worse)"
    # 3.06 reads "3.1" beside "3.0", though the unrounded gap is only 0.02 days.
    assert regional._versus(common, D("3.06") * day, D("3.04") * day)[1] == "0.1 days above the median (worse)"
