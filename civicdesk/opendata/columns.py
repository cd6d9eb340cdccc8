"""The columns of the open-data files, in order, with their type and meaning.

One list serves the writer (the order of the CSV's columns and of each GeoJSON feature's
properties), the open-data page's data dictionary and the test that docs/open-data.md
describes every column.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Column:
    name: str
    type: Promise | str
    meaning: Promise | str


TIME = _("date and time, ISO 8601 with offset")
TEXT = _("text")

COLUMNS: tuple[Column, ...] = (
    Column("case_id", TEXT, _("The case's reference, its city's prefix and number (e.g. IND-1042). Unique.")),
    Column("city", TEXT, _("The member city that handles the case.")),
    Column("service_code", TEXT, _("The problem type's code (the Open311 service_code); stable, never reused.")),
    Column("service_name", TEXT, _("The problem type as residents read it.")),
    Column("department", TEXT, _("The city department the case is routed to; empty if none.")),
    Column("district", _("whole number"), _("The council district number where the problem is; empty if none.")),
    Column("district_name", TEXT, _("The council district's name; empty if none.")),
    Column("status", TEXT, _("new, assigned, in_progress or closed (see Statuses).")),
    Column("resolution", TEXT, _("For a closed case: resolved, duplicate, referred or no_action; else empty.")),
    Column("priority", TEXT, _("low, normal, high or urgent.")),
    Column("channel", TEXT, _("How it was reported: web, mobile, phone, walk_in, email, open311 or import.")),
    Column("opened_at", TIME, _("When the case was reported.")),
    Column("due_at", TIME, _("When the city aims to have closed it (the type's target days); may be empty.")),
    Column("closed_at", TIME, _("When it was closed; empty while open.")),
    Column("updated_at", TIME, _("When the case last changed.")),
    Column("address", TEXT, _("The address given for the problem; may be empty.")),
    Column("lat", _("decimal degrees (WGS 84)"), _("Latitude of the problem's map pin; empty without a pin.")),
    Column("lng", _("decimal degrees (WGS 84)"), _("Longitude of the problem's map pin; empty without a pin.")),
    Column("description", TEXT, _("What was reported, as shown on the case's public page.")),
    Column("closing_note", TEXT, _("The note the city wrote when closing it, as shown on the public page.")),
    Column(
        "photo_urls",
        _("URLs, separated by spaces"),
        _("The photos the case's public page shows; empty if none."),
    ),
    Column("url", _("URL"), _("The case's public page.")),
)

NAMES = tuple(c.name for c in COLUMNS)
