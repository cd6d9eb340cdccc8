"""Writing the open-data files: ``open_data_export`` for one scope, ``open_data_export_all``
for every city and the collaborative (what the nightly task and ``export_open_data`` run).

Each file is written as a stream: rows come from a server-side cursor
(``selectors.open_data_rows``), are compressed on the fly and hashed as the compressed bytes
pass, into a temporary file on local disk. Only when that file is complete is it saved
into the storage under a new name (never over the current file), and only then is the
``OpenDataFile`` row switched to it, in one transaction; the file it replaces is deleted
after the commit. A download that started before the switch reads the old file to its end;
one that starts after reads the new one. No reader ever sees half a file, whatever the
storage (local disk or an object store, which cannot rename).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import logging
import queue
import secrets
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db import connection, transaction

from civicdesk.core import clock
from civicdesk.opendata.columns import NAMES
from civicdesk.opendata.models import Format, OpenDataFile
from civicdesk.opendata.selectors import open_data_copy_queries, open_data_rows
from civicdesk.tenants.models import City

log = logging.getLogger("civicdesk.opendata")

# zlib level 6 (gzip's own default) compresses these files about as well as 9 at half the time.
COMPRESS_LEVEL = 6
CHUNK_BYTES = 1 << 20  # rows from COPY are joined into chunks of about this size before gzip
QUEUE_CHUNKS = 4  # chunks waiting for the gzip thread, at most
COLLABORATIVE = "collaborative"
SUFFIX = {Format.CSV: "csv.gz", Format.GEOJSON: "geojson.gz"}


def open_data_storage() -> Storage:
    """The storage the files are kept in (``OPEN_DATA_STORAGE``, a key of ``STORAGES``)."""
    return storages[getattr(settings, "OPEN_DATA_STORAGE", "default")]


def _prefix() -> str:
    return getattr(settings, "OPEN_DATA_PREFIX", "open-data/").strip("/") + "/"


def download_name(*, city: City | None, fmt: str) -> str:
    """The file's name for the reader (its URL's last part and the name it is saved under)."""
    scope = city.slug if city is not None else COLLABORATIVE
    return f"{scope}-311-cases.{SUFFIX[Format(fmt)]}"


class _HashingSink(io.RawIOBase):
    """A file that counts and hashes every byte written on its way to ``target``."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.digest = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data)
        self.digest.update(view)
        self.target.write(view)
        self.size += len(view)
        return len(view)


@dataclass(frozen=True)
class Written:
    rows: int
    size: int
    sha256: str


def _write_csv(rows: Iterable[list[str]], text: IO[str]) -> int:
    writer = csv.writer(text, lineterminator="\n")  # as PostgreSQL's COPY writes it
    writer.writerow(NAMES)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count


_LAT, _LNG, _DISTRICT = NAMES.index("lat"), NAMES.index("lng"), NAMES.index("district")
_PROPERTIES = [i for i, name in enumerate(NAMES) if name not in ("lat", "lng")]


def _write_geojson(rows: Iterable[list[str]], text: IO[str]) -> int:
    # One feature per line: a reader can also take the file line by line. Spaced as
    # PostgreSQL's json_build_object writes it, so both databases write the same text.
    text.write('{"type": "FeatureCollection", "features": [\n')
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(", ", " : ")).encode
    count = 0
    for row in rows:
        lat, lng = row[_LAT], row[_LNG]
        geometry = {"type": "Point", "coordinates": [float(lng), float(lat)]} if lat and lng else None
        properties: dict[str, str | int | None] = {NAMES[i]: row[i] for i in _PROPERTIES}
        # The dictionary's "whole number": a number in JSON, null when the case has none.
        properties["district"] = int(row[_DISTRICT]) if row[_DISTRICT] else None
        feature = {"type": "Feature", "id": row[0], "geometry": geometry, "properties": properties}
        text.write(("" if count == 0 else ",\n") + dumps(feature))
        count += 1
    text.write("\n]}\n")
    return count


