"""A batch of rows made into new cases: what is wrong with a row makes it a bad row.

Two kinds of rules, kept apart:

- the row's own checks, which are the import's: a case id (without it a re-import would
  duplicate the case), lengths, coordinates, known status, resolution and priority, a case
  id seen twice, and the closing time history needs (``_closing_time``);
- the rules of a new case, which are ``case_create``'s, applied by ``cases.bulk.CityRules``
  in batch form: the type by its code, the city and the district from the point (a point in
  another member city, or in none, is a bad row: an import names its city), the district a
  source recorded for a row without a point, the department and the due date.

Nothing here touches the database: it runs on the import's preparing thread.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

from django.utils.translation import gettext as _

from civicdesk.cases.bulk import CityRules, NewCase, text_as_stored
from civicdesk.cases.models import AddressSource, Priority, Resolution, Status
from civicdesk.catalog.models import ServiceType
from civicdesk.history.rows import BadRow, ImportedCase
from civicdesk.tenants.models import District

MAX_ADDRESS = 300
MAX_EXTERNAL_ID = 100
MAX_TEXT = 10_000

# Plain strings, computed once (``Status.values`` builds a list per call).
_STATUSES = frozenset(str(v) for v in Status.values)
_RESOLUTIONS = frozenset(str(v) for v in Resolution.values)
_PRIORITIES = frozenset(str(v) for v in Priority.values)
_MATCHED, _IMPORTED = str(AddressSource.MATCHED.value), str(AddressSource.IMPORTED.value)


def new_cases(
    rows: list[ImportedCase], rules: CityRules, bad: Callable[[BadRow, ImportedCase], None]
) -> list[tuple[ImportedCase, NewCase]]:
    """The rows that pass every rule, each with its new case; ``bad`` is told of each that
    does not."""

    def reject(row: ImportedCase, reason: str) -> None:
        bad(BadRow(row.source, row.line, reason, row.external_id), row)

    checked: list[tuple[ImportedCase, ServiceType]] = []
    for row in rows:
        reason = _row_problem(row)
        service_type = rules.service_type(row.service_code) if reason is None else None
        if reason is None and service_type is None:
            reason = _("%(city)s has no problem type with the code “%(code)s”.") % {
                "city": rules.city.name,
                "code": row.service_code,
            }
        if reason is not None:
            reject(row, reason)
            continue
        assert service_type is not None
        checked.append((row, service_type))

    # Rows with an address and no point: placed when the city's addresses know it for certain.
    placed: dict[int, tuple[float, float]] = {}
    if rules.addresses is not None:
        for i, (row, _t) in enumerate(checked):
            if row.lat is None and row.address:
                point = rules.place(row.address)
                if point is not None:
                    placed[i] = point
    points = {i: (row.lat, row.lng) for i, (row, _t) in enumerate(checked) if row.lat is not None}
    points.update(placed)

    # Where each point lies, in two bulk lookups: the city, then the district.
    located = list(points)
    city_of: dict[int, int | None] = {}
    district_of: dict[int, District | None] = {}
    if located:
        lats = [points[i][0] for i in located]
        lngs = [points[i][1] for i in located]
        city_of = dict(zip(located, rules.cities_of(lats, lngs), strict=True))  # type: ignore[arg-type]
        inside = [i for i in located if city_of[i] == rules.city.pk]
        if inside:
            hits = rules.districts_of([points[i][0] for i in inside], [points[i][1] for i in inside])  # type: ignore[misc]
            district_of = dict(zip(inside, hits, strict=True))

    ready: list[tuple[ImportedCase, NewCase]] = []
    seen: dict[str, int] = {}
    for i, (row, service_type) in enumerate(checked):
        district = None
        lat, lng = row.lat, row.lng
        if row.lat is not None:
            found = city_of[i]
            if found is None:
                reject(
                    row,
                    _("The point %(lat)s, %(lng)s is not in %(city)s, nor in any other member city.")
                    % {"lat": row.lat, "lng": row.lng, "city": rules.city.name},
                )
                continue
            if found != rules.city.pk:
                # An import names its city; moving a row into another city's history would
                # be a surprise. The row is reported so it can be imported into that city.
                reject(
                    row,
                    _("The point %(lat)s, %(lng)s is in %(other)s, not in %(city)s.")
                    % {
                        "lat": row.lat,
                        "lng": row.lng,
                        "other": rules.city_names.get(found, "?"),
                        "city": rules.city.name,
                    },
                )
                continue
            district = district_of.get(i)
        elif i in placed and city_of[i] == rules.city.pk:
            # Placed by its address (a place outside the city leaves the row as recorded).
            lat, lng = placed[i]
            district = district_of.get(i)
            if district is None and row.district_number is not None:
                district = rules.district_numbered(row.district_number)
        elif row.district_number is not None:
            district = rules.district_numbered(row.district_number)
            if district is None:
                # Exports write 0 (or a retired ward) for "unknown": the case is kept, in no
                # district, and the row says so rather than vanishing into "No district".
                row.warnings.append(
                    _("%(city)s has no district %(n)s: imported without a district.")
                    % {"city": rules.city.name, "n": row.district_number}
                )
        if row.external_id in seen:
            reject(
                row,
                _("The case id %(id)s appears twice; line %(first)s was kept.")
                % {"id": row.external_id, "first": seen[row.external_id]},
            )
            continue
        seen[row.external_id] = row.line
        closed_at = _closing_time(row)
        ready.append(
            (
                row,
                NewCase(
                    external_id=row.external_id,
                    service_type=service_type,
                    department=rules.department(service_type, row.opened_at),
                    district=district,
                    status=row.status,
                    resolution=row.resolution,
                    priority=row.priority,
                    description=row.description,
                    address=row.address,
                    lat=lat,
                    lng=lng,
                    opened_at=row.opened_at,
                    due_at=rules.due_at(service_type, row.opened_at),
                    closed_at=closed_at,
                    closing_note=row.closing_note,
                    updated_at=max(t for t in (row.updated_at, closed_at, row.opened_at) if t is not None),
                    address_source=_MATCHED if row.lat is None and lat is not None else _IMPORTED,
                    # A row placed by its address is on the address's own point.
                    address_distance_m=0.0 if row.lat is None and lat is not None else None,
                ),
            )
        )
    return ready


def _row_problem(row: ImportedCase) -> str | None:
    """What makes a row impossible to import, or None; normalises its text fields in place."""
    external_id = text_as_stored(row.external_id, limit=MAX_EXTERNAL_ID)
    if not external_id:
        # Without the source's id a second run could not know the case is already here.
        return (
            _("The case id is longer than %(n)s characters.") % {"n": MAX_EXTERNAL_ID}
            if external_id is None
            else _("The case id is empty: without it a re-import would duplicate the case.")
        )
    row.external_id = external_id
    if not row.service_code:
        return _("The problem type is empty.")
    if row.opened_at is None or row.opened_at.tzinfo is None:
        return _("The date opened is missing or has no time zone.")
    for name, limit in (("description", MAX_TEXT), ("address", MAX_ADDRESS), ("closing_note", MAX_TEXT)):
        value = text_as_stored(getattr(row, name), limit=limit)
        if value is None:
            return _("The %(field)s is longer than %(n)s characters.") % {
                "field": name.replace("_", " "),
                "n": f"{limit:,}",
            }
        setattr(row, name, value)
    if (row.lat is None) != (row.lng is None):
        return _("Give both latitude and longitude, or neither.")
    if row.lat is not None and row.lng is not None:
        if not (math.isfinite(row.lat) and -90 <= row.lat <= 90):
            return _("The latitude %(v)s is not between -90 and 90.") % {"v": row.lat}
        if not (math.isfinite(row.lng) and -180 <= row.lng <= 180):
            return _("The longitude %(v)s is not between -180 and 180.") % {"v": row.lng}
    elif not row.address and not row.description:
        return _("The row says neither where the problem is (no point, no address) nor what it is.")
    if row.status not in _STATUSES:
        return _("Unknown status %(s)s.") % {"s": row.status}
    if row.resolution and row.resolution not in _RESOLUTIONS:
        return _("Unknown resolution %(r)s.") % {"r": row.resolution}
    if row.priority not in _PRIORITIES:
        return _("Unknown priority %(p)s.") % {"p": row.priority}
    return None


def _closing_time(row: ImportedCase) -> dt.datetime | None:
    """The moment a closed row was closed; warnings for what had to be assumed."""
    if row.status != Status.CLOSED:
        row.resolution = ""
        return None
    if not row.resolution:
        row.resolution = Resolution.RESOLVED
    closed_at = row.closed_at
    if closed_at is None:
        closed_at = row.updated_at or row.opened_at
        row.warnings.append(_("Closed without a closing date: the last update is taken as the closing time."))
    if closed_at < row.opened_at:
        # Real exports have a few of these (a clock or a data-entry slip); the case is
        # kept, as closed the moment it was opened, and the row is reported as a warning.
        row.warnings.append(
            _("Closed (%(closed)s) before it was opened (%(opened)s): kept as closed when opened.")
            % {"closed": closed_at.isoformat(), "opened": row.opened_at.isoformat()}
        )
        closed_at = row.opened_at
    return closed_at
