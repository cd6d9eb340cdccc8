"""Cases (service requests), their audit log and their photos."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Func
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from civicdesk.cases import event_words
from civicdesk.core.models import AppendOnlyModel, ChoiceLabels
from civicdesk.core.templatetags.distances import at_the_point, feet_or_miles


class Status(models.TextChoices):
    NEW = "new", _("New")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS)

# The cases around a point (the browse page's "Near", Open311's lat/long/radius) are read from
# an index of each city's cases by band of latitude, then longitude: a band is 1/500 of a
# degree (about 222 m), so a circle reads the few bands it crosses, each from its west edge to
# its east edge, not the whole city's strip of latitude. The database computes the band
# (truncated on SQLite, rounded on PostgreSQL): ``cases.selectors.cases_within`` asks for
# every band either way may give.
LAT_BANDS_PER_DEGREE = 500


class LatBand(Func):
    """A latitude's band: the whole part of lat × LAT_BANDS_PER_DEGREE. The factor is written
    into the SQL, not passed as a parameter: SQLite uses an index on an expression only for the
    very same expression, and ``lat * ?`` is not ``lat * 500``."""

    template = f"CAST(%(expressions)s * {LAT_BANDS_PER_DEGREE} AS integer)"
    output_field = models.IntegerField()


def lat_band() -> LatBand:
    """A case's band of latitude, as the index ``cases_city_lat_band`` stores it."""
    return LatBand(F("lat"))