WRITERS: dict[str, Callable[[Iterable[list[str]], IO[str]], int]] = {
    Format.CSV: _write_csv,
    Format.GEOJSON: _write_geojson,
}


def write_compressed(*, rows: Iterable[list[str]], fmt: str, target: IO[bytes]) -> Written:
    """Write ``rows`` as ``fmt``, gzip-compressed, into ``target``; count and hash as it goes."""
    sink = _HashingSink(target)
    # mtime 0 and no file name in the gzip header: the same cases give the same bytes, so the
    # SHA-256 only changes when the data does.
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=sink, compresslevel=COMPRESS_LEVEL, mtime=0) as gz,
        io.TextIOWrapper(gz, encoding="utf-8", newline="", write_through=False) as text,  # type: ignore[arg-type]
    ):
        count = WRITERS[fmt](rows, text)
    return Written(rows=count, size=sink.size, sha256=sink.digest.hexdigest())


class _Compressor:
    """gzip and SHA-256 in a second thread, fed through a bounded queue: zlib and hashlib
    release the GIL, so the compression of one chunk runs while the next is read from
    PostgreSQL. The queue holds at most ``QUEUE_CHUNKS`` chunks: memory stays flat however
    fast the rows come."""

    def __init__(self, target: IO[bytes]) -> None:
        self.sink = _HashingSink(target)
        self.chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=QUEUE_CHUNKS)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="open-data-gzip", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            # mtime 0 and no file name in the gzip header: the same cases give the same bytes.
            with gzip.GzipFile(filename="", mode="wb", fileobj=self.sink, compresslevel=COMPRESS_LEVEL, mtime=0) as gz:
                while (chunk := self.chunks.get()) is not None:
                    gz.write(chunk)
        except BaseException as error:  # handed to the reading thread, which raises it
            self.error = error
            while self.chunks.get() is not None:  # never leave the reader blocked on a full queue
                pass

    def write(self, chunk: bytes) -> None:
        if self.error is not None:
            raise self.error
        self.chunks.put(chunk)

    def close(self) -> None:
        self.chunks.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


GEOJSON_HEAD = b'{"type": "FeatureCollection", "features": [\n'
GEOJSON_TAIL = b"\n]}\n"


def write_by_copy(*, city: City | None, fmt: str, target: IO[bytes]) -> Written:
    """PostgreSQL: the file of ``city`` in ``fmt`` made by ``COPY (…) TO STDOUT`` itself
    (``selectors.open_data_copy_queries``), one COPY per city with the city's time zone as
    the session's, read in chunks of ``CHUNK_BYTES`` and compressed and hashed in a second
    thread. The same file as ``write_compressed`` writes from Python, at several times its speed.

    The GeoJSON's features come one per line from ``COPY … (FORMAT csv)`` with a delimiter
    and a quote that JSON text never holds unescaped (control characters), so each line is
    the feature's JSON as PostgreSQL wrote it; the lines are then joined by ",\n" between
    the collection's head and tail, as ``_write_geojson`` does."""
    geojson = fmt == Format.GEOJSON
    options = "FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01'" if geojson else "FORMAT csv"
    compressor = _Compressor(target)
    count = 0
    try:
        compressor.write(GEOJSON_HEAD if geojson else (",".join(NAMES) + "\n").encode())
        first, carry = True, b""
        with connection.cursor() as outer:
            cursor = outer.cursor  # psycopg's own: Django's wrapper has no copy()
            cursor.execute("SELECT current_setting('TimeZone')")
            session_zone = cursor.fetchone()[0]
            try:
                for query in open_data_copy_queries(city=city, fmt=fmt):
                    cursor.execute("SELECT set_config('TimeZone', %s, false)", [query.timezone])
                    with cursor.copy(f"COPY ({query.sql}) TO STDOUT ({options})", query.params) as copy:
                        blocks: list[bytes] = []
                        size = 0
                        for block in copy:  # one row each
                            blocks.append(bytes(block))
                            size += len(block)
                            if size >= CHUNK_BYTES:
                                chunk, blocks, size = b"".join(blocks), [], 0
                                if geojson:
                                    chunk, carry, first = _features(carry + chunk, first)
                                compressor.write(chunk)
                        if blocks:
                            chunk = b"".join(blocks)
                            if geojson:
                                chunk, carry, first = _features(carry + chunk, first)
                            compressor.write(chunk)
                    count += max(cursor.rowcount, 0)
            finally:
                cursor.execute("SELECT set_config('TimeZone', %s, false)", [session_zone])
        if geojson:
            compressor.write(GEOJSON_TAIL)
    finally:
        compressor.close()
    return Written(rows=count, size=compressor.sink.size, sha256=compressor.sink.digest.hexdigest())


