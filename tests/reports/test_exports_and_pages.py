"""The report as a web page, a PDF, a CSV and from the command line, on the same month of cases."""

from __future__ import annotations

import base64
import csv
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client
from pypdf import PdfReader

from civicdesk.reports import exports
from civicdesk.reports.service_request_report import service_request_report
from tests.reports.conftest import FROM, TO, Month

pytestmark = pytest.mark.django_db
RANGE = {"from": "2021-10-01", "to": "2021-10-22"}


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"[ \t]+", " ", text)


def csv_sections(text: str) -> dict[str, list[list[str]]]:
    """Sections of the CSV by their title row: each a header row and data rows."""
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] = []
    sections["head"] = current
    for row in csv.reader(io.StringIO(text)):
        if not row:
            current = []
            continue
        if not current and sections.get("head") is not current and len(row) == 1:
            sections[row[0]] = current
            continue
        current.append(row)
    return sections


def test_the_pdf_reads_like_the_council_report_with_every_figure(month: Month) -> None:
    report = service_request_report(city=month.city, date_from=FROM, date_to=TO)
    text = pdf_text(exports.report_pdf(report))
    assert "Service Request Report 10/1/2021 – 10/22/2021" in text
    assert "Independence" in text
    assert "Total number of new service requests opened: 24" in text
    for row in report.departments:
        assert re.search(rf"{re.escape(row.label)}\s+{row.count}\s+{row.percent:.1f}%", text), row.label
    assert re.search(r"Total\s+24\s+100\.0%", text)
    assert "Top 5 problem descriptions in new service requests" in text
    for rank, row in enumerate(report.top_types, start=1):
        assert re.search(rf"{rank}\s+{re.escape(row.label)}\s+{row.count}", text), row.label
    for district in report.districts:
        assert re.search(rf"{re.escape(district.label)}\s+{district.count}", text), district.label
        for row in district.top_types:
            assert re.search(rf"{re.escape(row.label)}\s+{row.count}", text)
    assert "Fraud" not in text


def test_the_csv_parses_back_to_the_same_numbers(month: Month) -> None:
    report = service_request_report(city=month.city, date_from=FROM, date_to=TO)
    sections = csv_sections(exports.report_csv(report))
    head = dict((row[0], row[1]) for row in sections["head"][1:])
    assert head == {
        "Scope": "Independence",
        "From": "2021-10-01",
        "To": "2021-10-22",
        "Counted through": "2021-10-22",
        "Total new requests": "24",
    }

    header, *rows = sections["Share by department"]
    assert header == ["Department", "Requests", "Share (%)"]
    *departments, total = rows
    assert [(r[0], int(r[1]), r[2]) for r in departments] == [
        (s.label, s.count, f"{s.percent:.1f}") for s in report.departments
    ]
    assert total == ["Total", "24", "100.0"]
    assert sum(int(r[1]) for r in departments) == 24
    assert round(sum(float(r[2]) for r in departments), 1) == 100.0

    header, *rows = sections["Top problem descriptions"]
    assert [(int(r[0]), r[1], int(r[2])) for r in rows] == [
        (i, t.label, t.count) for i, t in enumerate(report.top_types, 1)
    ]

    header, *rows = sections["Requests per district"]
    assert header == ["District", "Problem description", "Requests"]
    totals = {r[0]: int(r[2]) for r in rows if r[1] == ""}
    assert totals == {d.label: d.count for d in report.districts}
    assert [(r[1], int(r[2])) for r in rows if r[0] == "Others" and r[1]] == [("Sinkhole", 2)]