class Resolution(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    DUPLICATE = "duplicate", _("Duplicate")
    REFERRED = "referred", _("Referred elsewhere")
    NO_ACTION = "no_action", _("No action needed")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    MOBILE = "mobile", _("Mobile app")
    PHONE = "phone", _("Phone")
    WALK_IN = "walk_in", _("Walk-in")
    EMAIL = "email", _("Email")
    OPEN311 = "open311", _("Open311 app")
    IMPORT = "import", _("Imported")


class AddressSource(models.TextChoices):
    """How a case's address was found; the console and reports say so beside it."""

    TYPED = "typed", _("Typed, not matched")
    MATCHED = "matched", _("Matched to an address")
    NEAREST = "nearest", _("Nearest address to the pin")
    INTERPOLATED = "interpolated", _("Placed along the street's address range")
    IMPORTED = "imported", _("As recorded by the source system")


def new_tracking_token() -> str:
    return secrets.token_urlsafe(24)


class ServiceRequest(ChoiceLabels):
    """A case: one concern reported by a resident or entered by staff."""

    # No index of its own for city, department or assignee: the composite indexes below begin
    # with each of them. Every index of this table is paid for by every new case and weighed
    # by the planner for every query of it (docs/performance.md, "Indexes of the cases").
    city = models.ForeignKey(
        "tenants.City", on_delete=models.PROTECT, related_name="cases", db_index=False, verbose_name=_("city")
    )
    number = models.PositiveIntegerField(_("number"), editable=False)
    district = models.ForeignKey(
        "tenants.District",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
        verbose_name=_("district"),
    )
    service_type = models.ForeignKey(
        "catalog.ServiceType", on_delete=models.PROTECT, related_name="cases", verbose_name=_("service type")
    )
    department = models.ForeignKey(
        "tenants.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
        db_index=False,
        verbose_name=_("department"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    resolution = models.CharField(_("resolution"), max_length=20, choices=Resolution.choices, blank=True)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    description = models.TextField(_("description"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    address_source = models.CharField(
        _("address source"),
        max_length=20,
        choices=AddressSource.choices,
        blank=True,
        help_text=_("How the address was found."),
    )
    # Metres between the case's point and the address's own point (0 when the pin was put on the address).
    address_distance_m = models.FloatField(_("address distance m"), null=True, blank=True)
    lat = models.FloatField(_("lat"), null=True, blank=True)
    lng = models.FloatField(_("lng"), null=True, blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.WEB)
    reporter_name = models.CharField(_("reporter name"), max_length=200, blank=True)
    reporter_email = models.EmailField(_("reporter email"), blank=True)
    reporter_phone = models.CharField(_("reporter phone"), max_length=40, blank=True)
    notify_reporter = models.BooleanField(
        _("notify reporter"),
        default=True,
        help_text=_("The reporter asked to be told of updates, not only of the closing."),
    )
    # The language the resident reported in: their emails are written in it.
    language = models.CharField(
        _("language"), max_length=10, blank=True, help_text=_("The reporter's language; empty is the site's default.")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_cases",
        db_index=False,
        verbose_name=_("assignee"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="entered_cases",
        verbose_name=_("created by"),
    )
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    opened_at = models.DateTimeField(_("opened at"), db_index=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closing_note = models.TextField(_("closing note"), blank=True)
    updated_at = models.DateTimeField(_("updated at"))
    tracking_token = models.CharField(
        _("tracking token"), max_length=64, unique=True, default=new_tracking_token, editable=False
    )
    is_imported = models.BooleanField(_("is imported"), default=False)
    external_id = models.CharField(
        _("external id"), max_length=100, blank=True, help_text=_("Case id in the system it came from.")
    )

    class Meta:
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(fields=["city", "number"], name="case_number_unique_in_city"),
            models.UniqueConstraint(
                fields=["city", "external_id"],
                condition=~models.Q(external_id=""),
                name="case_external_id_unique_in_city",
            ),
        ]
        indexes = [
            models.Index(fields=["city", "opened_at"]),
            models.Index(fields=["department", "status"]),
            models.Index(fields=["assignee", "status"]),
            # The console's list sorted by due date, and its overdue queue (open cases due
            # before now, soonest first): each page reads its 25 rows from the index.
            models.Index(fields=["city", "due_at", "number"], name="cases_city_due_number"),
            models.Index(
                fields=["city", "due_at", "number"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="cases_open_city_due_number",
            ),
            # Sorted by status or by address, and the browse page filtered by one problem type.
            models.Index(fields=["city", "status", "number"], name="cases_city_status_number"),
            models.Index(fields=["city", "address", "number"], name="cases_city_address_number"),
            # The console's open queues: unassigned (and each person's) and a department's,
            # newest first, and the "Not placed" queue, oldest first; counted and listed from the
            # open cases only (the open cases of a city newest first: migration 0003). The
            # department first: a case page's expected date counts the department's backlog.
            models.Index(
                fields=["city", "assignee", "opened_at", "number"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="cases_open_city_assignee",
            ),
            models.Index(
                fields=["department", "city", "opened_at", "number"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="cases_open_department_opened",
            ),
            models.Index(
                fields=["city", "opened_at", "number"],
                condition=models.Q(status__in=OPEN_STATUSES, lat__isnull=True),
                name="cases_unplaced_city_opened",
            ),
            # The browse page and Open311 filtered by problem type, district and open/closed,
            # newest first, and their capped counts: each filter's equality columns, then the
            # opening time; what the other filters test is carried in the index (INCLUDE, on
            # PostgreSQL), so a count or a page of a rare combination is read from the index
            # alone, never from the rows of the city's whole history.
            models.Index(
                fields=["city", "service_type", "opened_at"],
                include=["status", "district"],
                name="cases_city_type_opened",
            ),
            models.Index(
                fields=["city", "district", "opened_at"],
                include=["status", "service_type"],
                name="cases_city_district_opened",
            ),
            models.Index(
                fields=["city", "opened_at"],
                include=["service_type", "district"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="cases_open_city_opened_with",
            ),
            models.Index(
                fields=["city", "service_type", "opened_at"],
                include=["district"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="cases_open_city_type_opened",
            ),
            # "Open in my district", the list residents look at most: the district's open cases
            # only (through the index by district the count passed over its closed ones too).
            models.Index(
                fields=["city", "district", "opened_at"],
                include=["service_type"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="cases_open_district_opened",
            ),
            # "Closed potholes": a count of a type's closed cases reads that many entries and no
            # more (through the index by type it passed over the type's open ones too).
            models.Index(
                fields=["city", "service_type", "opened_at"],
                include=["district"],
                condition=models.Q(status="closed"),
                name="cases_closed_city_type_opened",
            ),
            # Cases around a point: the bands of latitude the circle crosses, then a range of
            # longitude in each (LAT_BANDS_PER_DEGREE, above); the latitude too, so the box is
            # checked on the index's entries before any row is read.
            models.Index(F("city"), lat_band(), F("lng"), F("lat"), name="cases_city_lat_band"),
            # Cases around a point newest first (Open311's lat/long/radius): each band's cases in
            # the GeoReport v2 order (opened, then number), so the newest of every band the circle
            # crosses are merged and read no further than the page's last; the point too, so the
            # box is checked on the entries. The index above reads a band by longitude, in no
            # order of time: the newest 1,000 of a dense circle meant reading and sorting all of it.
            # The type last, so a problem asked for (service_code) is checked on the entries too:
            # the newest potholes of a band are read without reading its other cases.
            models.Index(
                F("city"),
                lat_band(),
                F("opened_at"),
                F("number"),
                F("lng"),
                F("lat"),
                F("service_type"),
                name="cases_city_lat_band_opened",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """The number staff and residents quote, e.g. IND-1042."""
        return f"{self.city.case_prefix}-{self.number}"

    @property
    def is_open(self) -> bool:
        return self.status != Status.CLOSED

    @property
    def address_label(self) -> str:
        """The address as pages and emails show it: "near 1234 S Noland Rd" when it is the
        address nearest the pin (not where the problem itself is), else as stored; "" when none."""
        if not self.address:
            return ""
        if self.address_source == AddressSource.NEAREST:
            return gettext("near %(address)s") % {"address": self.address}
        return self.address

    @property
    def shown_description(self) -> str:
        """The description for a page: as the resident wrote it, or the email intake's words
        for an email that had none, in the active language."""
        return event_words.shown_description(self.description)

    @property
    def address_how(self) -> str:
        """How the address was found, with its distance from the case's point when known,
        in feet or miles, as Missouri reads ("Nearest address to the pin, 110 ft from the
        point"), or "at the point" when too close to measure ("Matched to an address, at the
        point", not "0 ft"); "" when nobody said."""
        if not self.address or not self.address_source:
            return ""
        how = str(self.get_address_source_display())
        measured = (AddressSource.NEAREST, AddressSource.MATCHED, AddressSource.INTERPOLATED)
        if self.address_distance_m is not None and self.address_source in measured and self.lat is not None:
            if at_the_point(self.address_distance_m):
                return gettext("%(how)s, at the point") % {"how": how}
            how = gettext("%(how)s, %(distance)s from the point") % {
                "how": how,
                "distance": feet_or_miles(self.address_distance_m),
            }
        return how

    @property
    def is_overdue(self) -> bool:
        from civicdesk.core import clock

        return self.is_open and self.due_at is not None and self.due_at < clock.now()


class EventKind(models.TextChoices):
    CREATED = "created", _("Reported")
    ASSIGNED = "assigned", _("Assigned")
    STATUS_CHANGED = "status_changed", _("Status changed")
    PUBLIC_NOTE = "public_note", _("Public note")
    INTERNAL_NOTE = "internal_note", _("Internal note")
    PHOTO_ADDED = "photo_added", _("Photo added")
    TYPE_CHANGED = "type_changed", _("Type changed")
    PRIORITY_CHANGED = "priority_changed", _("Priority changed")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")
    TRANSFER_REQUESTED = "transfer_requested", _("Transfer requested")
    TRANSFERRED = "transferred", _("Transferred to another city")
    TRANSFER_REFUSED = "transfer_refused", _("Transfer refused")
    PLACED = "placed", _("Placed on the map")


class CaseEvent(ChoiceLabels, AppendOnlyModel):
    """One entry of a case's audit log. Written once by a service; never changed or deleted."""

    case = models.ForeignKey(ServiceRequest, on_delete=models.PROTECT, related_name="events", verbose_name=_("case"))
    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case_events",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(
        _("actor label"), max_length=200, blank=True, help_text=_("Who acted when not a staff account.")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=EventKind.choices)
    is_public = models.BooleanField(_("is public"), default=False)
    text = models.TextField(_("text"), blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True, help_text=_("field: [before, after]"))

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def who(self) -> str:
        """Who acted, in the active language when the product names them ("Resident")."""
        if self.actor_id is not None and self.actor is not None:
            return self.actor.display_name()
        return event_words.shown_actor(self.actor_label) if self.actor_label else gettext(event_words.SYSTEM)

    @property
    def shown_text(self) -> str:
        """``text`` for a page or an email: in the active language when the product wrote it
        (a hand-off's sentence), as typed when a person did (a note, a reason)."""
        return event_words.shown_text(self.kind, self.text)


def photo_path(instance: Photo, filename: str) -> str:
    return f"cases/{instance.case.city.slug}/{instance.case.number}/{filename}"


class Photo(models.Model):
    """A photo of a case, stored without EXIF metadata (no GPS), with a thumbnail."""

    case = models.ForeignKey(ServiceRequest, on_delete=models.PROTECT, related_name="photos", verbose_name=_("case"))
    image = models.ImageField(_("image"), upload_to=photo_path, width_field="width", height_field="height")
    thumbnail = models.ImageField(_("thumbnail"), upload_to=photo_path)
    width = models.PositiveIntegerField(_("width"), default=0)
    height = models.PositiveIntegerField(_("height"), default=0)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size"), default=0)
    original_name = models.CharField(_("original name"), max_length=200, blank=True)
    is_public = models.BooleanField(_("is public"), default=True)
    uploaded_at = models.DateTimeField(_("uploaded at"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("uploaded by")
    )

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name or self.image.name or ""


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the receiving city")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")


class CaseTransfer(models.Model):
    """A hand-off of a case to another member city ("not ours").

    The case stays its city's until the receiving city accepts; then the same row moves
    (new city, new number) and this record keeps the old reference as an alias, so old
    console links and Open311 ids still find the case. The tracking token never changes.
    """

    case = models.ForeignKey(ServiceRequest, on_delete=models.PROTECT, related_name="transfers", verbose_name=_("case"))
    from_city = models.ForeignKey(
        "tenants.City", on_delete=models.PROTECT, related_name="+", verbose_name=_("from city")
    )
    from_number = models.PositiveIntegerField(_("from number"))
    to_city = models.ForeignKey("tenants.City", on_delete=models.PROTECT, related_name="+", verbose_name=_("to city"))
    to_number = models.PositiveIntegerField(_("to number"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    reason = models.TextField(_("reason"))
    refusal_reason = models.TextField(_("refusal reason"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("case transfer")
        verbose_name_plural = _("case transfers")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(status="pending"), name="one_pending_transfer_per_case"
            )
        ]
        indexes = [models.Index(fields=["from_city", "from_number"]), models.Index(fields=["to_city", "status"])]

    def __str__(self) -> str:
        return f"{self.from_city.case_prefix}-{self.from_number} to {self.to_city}"

    @property
    def from_reference(self) -> str:
        return f"{self.from_city.case_prefix}-{self.from_number}"


class SubmissionKey(models.Model):
    """A report is filed only once, whatever channel sends it again: one row per key a sender
    gave a filing, holding the case the first send made.

    ``scope`` is whose keys these are (``"portal"``, or ``"open311:<api key id>"``: each
    application's own); ``key`` is the sender's key for the filing: the portal's client
    token, an Open311 ``Idempotency-Key`` (``"key:…"``) or a digest of a device's report
    (``"content:…"``, which counts only within a window: see ``cases.services``). A replay or
    retry finds the row and gets the case back; two sends racing each other meet at the
    unique constraint.
    """

    scope = models.CharField(_("scope"), max_length=100)
    key = models.CharField(_("key"), max_length=220)
    case = models.ForeignKey(
        ServiceRequest, on_delete=models.CASCADE, related_name="submission_keys", verbose_name=_("case")
    )
    # The wall clock (not core.clock): a window is how long a sender's retry counts as one.
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        verbose_name = _("submission key")
        verbose_name_plural = _("submission keys")
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="one_case_per_submission_key")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"
