"""The catalogue's part of a new member city's checklist (tenants' setup page): how many
service types it has, and the catalogue file uploaded there (as ``manage.py catalog_import``)
and downloaded from there (as ``manage.py catalog_export``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, npgettext

from civicdesk.catalog.catalogue_file import CatalogueFileError, read_catalogue, write_catalogue
from civicdesk.catalog.models import ServiceType
from civicdesk.catalog.selectors import catalogue_of
from civicdesk.catalog.services import catalog_import
from civicdesk.tenants.models import City
from civicdesk.tenants.selectors import SetupStep


def service_type_steps(city: City) -> list[SetupStep]:
    """The types step: done once the city has active types and routes them. A type without a
    department is a choice the catalogue offers (its cases wait in triage for staff to route:
    email intake's own triage type, an "Other / not sure"), so such types are named, not
    counted as missing; only a city whose every type waits in triage is not set up."""
    types = ServiceType.objects.filter(city=city, active=True)
    count = types.count()
    in_triage = list(types.filter(department__isnull=True).order_by("name").values_list("name", flat=True))
    routed = count - len(in_triage)
    if count and not routed:
        detail = _("%(n)d active, none routed to a department: every case would wait in triage") % {"n": count}
    elif in_triage:
        detail = ngettext(
            "%(n)d active; %(u)d waits in triage for staff to route (no department): %(names)s",
            "%(n)d active; %(u)d wait in triage for staff to route (no department): %(names)s",
            len(in_triage),
        ) % {"n": count, "u": len(in_triage), "names": ", ".join(in_triage[:5]) + (", …" if len(in_triage) > 5 else "")}
    else:
        detail = npgettext("service types", "%(n)d active", "%(n)d active", count) % {"n": count}
    return [SetupStep("types", _("Service types"), routed > 0, detail, 40)]


def catalogue_upload(
    *, city: City, name: str, text: str, dry_run: bool, without_emails: bool = False
) -> tuple[Any, list[str]]:
    """(the import's result, or None; the problems found, each in the administrator's terms)."""
    try:
        catalogue = read_catalogue(text, name=name)
        result = catalog_import(
            city=city, catalogue=catalogue, name=name, dry_run=dry_run, without_emails=without_emails
        )
        return result, []
    except CatalogueFileError as exc:
        return None, list(exc.problems)


def catalogue_download(*, city: City, fmt: str) -> str:
    """The city's catalogue file, every field written: uploaded back, it changes nothing."""
    return write_catalogue(catalogue_of(city=city), fmt=fmt)