def test_the_city_page_shows_charts_beside_accessible_tables_and_download_links(month: Month, client: Client) -> None:
    response = client.get("/independence/reports/service-requests/", RANGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Total number of new service requests opened" in html and ">24<" in html
    assert html.count('<img src="data:image/svg+xml;base64,') == 2
    for table in ("departments", "top-types", "districts"):
        assert '<table class="figures' in html and f'id="{table}"' in html
    assert html.count("<caption") == 3
    assert '<th scope="col">' in html and '<th scope="row">' in html
    assert "No department assigned" in html and "No district assigned" in html and "Others" in html
    assert "Fraud" not in html
    assert 'href="/independence/reports/service-requests.pdf?from=2021-10-01&amp;to=2021-10-22"' in html
    assert 'href="/independence/reports/service-requests.csv?from=2021-10-01&amp;to=2021-10-22"' in html


def chart_texts(html: str) -> list[str]:
    """The words and numbers written in each chart of a page (its ``data:`` URIs decoded)."""
    uris = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    return [" ".join(re.findall(r">([^<>]+)<", base64.b64decode(uri).decode())) for uri in uris]


def test_in_spanish_the_chart_writes_each_share_as_the_table_beside_it_does(month: Month, client: Client) -> None:
    html = client.get("/independence/reports/service-requests/", RANGE, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    table = html[html.index('id="departments"') : html.index("</table>", html.index('id="departments"'))]
    # Spanish as our readers write it, with a decimal point as the English page (not "37,9%").
    shares = re.findall(r'<td class="num"[^>]*>(\d+\.\d%)</td>', table)
    assert not re.search(r"\d,\d%", table)
    assert shares and "Total" in table
    departments = chart_texts(html)[0]
    for share in shares[:-1]:  # the last is the total, which the chart does not draw
        assert share in departments
    assert not re.search(r"\d,\d%", departments)
    assert "Proporción de solicitudes nuevas (%)" in departments


def test_the_download_links_return_the_pdf_and_the_csv(month: Month, client: Client) -> None:
    pdf = client.get("/independence/reports/service-requests.pdf", RANGE)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert "service-requests-independence-2021-10-01-2021-10-22.pdf" in pdf["Content-Disposition"]
    assert "Total number of new service requests opened: 24" in pdf_text(pdf.content)
    data = client.get("/independence/reports/service-requests.csv", RANGE)
    assert data.status_code == 200 and data["Content-Type"].startswith("text/csv")
    assert ["Total new requests", "24"] in list(csv.reader(io.StringIO(data.content.decode())))


def test_a_spanish_readers_csv_is_in_spanish_headings_and_all(month: Month, client: Client) -> None:
    """The rows' names were the reader's already ("Sin departamento asignado", "Otros"); the
    headings over them were English ("Share by department", "Department,Requests,Share (%)")."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    sections = csv_sections(client.get("/independence/reports/service-requests.csv", RANGE).content.decode("utf-8-sig"))
    assert sections["head"][0] == ["Informe de solicitudes de servicio"]
    assert dict((row[0], row[1]) for row in sections["head"][1:]) == {
        "Alcance": "Independence",
        "Desde": "2021-10-01",
        "Hasta": "2021-10-22",
        "Contado hasta": "2021-10-22",
        "Total de solicitudes nuevas": "24",
    }
    header, *rows = sections["Proporción por departamento"]
    assert header == ["Departamento", "Solicitudes", "Proporción (%)"]
    assert rows[-1] == ["Total", "24", "100.0"]
    assert sections["Problemas más reportados"][0] == ["Lugar", "Descripción del problema", "Solicitudes"]
    header, *rows = sections["Solicitudes por distrito"]
    assert header == ["Distrito", "Descripción del problema", "Solicitudes"]
    assert sum(int(r[2]) for r in rows if r[1] == "") == 24


def test_the_collaborative_page_counts_every_member_city(month: Month, client: Client) -> None:
    response = client.get("/reports/service-requests/", RANGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "All member cities" in html and ">26<" in html
    assert "Raytown — " in html
    # The scope said once, as the PDF says it: not "All member cities — all member cities …".
    assert "<p>All member cities</p>" in html and html.count("ll member cities") == 2  # and the <title>
    spanish = client.get("/reports/service-requests/", RANGE, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "<p>Todas las ciudades miembro</p>" in spanish and spanish.count("odas las ciudades miembro") == 2


def test_without_dates_the_page_shows_the_last_three_weeks(month: Month, client: Client) -> None:
    from civicdesk.core import clock
    from tests.reports.conftest import local

    with clock.frozen_at(local(2021, 10, 22, 12, 0)):
        response = client.get("/independence/reports/service-requests/")
    assert response.status_code == 200
    assert 'value="2021-10-02"' in response.content.decode() and 'value="2021-10-22"' in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from": "2021-10-22", "to": "2021-10-01"}, "The end date comes before the start date."),
        ({"from": "2021-13-01", "to": "2021-10-22"}, "Enter a date as YYYY-MM-DD"),
    ],
)
def test_a_bad_range_on_the_page_says_what_is_wrong(
    month: Month, client: Client, query: dict[str, str], message: str
) -> None:
    response = client.get("/independence/reports/service-requests/", query)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert client.get("/independence/reports/service-requests.csv", query).status_code == 400


def test_an_unknown_city_has_no_report(month: Month, client: Client) -> None:
    assert client.get("/atlantis/reports/service-requests/", RANGE).status_code == 404


def test_the_command_writes_each_format(month: Month, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["report", "service-requests", "--city", "independence", "--from", "2021-10-01", "--to", "2021-10-22"]

    call_command(*args, "--format", "csv")
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert ["Total new requests", "24"] in rows and ["Total", "24", "100.0"] in rows

    call_command(*args, "--format", "html")
    html = capsys.readouterr().out
    assert html.startswith("<!doctype html>") and "Total number of new service requests opened" in html

    out = tmp_path / "council.pdf"
    call_command(*args, "--format", "pdf", "--output", str(out))
    assert capsys.readouterr().out.strip() == str(out)
    assert "Total number of new service requests opened: 24" in pdf_text(out.read_bytes())

    csv_file = tmp_path / "council.csv"
    call_command(*args, "--format", "csv", "--output", str(csv_file))
    assert ["Total new requests", "24"] in list(csv.reader(csv_file.open(newline="", encoding="utf-8")))


def test_the_command_without_output_writes_a_pdf_named_after_the_report(
    month: Month, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    call_command("report", "service-requests", "--from", "2021-10-01", "--to", "2021-10-22")
    name = capsys.readouterr().out.strip()
    assert name == "service-requests-all-cities-2021-10-01-2021-10-22.pdf"
    assert "Total number of new service requests opened: 26" in pdf_text((tmp_path / name).read_bytes())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--city", "independence", "--from", "2021-10-32", "--to", "2021-10-22"], "--from: 2021-10-32 is not a date"),
        (["--city", "independence", "--from", "2021-10-22", "--to", "2021-10-01"], "before the start date"),
        (
            ["--city", "atlantis", "--from", "2021-10-01", "--to", "2021-10-22"],
            "No city 'atlantis'. Known cities: blue-springs",
        ),
    ],
)
def test_the_command_refuses_bad_input_in_plain_words(month: Month, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("report", "service-requests", "--format", "csv", *args)


@pytest.mark.parametrize(
    ("language", "message", "invented"),
    [
        ("en", "No service requests were opened in this period", "No department assigned"),
        ("es", "No se abrió ninguna solicitud de servicio en este período", "Sin departamento asignado"),
    ],
)
def test_a_period_with_no_requests_says_so_without_invented_rows_or_empty_charts(
    month: Month, client: Client, language: str, message: str, invented: str
) -> None:
    empty = {"from": "2020-01-01", "to": "2020-01-31"}
    page = client.get("/independence/reports/service-requests/", empty, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    pdf = pdf_text(
        client.get("/independence/reports/service-requests.pdf", empty, HTTP_ACCEPT_LANGUAGE=language).content
    )
    for text in (page, pdf):
        assert message in text
        assert invented not in text and "0.0%" not in text and "0,0 %" not in text
    assert "data:image/svg+xml" not in page and 'id="departments"' not in page
