"""The Service Request Report (seed 004): what council receives for a date range.

For one city, or the whole collaborative, and a range of the city's own days, it counts the
new requests opened, their share by department, the five most reported problems, and the
requests per council district with the three most reported problems in each. Every figure
is a sum over the roll-ups (``reports/rollups.py``: tallies per local day and month, equal
to a count over the cases): Python only ever sees one row per group, never one row per case. docs/reports.md says what each figure means.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.core.written import Written
from civicdesk.reports.models import OPENED, Dimension
from civicdesk.reports.rollups import summed
from civicdesk.tenants.models import City, Department, District
from civicdesk.tenants.services import city_today

NO_DEPARTMENT = gettext_noop("No department assigned")
NO_DISTRICT = gettext_noop("No district assigned")
OTHERS = gettext_noop("Others")
CONFIDENTIAL = gettext_noop("Confidential reports")
TOP_TYPES = 5
TOP_TYPES_PER_DISTRICT = 3


class ReportRangeError(ValueError):
    """A date range the report cannot be made for, with a message a reader can act on."""


@dataclass(frozen=True)
class Share:
    """One row of the department table: how many requests, and their share in tenths of a percent."""

    label: str
    count: int
    tenths: int

    @property
    def percent(self) -> Decimal:
        """The share as shown, one decimal (e.g. ``Decimal("20.3")``)."""
        return Decimal(self.tenths) / 10


@dataclass(frozen=True)
class TypeCount:
    label: str
    count: int


@dataclass(frozen=True)
class DistrictRow:
    label: str
    count: int
    top_types: list[TypeCount] = field(default_factory=list)


@dataclass(frozen=True)
class ServiceRequestReport:
    """Everything the page, the PDF and the CSV show; built once by ``service_request_report``."""

    city: City | None
    date_from: dt.date
    date_to: dt.date
    start: dt.datetime
    end: dt.datetime
    total: int
    departments: list[Share]
    top_types: list[TypeCount]
    districts: list[DistrictRow]
    # Today on the report's clock (the city's; the collaborative's: the site's) when it was made;
    # a report made without one (a test's, laid out by hand) is of a period that is over.
    today: dt.date = dt.date.max
    # The collaborative only: each member city's requests and share, in the cities' order.
    cities: list[Share] = field(default_factory=list)
    # Whether its city (the collaborative: any member city) has any request at all, of any
    # day: asked only of a period with none, to say whether a wider period would show some.
    any_requests: bool = True

    @property
    def scope_label(self) -> str:
        return self.city.name if self.city is not None else _("All member cities")

    @property
    def collaborative(self) -> bool:
        return self.city is None

    @property
    def not_begun(self) -> bool:
        """No day of the period has come yet: there is nothing to count."""
        return self.date_from > self.today

    @property
    def to_date(self) -> bool:
        """The period has begun and runs on to today or beyond: its figures are so far."""
        return self.date_from <= self.today <= self.date_to

    @property
    def counted_to(self) -> dt.date | None:
        """The last day counted: the period's last day, today for one still running, None
        for one that has not begun."""
        if self.not_begun:
            return None
        return min(self.date_to, self.today)

    @property
    def nothing_opened(self) -> str:
        """Why a period that has begun has no department, problem or district to show, in the
        active language: the page, the PDF and the CSV say the same (the page then says how to
        choose a wider period). Empty for a period with requests, or not begun."""
        if self.total or self.not_begun:
            return ""
        if not self.any_requests:
            if self.city is not None:
                return _(
                    "No service requests have been reported to %(city)s yet, so there are no departments, problems "
                    "or districts to show. They will be counted as requests come in."
                ) % {"city": self.city.name}
            return _(
                "No service requests have been reported to any member city yet, so there are no departments, "
                "problems or districts to show. They will be counted as requests come in."
            )
        if self.to_date:
            return _(
                "No service requests have been opened in this period so far: there are no departments, problems "
                "or districts to show. A longer period may include some."
            )
        return _(
            "No service requests were opened in this period: there are no departments, problems or districts to "
            "show. A longer period may include some."
        )

    @property
    def share_total_tenths(self) -> int:
        return sum(row.tenths for row in self.departments)

    @property
    def share_total(self) -> Decimal:
        return Decimal(self.share_total_tenths) / 10


# --- time ------------------------------------------------------------------------------


def local_day_bounds(*, tz: zoneinfo.ZoneInfo, date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants ``[start, end)`` covering the local days ``date_from`` .. ``date_to``.

    A day is the city's day: from local midnight to the next local midnight, so a day across
    a DST change lasts 23 or 25 hours. US changes happen at 02:00, never at midnight, so local
    midnight always exists exactly once; ``fold=0`` is still explicit for any other zone.
    """
    if date_to < date_from:
        raise ReportRangeError(
            _("The end date %(to)s is before the start date %(from)s.") % {"to": date_to, "from": date_from}
        )
    start = dt.datetime.combine(date_from, dt.time(0, 0), tzinfo=tz).astimezone(dt.UTC)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(0, 0), tzinfo=tz).astimezone(dt.UTC)
    return start, end