def _features(lines: bytes, first: bool) -> tuple[bytes, bytes, bool]:
    """Complete lines of features as the GeoJSON's text (",\n" before each but the very
    first), the incomplete rest to carry on, and whether the first is still to come."""
    end = lines.rfind(b"\n")
    if end < 0:
        return b"", lines, first
    body = lines[:end].replace(b"\n", b",\n")
    return (body if first else b",\n" + body), lines[end + 1 :], False


def open_data_export(*, city: City | None, fmt: str) -> OpenDataFile:
    """Write the file of ``city`` (None: the collaborative) in ``fmt`` and make it the current one."""
    storage = open_data_storage()
    generated_at = clock.now()
    scope = city.slug if city is not None else COLLABORATIVE
    stamp = generated_at.strftime("%Y%m%dT%H%M%SZ")
    with tempfile.TemporaryFile(prefix="civicdesk-open-data-") as tmp:
        if connection.vendor == "postgresql":
            written = write_by_copy(city=city, fmt=fmt, target=tmp)
        else:
            written = write_compressed(rows=open_data_rows(city=city), fmt=fmt, target=tmp)
        tmp.seek(0)
        # A new name each time: the current file is never overwritten while someone reads it.
        wanted = f"{_prefix()}{scope}/{scope}-311-cases-{stamp}-{secrets.token_hex(4)}.{SUFFIX[Format(fmt)]}"
        name = storage.save(wanted, File(tmp, name=wanted))
    try:
        with transaction.atomic():
            current = (
                OpenDataFile.objects.select_for_update().filter(city=city, format=fmt).first()
                if city is not None
                else OpenDataFile.objects.select_for_update().filter(city=None, format=fmt).first()
            )
            old_name = current.name if current is not None else None
            if current is None:
                current = OpenDataFile(city=city, format=fmt)
            current.name = name
            current.size = written.size
            current.rows = written.rows
            current.sha256 = written.sha256
            current.generated_at = generated_at
            current.save()
            if old_name and old_name != name:
                transaction.on_commit(lambda: _delete_quietly(storage, old_name))
    except BaseException:
        _delete_quietly(storage, name)  # never switched to: nothing points at it
        raise
    log.info("open data: %s %s, %s rows, %s bytes", scope, fmt, written.rows, written.size)
    return current


def _delete_quietly(storage: Storage, name: str) -> None:
    try:
        storage.delete(name)
    except Exception:  # a file left behind costs disk space, never a wrong download
        log.warning("open data: could not delete the replaced file %s", name, exc_info=True)


def open_data_export_all(*, cities: Iterable[City] | None = None, collaborative: bool = True) -> list[OpenDataFile]:
    """Every format of each city in ``cities`` (default: all) and, with ``collaborative``, of
    the whole collaborative."""
    chosen = list(cities) if cities is not None else list(City.objects.defer("boundary").order_by("name"))
    scopes: list[City | None] = [*chosen, *([None] if collaborative else [])]
    return [open_data_export(city=scope, fmt=fmt) for scope in scopes for fmt in (Format.CSV, Format.GEOJSON)]
