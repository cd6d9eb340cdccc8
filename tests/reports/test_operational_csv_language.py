"""The operational report's CSV is in the reader's language, as the Service Request Report's
is (``exports.report_csv``): its titles, headings and the words in its cells; its dates and
numbers read the same in both languages. Before, a Spanish reader's file read
"Name,Opened,Closed,Median days…" over Spanish rows.

A spreadsheet opens it as UTF-8: the file begins with a byte order mark, as the Service
Request Report's does."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from civicdesk.core import clock
from tests.reports.test_operational import FROM, NOW, TO, world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
QUERY = {"from": FROM.isoformat(), "to": TO.isoformat()}
# A cell a program reads: a number (a dot for decimals, no separator), an ISO date or time, or empty.
MACHINE_READABLE = re.compile(r"-?\d+(\.\d+)?|\d{4}-\d{2}-\d{2}(T[\d:+-]+)?|")


def csv_file(client: Client, url: str, language: str) -> tuple[bytes, list[list[str]]]:
    """The file as a reader of ``language`` downloads it: its bytes and its rows."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with clock.frozen_at(NOW):
        response = client.get(url, QUERY)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return response.content, list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def sections(rows: list[list[str]]) -> dict[str, list[list[str]]]:
    """The file's sections by their title row: the rows after it (the head's under its title)."""
    out: dict[str, list[list[str]]] = {}
    title: str | None = None
    for row in rows:
        if not row:
            title = None
        elif title is None:
            title = row[0]
            out[title] = []
        else:
            out[title].append(row)
    return out


def test_the_csv_headings_and_words_follow_the_readers_language_and_its_figures_do_not(
    client: Client,
    world: dict[str, Any],  # noqa: F811
) -> None:
    url = "/independence/reports/operations.csv"
    english_bytes, english = csv_file(client, url, "en")
    spanish_bytes, spanish = csv_file(client, url, "es")
    # A spreadsheet opens either as UTF-8.
    assert english_bytes.startswith(b"\xef\xbb\xbf") and spanish_bytes.startswith(b"\xef\xbb\xbf")

    en, es = sections(english), sections(spanish)
    assert list(en) == [
        "Operational report",
        "Comparison with the previous period",
        "Backlog",
        "Time to close by type",
        "Time to close by department",
        "Time to close by district",
        "Intake by channel",
        "Trend by week",
        "Trend by month",
    ]
    assert list(es) == [
        "Informe operativo",
        "Comparación con el período anterior",
        "Rezago",
        "Tiempo para cerrar por tipo",
        "Tiempo para cerrar por departamento",
        "Tiempo para cerrar por distrito",
        "Recepción por canal",
        "Tendencia por semana",
        "Tendencia por mes",
    ]
    assert [row[0] for row in es["Informe operativo"]] == [
        "Alcance",
        "Desde",
        "Hasta",
        "Período anterior",
        "Comparado con",
    ]
    head = dict(row[:2] for row in es["Informe operativo"])
    assert head["Período anterior"] == "2024-02-16 a 2024-02-29"
    assert head["Comparado con"] == "el mismo número de días inmediatamente anteriores"
    assert dict(row[:2] for row in en["Operational report"])["Compared with"] == "as many days just before"
    # The header rows.
    assert es["Comparación con el período anterior"][0] == [
        "Cifra",
        "Este período",
        "Período anterior",
        "Cambio",
        "Cambio (%)",
    ]
    assert es["Rezago"][0] == ["Antigüedad", "Casos abiertos"]
    assert es["Tiempo para cerrar por tipo"][0] == [
        "Nombre",
        "Abierto",
        "Cerrado",
        "Mediana (días)",
        "Percentil 90 (días)",
        "Cerradas dentro del plazo (%)",
        "Mediana",
        "Percentil 90",
    ]
    assert en["Time to close by type"][0][3:5] == ["Median days", "90th percentile days"]
    assert es["Recepción por canal"][0] == ["Canal", "Solicitudes nuevas", "Proporción (%)"]
    assert es["Tendencia por semana"][0] == ["Desde", "Hasta", "Abierto", "Cerrado"]
    # The words in the cells: figures, ages, the rows of no department or district, channels, times.
    assert [row[0] for row in es["Comparación con el período anterior"][1:3]] == [
        "Solicitudes nuevas",
        "Solicitudes cerradas",
    ]
    assert es["Comparación con el período anterior"][3][0] == "Mediana del tiempo de cierre (días)"
    assert es["Rezago"][1][0] == "0–7 días"
    assert es["Tiempo para cerrar por departamento"][-1][0] == "Sin departamento asignado"
    assert es["Tiempo para cerrar por distrito"][-1][0] == "Sin distrito asignado"
    assert en["Time to close by district"][-1][0] == "No district assigned"
    spanish_times = [row[6] for row in es["Tiempo para cerrar por tipo"][1:] if row[6]]
    assert spanish_times and all(t.endswith((" días", " horas")) for t in spanish_times)
    assert {row[0] for row in es["Recepción por canal"][1:]} & {"Teléfono", "Correo electrónico"}

    # Same shape, and every date and number the same in both files: only words differ.
    assert [len(row) for row in english] == [len(row) for row in spanish]
    for en_row, es_row in zip(english, spanish, strict=True):
        for en_cell, es_cell in zip(en_row, es_row, strict=True):
            if MACHINE_READABLE.fullmatch(en_cell):
                assert es_cell == en_cell, (en_row, es_row)


def test_the_service_request_reports_csv_begins_with_the_same_byte_order_mark(
    client: Client,
    world: dict[str, Any],  # noqa: F811
) -> None:
    body, rows = csv_file(client, "/independence/reports/service-requests.csv", "es")
    assert body.startswith(b"\xef\xbb\xbf")
    assert rows[0] == ["Informe de solicitudes de servicio"]
