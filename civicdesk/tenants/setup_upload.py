"""The catalogue upload and download on a city's setup page are the catalogue app's to do: it
registers its importer and exporter here (CatalogConfig.ready), so the tenants admin names no
app above it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# (city=, name=, text=, dry_run=, without_emails=) -> (the result, with .summary(), .warnings() and
# .dry_run, or None; problems)
CatalogueImporter = Callable[..., tuple[Any, list[str]]]
_importer: list[CatalogueImporter] = []


def catalogue_importer_register(importer: CatalogueImporter) -> None:
    _importer[:] = [importer]


def catalogue_importer() -> CatalogueImporter | None:
    return _importer[0] if _importer else None


# (city=, fmt="csv" | "yaml") -> the file's text, as ``manage.py catalog_export`` writes it
CatalogueExporter = Callable[..., str]
_exporter: list[CatalogueExporter] = []


def catalogue_exporter_register(exporter: CatalogueExporter) -> None:
    _exporter[:] = [exporter]


def catalogue_exporter() -> CatalogueExporter | None:
    return _exporter[0] if _exporter else None