def _opened_in_range(
    cities: Iterable[City], date_from: dt.date, date_to: dt.date
) -> tuple[Q, dt.datetime, dt.datetime]:
    """A filter for cases opened in the range, each city on its own clock.

    Cities sharing a time zone share one condition, so the collaborative (all on Central
    time today) costs one range scan, not five.
    """
    by_zone: dict[str, list[int]] = defaultdict(list)
    for city in cities:
        by_zone[city.timezone].append(city.pk)
    condition = Q(pk__in=[])
    starts, ends = [], []
    for zone, ids in sorted(by_zone.items()):
        start, end = local_day_bounds(tz=zoneinfo.ZoneInfo(zone), date_from=date_from, date_to=date_to)
        condition |= Q(city_id__in=ids, opened_at__gte=start, opened_at__lt=end)
        starts.append(start)
        ends.append(end)
    if not starts:
        start, end = local_day_bounds(tz=zoneinfo.ZoneInfo("UTC"), date_from=date_from, date_to=date_to)
        return condition, start, end
    return condition, min(starts), max(ends)


# --- rounding --------------------------------------------------------------------------


def largest_remainder_tenths(counts: Sequence[int]) -> list[int]:
    """Shares in tenths of a percent that add up to exactly 1000 (100.0%).

    Each share is first rounded down; the tenths still missing go one each to the rows with
    the largest remainders. Equal remainders go to the earlier row, so callers pass rows in
    their ranking order (count descending, then name) and the result never depends on the
    database, nor on the order the rows are then shown in. With no requests at all every share is 0.
    """
    total = sum(counts)
    if total == 0:
        return [0 for _ in counts]
    floors = [c * 1000 // total for c in counts]
    remainders = [c * 1000 % total for c in counts]
    missing = 1000 - sum(floors)
    order = sorted(range(len(counts)), key=lambda i: (-remainders[i], i))
    for i in order[:missing]:
        floors[i] += 1
    return floors


# --- the report ------------------------------------------------------------------------


def alphabetical(label: str) -> tuple[str, str]:
    """The order of names in a list a person reads: alphabetical whatever the letter case,
    then code point order (the same on SQLite and PostgreSQL)."""
    return (label.casefold(), label)


# A type's name that starts with a short upper-case code and a dash ("CE - Trash/Rubbish": the
# department's prefix in the city's catalogue) has a plain description after it.
_CODE_PREFIX = re.compile(r"^[A-Z][A-Z0-9&]{0,5} - (?=\S)")


def plain_descriptions(labels: Iterable[str]) -> dict[str, str]:
    """Each problem label with the plain description the report's top five show: the name
    without its catalogue code ("CE - Trash/Rubbish" -> "Trash/Rubbish"), unless another
    problem of the report would then read the same (a "Trash/Rubbish" of another city, or
    "ST - Signs" beside "CE - Signs"): those keep their whole names, so no two rows read alike."""
    labels = list(labels)
    plain = {label: _same_language(label, _CODE_PREFIX.sub("", label)) for label in labels}
    readers: dict[str, int] = defaultdict(int)
    for label in labels:
        readers[plain[label]] += 1
    return {label: plain[label] if readers[plain[label]] == 1 else label for label in labels}


def _same_language(label: str, text: str) -> str:
    """``text``, cut from ``label``, in the language ``label`` says it is written in."""
    return Written(text, label.language) if isinstance(label, Written) else text


def product_words(msgid: str) -> Written:
    """A row's label in the product's words (``NO_DEPARTMENT``…), translated: the page's
    language, never marked as the city's (``as_written``), unlike a department's name."""
    return Written(_(msgid), translation.get_language() or settings.LANGUAGE_CODE)


def _ranked(counts: dict[str, int], limit: int | None = None) -> list[TypeCount]:
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [TypeCount(label=label, count=n) for label, n in rows[:limit]]


def _department_label(dept: Department, *, collaborative: bool) -> str:
    # Department names are per city: across the collaborative they need their city.
    return f"{dept.city.name} — {dept.name}" if collaborative else dept.name


def _district_label(district: District, *, collaborative: bool) -> str:
    return f"{district.city.name} — {district.name}" if collaborative else district.name


def _listing_order(district: District) -> tuple[object, ...]:
    """The rows of one city's map as seed 004 orders them: the numbered council districts by
    number, then those without a number ("Citywide", the rest of a city not yet in a ward),
    the current map's before those of an older one, each by name."""
    if district.number is not None:
        return (district.city.name, 0, district.number, alphabetical(district.name))
    return (district.city.name, 1 if district.retired_on is None else 2, 0, alphabetical(district.name))


def report_cases(
    *, city: City | None, date_from: dt.date, date_to: dt.date
) -> tuple[QuerySet[ServiceRequest], list[City], dt.datetime, dt.datetime]:
    """The cases the report counts, the cities it covers and the outer UTC bounds."""
    cities = [city] if city is not None else list(City.objects.order_by("name"))
    condition, start, end = _opened_in_range(cities, date_from, date_to)
    return ServiceRequest.objects.filter(condition), cities, start, end


def service_request_report(
    *, city: City | None, date_from: dt.date, date_to: dt.date, today: dt.date | None = None
) -> ServiceRequestReport:
    """Build the Service Request Report for ``city`` (None: every member city) over the local
    days ``date_from`` to ``date_to``, both included. ``today`` (by default today on the
    report's clock) says whether the period is over, running ("to date") or still to come.

    Raises ``ReportRangeError`` when the end comes before the start.
    """
    cities = [city] if city is not None else list(City.objects.defer("boundary").order_by("name"))
    _condition, start, end = _opened_in_range(cities, date_from, date_to)
    collaborative = city is None

    # Read from the roll-ups (reports/rollups.py), which equal a count over the cases: a year
    # of a million cases is a few tens of thousands of tally rows.
    def opened(dimension: str) -> list[tuple[int, str, int]]:
        rows = summed(
            cities=cities,
            dimension=dimension,
            date_from=date_from,
            date_to=date_to,
            by=("city_id", "key"),
            counters=("opened",),
            days=OPENED,
        )
        return [(city_id, key, n) for (city_id, key), (n,) in rows.items() if n]

    # Departments: one row per department with requests, then the unassigned.
    dept_counts: dict[int | None, int] = defaultdict(int)
    by_department = opened(Dimension.DEPARTMENT)
    for _city_id, dept_key, n in by_department:
        dept_counts[int(dept_key) if dept_key else None] += n
    total = sum(dept_counts.values())
    unassigned = dept_counts.pop(None, 0)
    departments = (
        Department.objects.filter(pk__in=[pk for pk in dept_counts if pk is not None])
        .select_related("city")
        .defer("city__boundary")
    )
    named = sorted(
        ((_department_label(d, collaborative=collaborative), dept_counts[d.pk]) for d in departments),
        key=lambda item: (-item[1], item[0]),
    )
    # Shares are worked out in the ranking's order (more requests first, the unassigned last),
    # so a tenth left over goes where it always did; the rows are then shown as seed 004
    # shows them: "No department assigned" first, then the departments by name.
    dept_rows = [*named, (product_words(NO_DEPARTMENT), unassigned)]
    tenths = largest_remainder_tenths([n for _label, n in dept_rows])
    ranked_shares = [Share(label=label, count=n, tenths=t) for (label, n), t in zip(dept_rows, tenths, strict=True)]
    shares = [ranked_shares[-1], *sorted(ranked_shares[:-1], key=lambda row: alphabetical(row.label))]

    city_shares: list[Share] = []
    if collaborative:
        per_city: dict[int, int] = defaultdict(int)
        for city_id, _dept_key, n in by_department:
            per_city[city_id] += n
        city_counts = [per_city.get(c.pk, 0) for c in cities]
        city_tenths = largest_remainder_tenths(city_counts)
        city_shares = [
            Share(label=c.name, count=n, tenths=t) for c, n, t in zip(cities, city_counts, city_tenths, strict=True)
        ]

    # Problems: grouped by the name the public reads, so one problem reported in several
    # cities is one row of the collaborative report. Confidential programmes (e.g. a fraud
    # hotline) are counted, but what was reported is never named in a public report.
    per_district: list[tuple[int, str, str, int]] = []
    for city_id, pair, n in opened(Dimension.DISTRICT_TYPE):
        district_key, type_key = pair.split(":")
        per_district.append((city_id, district_key, type_key, n))
    # Named in the reader's language: seed 004's English names in English, a city's Spanish
    # names (``name_es``) on a Spanish page, its PDF and CSV.
    type_ids = {int(type_id) for _c, _d, type_id, _n in per_district}
    language = translation.get_language() or ""
    problem = {
        str(t.pk): (product_words(CONFIDENTIAL) if t.is_confidential else t.local_name(language))
        for t in ServiceType.objects.filter(pk__in=type_ids).only("name", "name_es", "is_confidential")
    }
    type_counts: dict[str, int] = defaultdict(int)
    for _city_id, _district, type_id, n in per_district:
        type_counts[problem[type_id]] += n
    # Seed 004's top five name a problem by its plain description ("Trash/Rubbish" for the
    # type "CE - Trash/Rubbish"); its district breakdown keeps the type's name.
    described = plain_descriptions(type_counts)
    top_types = _ranked({described[label]: n for label, n in type_counts.items()}, TOP_TYPES)

    # Districts: counts per (district, problem). Every district of the case's own city has a
    # row: the numbered council districts, then those without a number ("Citywide": the whole
    # city of one elected at large, or the rest of a city moving to wards one at a time), which
    # a council reads as its own city, not as "Others". A district of an old map (retired) is
    # listed only where it has cases in the period. "Others" is what is not the city's own:
    # a district of another city.
    filed = {(city_id, district_key) for city_id, district_key, _t, _n in per_district if district_key}
    listed = sorted(
        (
            d
            for d in District.objects.filter(city__in=cities)
            .filter(Q(retired_on__isnull=True) | Q(pk__in={int(d) for _c, d in filed}))
            .select_related("city")
            .defer("boundary", "city__boundary")
            if d.retired_on is None or (d.city_id, str(d.pk)) in filed
        ),
        key=_listing_order,
    )
    listed_city = {str(d.pk): d.city_id for d in listed}
    buckets: dict[object, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for city_id, district_key, type_id, n in per_district:
        if not district_key:
            key: object = NO_DISTRICT
        elif listed_city.get(district_key) == city_id:
            key = int(district_key)
        else:
            key = OTHERS
        buckets[key][problem[type_id]] += n

    def row(label: str, key: object) -> DistrictRow:
        counts = buckets.get(key, {})
        return DistrictRow(
            label=label, count=sum(counts.values()), top_types=_ranked(dict(counts), TOP_TYPES_PER_DISTRICT)
        )

    district_rows = [
        row(product_words(NO_DISTRICT), NO_DISTRICT),
        *(row(_district_label(d, collaborative=collaborative), d.pk) for d in listed),
        row(product_words(OTHERS), OTHERS),
    ]

    return ServiceRequestReport(
        city=city,
        date_from=date_from,
        date_to=date_to,
        start=start,
        end=end,
        total=total,
        departments=shares,
        top_types=top_types,
        districts=district_rows,
        today=today if today is not None else city_today(city),
        cities=city_shares,
        any_requests=bool(total) or ServiceRequest.objects.filter(city__in=[c.pk for c in cities]).exists(),
    )


def default_range(*, today: dt.date) -> tuple[dt.date, dt.date]:
    """The last three weeks, today included: what council usually asks for."""
    return today - dt.timedelta(days=20), today


def parse_date(value: str, *, field_name: str) -> dt.date:
    """A ``YYYY-MM-DD`` date, or ``ReportRangeError`` naming the field and the expected form."""
    try:
        return dt.date.fromisoformat(value.strip())
    except (ValueError, AttributeError) as exc:
        raise ReportRangeError(
            _("%(field)s: %(value)s is not a date; write it as YYYY-MM-DD, e.g. 2021-10-01.")
            % {"field": field_name, "value": value}
        ) from exc
