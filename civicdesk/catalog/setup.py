"""The catalogue's part of a new member city's checklist (tenants' setup page): how many
service types it has, and the catalogue file uploaded there (as ``manage.py catalog_import``)
and downloaded from there (as ``manage.py catalog_export``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from civicdesk.catalog.catalogue_file import CatalogueFileError, read_catalogue, write_catalogue
from civicdesk.catalog.models import ServiceType
from civicdesk.catalog.selectors import catalogue_of
from civicdesk.catalog.services import catalog_import
from civicdesk.tenants.models import City
from civicdesk.tenants.selectors import SetupStep


def service_type_steps(city: City) -> list[SetupStep]:
    types = ServiceType.objects.filter(city=city, active=True)
    count = types.count()
    untargeted = types.filter(department__isnull=True).count()
    detail = (
        _("%(n)d active, %(u)d without a department") % {"n": count, "u": untargeted}
        if untargeted
        else _("%(n)d active") % {"n": count}
    )
    return [SetupStep("types", _("Service types"), count > 0 and untargeted == 0, detail, 40)]


def catalogue_upload(*, city: City, name: str, text: str, dry_run: bool) -> tuple[Any, list[str]]:
    """(the import's result, or None; the problems found, each in the administrator's terms)."""
    try:
        catalogue = read_catalogue(text, name=name)
        return catalog_import(city=city, catalogue=catalogue, name=name, dry_run=dry_run), []
    except CatalogueFileError as exc:
        return None, list(exc.problems)


def catalogue_download(*, city: City, fmt: str) -> str:
    """The city's catalogue file, every field written: uploaded back, it changes nothing."""
    return write_catalogue(catalogue_of(city=city), fmt=fmt)
