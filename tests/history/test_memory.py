"""An import streams: memory does not grow with the size of the file."""

from __future__ import annotations

import csv
import random
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from civicdesk.catalog.models import ServiceType
from civicdesk.history.pipeline import cases_import
from civicdesk.history.readers import read_files
from civicdesk.tenants.models import City
from tests.conftest import INSIDE

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

MAPPING = """\
columns: {external_id: id, service_type: type, opened_at: opened, closed_at: closed, address: address, lat: lat, lng: lng}
date_formats: ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d"]
"""


def write_cases(path: Path, count: int) -> None:
    rng = random.Random(4)
    lat, lng = INSIDE["independence"]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["id", "type", "opened", "closed", "address", "lat", "lng"])
        for n in range(count):
            day = f"2020-{1 + n % 12:02d}-{1 + n % 28:02d}"
            out.writerow(
                [
                    f"G-{n}",
                    "trash" if n % 3 else "pothole",
                    f"{day} {n % 24:02d}:{n % 60:02d}:00",
                    day if n % 2 else "",
                    f"{n} Generated Street, a long enough address to weigh something in memory",
                    round(lat + rng.uniform(-0.01, 0.01), 6),
                    round(lng + rng.uniform(-0.01, 0.01), 6),
                ]
            )


def peak_of_import(city: City, data: Path, mapping: Path) -> tuple[int, int]:
    tracemalloc.start()
    try:
        report = cases_import(
            city=city, rows=read_files("csv", [data], tz=city.tz, mapping_path=mapping), batch_size=2000
        )
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return report.imported, peak


def test_the_memory_of_an_import_does_not_grow_with_the_file(
    independence: City, make_service_type: Callable[..., ServiceType], tmp_path: Path
) -> None:
    make_service_type(independence, "trash")
    make_service_type(independence, "pothole")
    mapping = tmp_path / "m.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    write_cases(small, 10_000)
    write_cases(large, 100_000)
    assert large.stat().st_size > 12_000_000

    imported_small, peak_small = peak_of_import(independence, small, mapping)
    assert imported_small == 10_000
    imported_large, peak_large = peak_of_import(independence, large, mapping)
    assert imported_large == 90_000  # the first 10,000 ids were already there
    # Ten times the rows, about the same memory: a few batches, never the file.
    assert peak_large < peak_small * 1.5 + 2_000_000, (peak_small, peak_large)
    assert peak_large < 40_000_000


def resident_peak_of_import(city: City, data: Path, mapping: Path) -> tuple[int, int]:
    """(cases imported, the process's peak resident memory during the import, in bytes).

    The kernel's high-water mark of the process is reset first (writing 5 to clear_refs), so
    the peak is this import's, whatever ran before it in the test process.
    """
    Path("/proc/self/clear_refs").write_text("5")
    report = cases_import(city=city, rows=read_files("csv", [data], tz=city.tz, mapping_path=mapping))
    status = Path("/proc/self/status").read_text()
    peak_kib = int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1])
    return report.imported, peak_kib * 1024


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux's /proc/self/clear_refs")
def test_the_resident_memory_of_an_import_is_the_same_for_four_times_the_rows(
    independence: City, make_service_type: Callable[..., ServiceType], tmp_path: Path
) -> None:
    # Resident memory is what an operator sees (and what the benchmark reports); unlike the
    # Python heap above it includes the database driver's buffers and the read-ahead thread.
    make_service_type(independence, "trash")
    make_service_type(independence, "pothole")
    mapping = tmp_path / "m.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    write_cases(small, 10_000)
    write_cases(large, 40_000)

    imported_small, peak_small = resident_peak_of_import(independence, small, mapping)
    assert imported_small == 10_000
    imported_large, peak_large = resident_peak_of_import(independence, large, mapping)
    assert imported_large == 30_000  # the first 10,000 ids were already there
    # Four times the rows, the same memory give or take a batch or two: never the file.
    assert peak_large < peak_small + 24 * 2**20, (peak_small // 2**20, peak_large // 2**20)
