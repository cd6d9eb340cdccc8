"""The Service Request Report read beside seed 004, the council's own report (rv3 #16): its
department order, its problem names, a period still running or yet to come, the
collaborative's cities, the Spanish title and a small city's month on one page."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

from civicdesk.core import clock
from civicdesk.reports import exports
from civicdesk.reports.service_request_report import plain_descriptions, service_request_report
from civicdesk.tenants.models import City
from tests.reports.conftest import FROM, TO, Month
from tests.reports.test_exports_and_pages import RANGE, csv_sections, pdf_text
from tests.reports.test_pdf_layout import ARTIFACTS, _report, pages_as_pictures

NOON = dt.datetime(2026, 12, 6, 18, 0, tzinfo=dt.UTC)  # Dec 6, 2026, noon in Missouri


def seed_order(labels: list[str]) -> bool:
    """Seed 004's order: "No department assigned" first, then by name."""
    return labels[0] == "No department assigned" and labels[1:] == sorted(labels[1:], key=str.casefold)


@pytest.mark.django_db
def test_departments_are_listed_as_seed_004_lists_them_on_the_page_the_pdf_and_the_csv(
    month: Month, client: Client
) -> None:
    report = service_request_report(city=month.city, date_from=FROM, date_to=TO)
    labels = [row.label for row in report.departments]
    assert labels == [
        "No department assigned",
        "Neighborhood Services",
        "Park Maintenance",
        "Sewer Maintenance",
        "Street Maintenance",
    ]
    # Shares as before: the order they are shown in does not move a tenth.
    assert {r.label: f"{r.percent:.1f}" for r in report.departments}["Neighborhood Services"] == "54.2"

    html = client.get("/independence/reports/service-requests/", RANGE).content.decode()
    table = html.split('id="departments"', 1)[1].split("</table>", 1)[0]
    assert seed_order(re.findall(r'<th scope="row">([^<]+)</th>', table)[:-1])

    _header, *rows = csv_sections(client.get("/independence/reports/service-requests.csv", RANGE).content.decode())[
        "Share by department"
    ]
    assert [r[0] for r in rows[:-1]] == labels

    text = pdf_text(client.get("/independence/reports/service-requests.pdf", RANGE).content)
    at = [text.index(label) for label in labels]
    assert at == sorted(at)


def test_the_top_five_name_a_problem_by_its_plain_description_as_seed_004_does() -> None:
    names = plain_descriptions(["CE - Trash/Rubbish", "CE - Open Storage", "Basement Sewer Backup", "Pothole"])
    assert names == {
        "CE - Trash/Rubbish": "Trash/Rubbish",
        "CE - Open Storage": "Open Storage",
        "Basement Sewer Backup": "Basement Sewer Backup",
        "Pothole": "Pothole",
    }
    # Never two rows that read alike: such names keep their codes.
    assert plain_descriptions(["CE - Signs", "ST - Signs", "CE - Zoning"]) == {
        "CE - Signs": "CE - Signs",
        "ST - Signs": "ST - Signs",
        "CE - Zoning": "Zoning",
    }
    assert plain_descriptions(["CE - Trash/Rubbish", "Trash/Rubbish"]) == {
        "CE - Trash/Rubbish": "CE - Trash/Rubbish",
        "Trash/Rubbish": "Trash/Rubbish",
    }
    # A dash inside a name is not a code.
    assert plain_descriptions(["Tree Trim - Power Lines", "Dead animal – small"]) == {
        "Tree Trim - Power Lines": "Tree Trim - Power Lines",
        "Dead animal – small": "Dead animal – small",
    }


@pytest.mark.django_db
def test_the_report_shows_seed_004s_plain_descriptions_in_the_top_five_and_type_names_per_district(
    month: Month,
) -> None:
    month.types["trash"].name = "CE - Trash/Rubbish"
    month.types["trash"].save(update_fields=["name"])
    report = service_request_report(city=month.city, date_from=FROM, date_to=TO)
    assert report.top_types[0].label == "Trash/Rubbish"
    district_1 = next(d for d in report.districts if d.label == month.districts[0].name)
    assert district_1.top_types[0].label == "CE - Trash/Rubbish"
    # Across the collaborative Raytown's own "Trash/Rubbish" stays apart, and both read apart.
    everyone = service_request_report(city=None, date_from=FROM, date_to=TO)
    assert [(t.label, t.count) for t in everyone.top_types[:1]] == [("CE - Trash/Rubbish", 7)]
    assert "Trash/Rubbish" not in [t.label for t in everyone.top_types]


