"""Open311 GeoReport v2 JSON: the answer of ``GET requests.json``, a list of requests.

The file is read as a stream of objects (a few kB of it at a time), so a large dump costs
no more memory than a small one. Each request becomes a case: ``service_request_id`` is the
case id, ``service_code`` (or, through a mapping, ``service_name``) the type, ``status``
open/closed, ``requested_datetime`` the opening; GeoReport has no closing time, so a closed
request is taken as closed at its ``updated_datetime`` and ``status_notes`` is its closing
note. ``lat``/``long`` of 0, 0 mean "no point" (apps send them when the resident gave none).
"""

from __future__ import annotations

import json
import math
import zoneinfo
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from civicdesk.cases.models import Resolution, Status
from civicdesk.history.dates import iso_moment
from civicdesk.history.mapping import ImportMapping
from civicdesk.history.readers.csv_mapped import ImportFileError
from civicdesk.history.rows import BadRow, ImportedCase

CHUNK = 64 * 1024
_WHITESPACE = " \t\r\n"


def iter_json_array(handle: IO[str], *, name: str) -> Iterator[tuple[int, Any]]:
    """Yield ``(line, value)`` for each element of the JSON array in ``handle``, reading it in
    chunks. ``line`` is the line the element starts on. Raises ``ImportFileError`` when the
    text is not a JSON array."""
    decoder = json.JSONDecoder()
    buffer = handle.read(CHUNK)
    line = 1
    pos = 0

    def skip(chars: str) -> None:
        nonlocal pos, line, buffer
        while True:
            while pos < len(buffer) and buffer[pos] in chars:
                if buffer[pos] == "\n":
                    line += 1
                pos += 1
            if pos < len(buffer):
                return
            more = handle.read(CHUNK)
            if not more:
                return
            buffer, pos = more, 0

    skip(_WHITESPACE)
    if buffer[pos : pos + 1] != "[":
        raise ImportFileError(f"{name}: expected a JSON list of requests ([{{…}}, …]), as requests.json answers.")
    pos += 1
    first = True
    while True:
        skip(_WHITESPACE)
        if buffer[pos : pos + 1] == "]":
            return
        if not first:
            if buffer[pos : pos + 1] != ",":
                raise ImportFileError(f"{name}, line {line}: expected “,” or “]” between requests.")
            pos += 1
            skip(_WHITESPACE)
        first = False
        while True:
            try:
                value, end = decoder.raw_decode(buffer, pos)
            except json.JSONDecodeError as exc:
                more = handle.read(CHUNK)
                if not more:
                    raise ImportFileError(f"{name}, line {line + exc.lineno - 1}: not valid JSON: {exc.msg}.") from exc
                # The element runs past the chunk: keep what is left and read on.
                buffer, pos = buffer[pos:] + more, 0
                continue
            break
        yield line, value
        line += buffer.count("\n", pos, end)
        pos = end


def read_georeport(
    path: str | Path, *, tz: zoneinfo.ZoneInfo, mapping: ImportMapping | None = None
) -> Iterator[ImportedCase | BadRow]:
    """Yield each request of a GeoReport ``requests.json`` file as a case or a bad row.

    Without a mapping the request's ``service_code`` is our code; with one, its
    ``service_types`` are looked up by ``service_code`` and then by ``service_name``.
    """
    path = Path(path)
    try:
        handle = open(path, encoding="utf-8-sig")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot open the file ({exc.strerror or exc}).") from exc
    with handle:
        requests = iter_json_array(handle, name=str(path))
        while True:
            try:
                line, request = next(requests)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                # JSON is UTF-8 (RFC 8259); an export saved in a Windows code page is not.
                raise ImportFileError(
                    f"{path}: the file is not UTF-8 (byte {exc.start} of a block cannot be read); "
                    "save it as UTF-8 and import it again."
                ) from exc
            try:
                yield _case(request, line, path.name, tz, mapping)
            except ValueError as exc:
                external_id = str(request.get("service_request_id") or "") if isinstance(request, dict) else ""
                yield BadRow(path.name, line, str(exc), external_id)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _degrees(value: Any, name: str, limit: int) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: “{value}” is not a number of degrees.") from None
    if not math.isfinite(number) or not -limit <= number <= limit:
        raise ValueError(f"{name}: {value} is not between -{limit} and {limit}.")
    return number


def _is_unicode(value: Any) -> bool:
    try:
        str(value).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _case(request: Any, line: int, source: str, tz: zoneinfo.ZoneInfo, mapping: ImportMapping | None) -> ImportedCase:
    if not isinstance(request, dict):
        raise ValueError("Expected a request object ({…}).")
    for name, value in request.items():
        # JSON may escape half of a character ("\ud83d"); no database can store it.
        if not _is_unicode(value):
            shown = str(name).encode("utf-8", "backslashreplace").decode()
            raise ValueError(f"{shown}: holds half of a character (a lone UTF-16 surrogate).")
    external_id = _text(request.get("service_request_id"))
    if not external_id:
        raise ValueError("service_request_id is missing: without it a re-import would duplicate the request.")
    code_in, name_in = _text(request.get("service_code")), _text(request.get("service_name"))
    if not code_in and not name_in:
        raise ValueError("Neither service_code nor service_name is given.")
    if mapping is not None and mapping.type_codes:
        code = mapping.type_codes.get(code_in.casefold()) or mapping.type_codes.get(name_in.casefold())
        code = code or mapping.type_otherwise or None
        if code is None:
            raise ValueError(
                f"service “{name_in or code_in}” ({code_in}) is not a known problem type; add it under "
                f"service_types in {mapping.name}."
            )
    else:
        code = code_in
    zone = mapping.zone(tz) if mapping is not None else tz
    raw_opened = _text(request.get("requested_datetime"))
    opened_at = iso_moment(raw_opened, zone) if raw_opened else None
    if opened_at is None:
        raise ValueError(f"requested_datetime: “{raw_opened}” is not an ISO 8601 date-time.")
    raw_updated = _text(request.get("updated_datetime"))
    updated_at = iso_moment(raw_updated, zone) if raw_updated else None
    if raw_updated and updated_at is None:
        raise ValueError(f"updated_datetime: “{raw_updated}” is not an ISO 8601 date-time.")
    raw_status = _text(request.get("status")).lower()
    if raw_status not in ("open", "closed"):
        raise ValueError(f"status: “{raw_status}” is neither open nor closed.")
    closed = raw_status == "closed"
    lat = _degrees(request.get("lat"), "lat", 90)
    lng = _degrees(request.get("long"), "long", 180)
    if (lat == 0 and lng == 0) or lat is None or lng is None:
        lat = lng = None
    address = _text(request.get("address"))
    zipcode = _text(request.get("zipcode"))
    if zipcode and zipcode not in address:
        address = f"{address} {zipcode}".strip()
    return ImportedCase(
        line=line,
        source=source,
        external_id=external_id,
        service_code=code,
        opened_at=opened_at,
        updated_at=updated_at,
        status=Status.CLOSED if closed else Status.NEW,
        resolution=Resolution.RESOLVED if closed else "",
        closed_at=updated_at if closed else None,
        closing_note=_text(request.get("status_notes")) if closed else "",
        description=_text(request.get("description")),
        address=address,
        lat=lat,
        lng=lng,
    )
