"""The catalogue upload on a new city's setup page is the catalogue app's to do: it registers
its importer here (CatalogConfig.ready), so the tenants admin names no app above it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# (city=, name=, text=, dry_run=) -> (the result, with .summary() and .dry_run, or None; problems)
CatalogueImporter = Callable[..., tuple[Any, list[str]]]
_importer: list[CatalogueImporter] = []


def catalogue_importer_register(importer: CatalogueImporter) -> None:
    _importer[:] = [importer]


def catalogue_importer() -> CatalogueImporter | None:
    return _importer[0] if _importer else None