@pytest.mark.django_db
def test_a_period_running_past_today_is_reported_to_date(month: Month, client: Client) -> None:
    report = service_request_report(
        city=month.city, date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 12, 31), today=dt.date(2026, 12, 6)
    )
    assert report.to_date and not report.not_begun and report.counted_to == dt.date(2026, 12, 6)
    with clock.frozen_at(NOON):
        html = client.get("/independence/reports/service-requests/", {"from": "2026-01-01", "to": "2026-12-31"})
        csv_text = client.get("/independence/reports/service-requests.csv", {"from": "2026-01-01", "to": "2026-12-31"})
        pdf = client.get("/independence/reports/service-requests.pdf", {"from": "2026-01-01", "to": "2026-12-31"})
    page = html.content.decode()
    assert "1/1/2026 – 12/31/2026 (to date)</span></h1>" in page
    assert "Total number of new service requests opened to date" in page
    assert "up to today, December 6, 2026, on the city's local time; the period runs to December 31, 2026" in page
    head = dict((row[0], row[1]) for row in csv_sections(csv_text.content.decode())["head"][1:])
    assert head["Counted through"] == "2026-12-06"
    assert "(to date)" in pdf_text(pdf.content)

    # A period that is over is not.
    over = service_request_report(city=month.city, date_from=FROM, date_to=TO, today=dt.date(2026, 12, 6))
    assert not over.to_date and over.counted_to == TO


@pytest.mark.django_db
def test_a_period_wholly_in_the_future_says_no_day_of_it_has_passed(month: Month, client: Client) -> None:
    with clock.frozen_at(NOON):
        page = client.get("/independence/reports/service-requests/", {"from": "2027-01-01", "to": "2027-01-31"})
        csv_text = client.get("/independence/reports/service-requests.csv", {"from": "2027-01-01", "to": "2027-01-31"})
        pdf = client.get("/independence/reports/service-requests.pdf", {"from": "2027-01-01", "to": "2027-01-31"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "(not begun yet)" in html
    assert "No days of this period have passed yet" in html
    assert "The period begins on January 1, 2027, and today is December 6, 2026" in html
    assert "Total number of new service requests" not in html
    assert 'id="departments"' not in html
    head = dict((row[0], row[1]) for row in csv_sections(csv_text.content.decode())["head"][1:])
    assert head["Counted through"] == ""
    text = pdf_text(pdf.content)
    assert "No days of this period have passed yet" in text and "Total number" not in text


@pytest.mark.django_db
def test_the_collaborative_report_has_each_citys_requests_and_says_each_citys_clock(
    month: Month, client: Client
) -> None:
    report = service_request_report(city=None, date_from=FROM, date_to=TO)
    by_city = {row.label: (row.count, f"{row.percent:.1f}") for row in report.cities}
    assert by_city["Independence"] == (24, "92.3") and by_city["Raytown"] == (2, "7.7")
    assert set(by_city) == set(City.objects.values_list("name", flat=True))
    assert sum(row.count for row in report.cities) == report.total
    assert sum(row.tenths for row in report.cities) == 1000
    # A city's own report has no such table.
    assert service_request_report(city=month.city, date_from=FROM, date_to=TO).cities == []

    html = client.get("/reports/service-requests/", RANGE).content.decode()
    table = html.split('id="cities"', 1)[1].split("</table>", 1)[0]
    assert re.search(r"Independence</th><td class=\"num\"[^>]*>24</td><td class=\"num\"[^>]*>92.3%", table)
    assert "each city's on its own local time" in html
    assert "on the city's local time" not in html
    city_page = client.get("/independence/reports/service-requests/", RANGE).content.decode()
    assert 'id="cities"' not in city_page and "on the city's local time" in city_page

    header, *rows = csv_sections(client.get("/reports/service-requests.csv", RANGE).content.decode())[
        "Requests per city"
    ]
    assert header == ["City", "Requests", "Share (%)"]
    assert ["Independence", "24", "92.3"] in rows and rows[-1] == ["Total", "26", "100.0"]
    text = pdf_text(client.get("/reports/service-requests.pdf", RANGE).content)
    assert "New requests per city" in text


def pdf_lines(pdf: bytes, name: str) -> list[str]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = Path(ARTIFACTS / f"{name}.pdf")
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", path, "-"], check=True, capture_output=True, text=True).stdout
    return [line.strip() for line in text.splitlines() if line.strip()]


def test_the_spanish_title_keeps_its_period_on_one_line_with_lower_case_months() -> None:
    report = _report(
        City(name="Independence", slug="independence"),
        {"No department assigned": 1, "Obras Públicas": 9},
        {"No district assigned": (10, ["Bache"])},
    )
    report = type(report)(**{**report.__dict__, "date_to": dt.date(2026, 12, 31), "today": dt.date(2026, 12, 6)})
    with translation.override("es"):
        lines = pdf_lines(exports.report_pdf(report), "spanish-title")
    assert any(line.endswith("1 ene 2026 – 31 dic 2026 (hasta la fecha)") for line in lines[:4]), lines[:4]
    assert not any(re.search(r"\b(Ene|Dic)\b", line) for line in lines)


def test_a_small_citys_month_that_just_overflows_prints_on_one_page() -> None:
    """Raytown's month (rv3 #16): set as usual, Ward 5 and "Others" alone on page 2."""
    types = ["Trash and debris on a property", "Tall grass and weeds", "Pothole"]
    districts = {"No district assigned": (4, ["Compliment or complaint about a city service"])}
    for n, count in zip(range(1, 6), (56, 28, 49, 37, 42), strict=True):
        districts[f"Ward {n}"] = (count, types)
    districts["Others"] = (0, [])
    departments = {
        "Community Development – Codes": 123,
        "Public Works": 65,
        "Police Animal Control": 15,
        "Parks and Recreation": 9,
        "City Administrator's Office": 4,
        "No department assigned": 0,
    }
    report = _report(City(name="Raytown", slug="raytown"), departments, districts)
    from weasyprint import HTML

    assert len(HTML(string=exports.report_html(report)).render().pages) == 2  # the usual setting
    pictures = pages_as_pictures(exports.report_pdf(report), "raytown-month")
    assert len(pictures) == 1
    text = "\n".join(pdf_lines(exports.report_pdf(report), "raytown-month-text"))
    assert "Ward 5" in text and "Others" in text and "Counts of requests opened in the period" in text


def test_the_collaboratives_cities_and_department_chart_share_page_one() -> None:
    """The requests per city above it once pushed the department chart to page 2, leaving the
    first page a title and a small table."""
    from civicdesk.reports.service_request_report import Share
    from tests.reports.test_pdf_layout import collaborative_three_months, filled_share, page_text

    report = collaborative_three_months()
    names = ["Blue Springs", "Grandview", "Independence", "Lee's Summit", "Raytown"]
    counts = [900, 500, 2000, 1100, 500]
    report = type(report)(
        **{
            **report.__dict__,
            "cities": [Share(n, c, c * 1000 // sum(counts)) for n, c in zip(names, counts, strict=True)],
        }
    )
    pictures = pages_as_pictures(exports.report_pdf(report), "collaborative-with-cities")
    first = page_text(ARTIFACTS / "collaborative-with-cities.pdf")[0]
    assert "New requests per city" in first and "Share of new requests by department" in first
    assert "Share of new requests (%)" in first  # the chart's axis: the chart is on page 1
    assert filled_share(pictures[0]) > 0.7


def test_a_small_citys_month_read_in_spanish_prints_on_one_page_too() -> None:
    """Raytown's November 2026 read in Spanish: its longer headings and problem names ("Las 5
    descripciones … nuevas" on two lines) once left the report two pages even set closer, so
    the usual setting printed Wards 3 to 5 and "Otros" alone on page 2."""
    from dataclasses import replace

    from civicdesk.reports.service_request_report import TypeCount

    types = ["Basura y escombros en una propiedad", "Pasto y maleza altos", "Bache"]
    districts = {"Sin distrito asignado": (4, ["Elogio o queja sobre un servicio de la ciudad", "Por clasificar"])}
    for n, count in zip(range(1, 6), (45, 43, 28, 47, 52), strict=True):
        districts[f"Ward {n}"] = (count, types)
    districts["Otros"] = (0, [])
    departments = {
        "Sin departamento asignado": 1,
        "City Administrator's Office": 3,
        "Community Development – Codes": 125,
        "Parks and Recreation": 9,
        "Police Animal Control": 16,
        "Public Works": 65,
    }
    top = ["Basura y escombros en una propiedad", "Pasto y maleza altos", "Bache"]
    top += ["Objetos guardados a la intemperie", "Vehículo que no funciona"]
    report = _report(City(name="Raytown", slug="raytown"), departments, districts)
    report = replace(report, top_types=[TypeCount(label, 42 - 6 * rank) for rank, label in enumerate(top)])
    with translation.override("es"):
        pictures = pages_as_pictures(exports.report_pdf(report), "raytown-month-es")
        text = "\n".join(pdf_lines(exports.report_pdf(report), "raytown-month-es-text"))
    assert len(pictures) == 1
    assert "Ward 5" in text and "Otros" in text and "Cantidad de solicitudes abiertas en el período" in text
