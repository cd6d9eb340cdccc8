"""The transactional outbox: every email is a row written in the same transaction as the
change that caused it, and delivered afterwards by a worker.

The row, not the task queue, is the truth: its status, attempts, next attempt and last
error say where delivery stands, so a dead worker or a down SMTP server loses nothing.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from civicdesk.core.templatetags.distances import feet_or_miles_to, unbroken_lazy
from civicdesk.core.templatetags.written import as_written


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    DEAD = "dead", _("Given up")


class OutboxMessage(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    kind = models.CharField(_("kind"), max_length=40, help_text=_("What the message is about, e.g. case_created."))
    case = models.ForeignKey(
        "cases.ServiceRequest",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbox_messages",
        verbose_name=_("case"),
    )
    recipient = models.EmailField(_("recipient"))
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("body text"))
    body_html = models.TextField(_("body html"), blank=True)
    reply_to = models.CharField(_("reply to"), max_length=300, blank=True)
    # Fixed when the row is written, so a message delivered again after a crash at the
    # very moment of acceptance can be recognised by the receiver as the same message.
    message_id = models.CharField(_("message id"), max_length=200, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), db_index=True)
    enqueued_at = models.DateTimeField(_("enqueued at"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    claimed_by = models.CharField(_("claimed by"), max_length=100, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    headers = models.JSONField(
        _("headers"), default=dict, blank=True, help_text=_("Extra mail headers, e.g. List-Unsubscribe for alerts.")
    )

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient} ({self.status})"


def _unsubscribe_token() -> str:
    import secrets

    return secrets.token_urlsafe(24)


# A new random key for a link (confirm, stop): the name the services use.
new_link_token = _unsubscribe_token


class CaseFollower(models.Model):
    """A resident who asked to hear of a case they did not report themselves (for example
    one they found nearby instead of filing a duplicate). Every email they get carries a
    one-click unsubscribe link."""

    case = models.ForeignKey(
        "cases.ServiceRequest", on_delete=models.CASCADE, related_name="followers", verbose_name=_("case")
    )
    email = models.EmailField(_("email"))
    # The language the resident followed in: their emails are written in it ("" the site's).
    language = models.CharField(_("language"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    active = models.BooleanField(_("active"), default=True)
    unsubscribe_token = models.CharField(
        _("unsubscribe token"), max_length=64, unique=True, default=_unsubscribe_token, editable=False
    )

    class Meta:
        verbose_name = _("case follower")
        verbose_name_plural = _("case followers")
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["case", "email"], name="one_follow_per_case_and_email")]

    def __str__(self) -> str:
        return f"{self.email} follows {self.case_id}"


class ConfidentialAccess(models.Model):
    """The key to a confidential report (a fraud hotline tip): its reporter, who may be
    anonymous, reads replies and adds information with a secret access code.

    Only a SHA-256 digest of the code is kept: the code has about 100 random bits, so the
    digest cannot be reversed or guessed, and a stolen database reveals no code. Nothing
    else about the reporter's device or address is recorded anywhere for such a case.
    """

    case = models.OneToOneField(
        "cases.ServiceRequest", on_delete=models.CASCADE, related_name="confidential_access", verbose_name=_("case")
    )
    code_digest = models.CharField(_("code digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name_plural = _("confidential report accesses")
        verbose_name = _("confidential report access")

    def __str__(self) -> str:
        return f"access to case {self.case_id}"


class AccessCodeThrottle(models.Model):
    """Wrong access codes counted per caller, so guessing codes is slowed down.

    ``key`` is a keyed hash (HMAC with the site's secret) of the caller's network address or
    session, never the address itself, and it is tied to no report; rows older than the
    window are deleted as new attempts come in.
    """

    key = models.CharField(_("key"), max_length=80, unique=True)
    failures = models.PositiveIntegerField(_("failures"), default=0)
    window_started_at = models.DateTimeField(_("window started at"), db_index=True)

    class Meta:
        verbose_name = _("access code throttle")
        verbose_name_plural = _("access code throttles")

    def __str__(self) -> str:
        return f"{self.failures} wrong code(s)"


class AlertOn(models.TextChoices):
    NEW = "new", _("New reports")
    CLOSED = "closed", _("Closed reports")
    BOTH = "both", _("New and closed reports")


class AreaKind(models.TextChoices):
    CITY = "city", _("The whole city")
    DISTRICT = "district", _("A council district")
    RADIUS = "radius", _("Around a point")


# The circles the alert form offers, stored in meters, said in feet and miles: the five cities
# are in Missouri. Each is the US distance to the nearest meter, so it is said exactly. Their
# number and unit are held together as every distance's (``distances.unbroken``): "500 ft"
# never ends one line at "500" and starts the next with "ft", in any language.
RADIUS_WORDS: dict[int, Any] = {
    152: unbroken_lazy(_("500 ft")),
    402: unbroken_lazy(_("¼ mile")),
    805: unbroken_lazy(_("½ mile")),
    1609: unbroken_lazy(_("1 mile")),
    3219: unbroken_lazy(_("2 miles")),
    4828: unbroken_lazy(_("3 miles")),
}
# "About" words round to the 50 ft: a circle asked in meters is not said finer than it was meant.
ABOUT_FEET = 50


def distance_words(meters: int) -> str:
    """A circle's radius as a resident in Missouri reads it. The form's own circles by the
    words the form offered them ("500 ft", "¼ mile", "2 miles"). Any other (a circle asked
    in meters before the form spoke feet and miles, or through the API) "about", in the words
    of the one distance formatter (``distances.feet_or_miles_to``): to the 50 ft under
    1,000 ft ("about 800 ft" for 250 m), else to the tenth of a mile ("about 0.6 mile" for
    1 km, "about 1.2 miles" for 2 km), the number as the active language writes it. The
    number and its unit never part at a line's end."""
    if meters in RADIUS_WORDS:
        return str(RADIUS_WORDS[meters])
    # Translators: a circle's radius that is not one of the form's: "about 800 ft".
    return _("about %(distance)s") % {"distance": feet_or_miles_to(meters, feet=ABOUT_FEET)}


class AreaSubscription(models.Model):
    """Email alerts of new or closed reports in an area (a city, a district, or a circle
    around a point), optionally of some problem types only.

    Double opt-in: nothing is sent but the confirmation email until its link is used.
    Every alert carries a one-click unsubscribe link. Never about confidential types.
    """

    email = models.EmailField(_("email"))
    city = models.ForeignKey(
        "tenants.City", on_delete=models.CASCADE, related_name="area_subscriptions", verbose_name=_("city")
    )
    area = models.CharField(_("area"), max_length=10, choices=AreaKind.choices, default=AreaKind.CITY)
    district = models.ForeignKey(
        "tenants.District",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="area_subscriptions",
        verbose_name=_("district"),
    )
    lat = models.FloatField(_("lat"), null=True, blank=True)
    lng = models.FloatField(_("lng"), null=True, blank=True)
    radius_m = models.PositiveIntegerField(_("radius m"), null=True, blank=True)
    # The circle's center as the resident chose it, in the gazetteer's words ("1200 S Main St"):
    # the address picked from the form's list, or the one nearest the pin (notifications.alerts.
    # circle_center). "" when none is known (alerts made before it was kept, no address near).
    address = models.CharField(_("address"), max_length=300, blank=True)
    # The circle's bounding box, so matching a case is an indexed range query first.
    south = models.FloatField(_("south"), null=True, blank=True)
    north = models.FloatField(_("north"), null=True, blank=True)
    west = models.FloatField(_("west"), null=True, blank=True)
    east = models.FloatField(_("east"), null=True, blank=True)
    service_types = models.ManyToManyField(
        "catalog.ServiceType",
        blank=True,
        related_name="area_subscriptions",
        help_text=_("Empty: every type."),
        verbose_name=_("service types"),
    )
    on = models.CharField(_("on"), max_length=10, choices=AlertOn.choices, default=AlertOn.NEW)
    # The language the resident subscribed in: the alerts are written in it ("" the site's).
    language = models.CharField(_("language"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    confirm_token = models.CharField(
        _("confirm token"), max_length=64, unique=True, default=_unsubscribe_token, editable=False
    )
    unsubscribe_token = models.CharField(
        _("unsubscribe token"), max_length=64, unique=True, default=_unsubscribe_token, editable=False
    )

    class Meta:
        verbose_name = _("area subscription")
        verbose_name_plural = _("area subscriptions")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["area", "city"]),
            models.Index(fields=["area", "district"]),
            models.Index(fields=["south", "north"]),
        ]

    def __str__(self) -> str:
        return f"{self.email}: {self.get_on_display()} ({self.describe_area()})"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    def describe_area(self) -> str:
        """The area in words, as the emails and pages name it. A circle is said as the form
        offered it, its distance in feet or miles, around the address the resident chose
        ("within ½ mile of 1200 S Main St"), or, when no address is known, "the point you chose
        on the map": a resident does not read coordinates (``map_url`` shows the point)."""
        if self.area == AreaKind.DISTRICT and self.district is not None:
            return f"{self.district.name}, {self.city.name}"
        if self.area == AreaKind.RADIUS:
            distance = distance_words(self.radius_m or 0)
            if self.address:
                return _("within %(distance)s of %(address)s") % {"distance": distance, "address": self.address}
            return _("within %(distance)s of the point you chose on the map") % {"distance": distance}
        return str(self.city.name)

    def describe_area_html(self) -> SafeString:
        """``describe_area`` for an HTML email or a page: a district's name, as the city typed
        it, marked with its language where it is not the reader's (``as_written``, WCAG 3.1.2);
        the city's name and an address are proper names, the circle's words are the reader's
        language, its center (the address, or "the point you chose on the map") a link to it
        on a map."""
        if self.area == AreaKind.DISTRICT and self.district is not None:
            return format_html("{}, {}", as_written(self.district.name), self.city.name)
        if self.area == AreaKind.RADIUS:
            # The catalog's markup is the product's; what goes into it is escaped.
            values = {"distance": conditional_escape(distance_words(self.radius_m or 0)), "url": escape(self.map_url())}
            if self.address:
                words = _('within %(distance)s of <a href="%(url)s">%(address)s</a>')
                values["address"] = escape(self.address)
            else:
                words = _('within %(distance)s of <a href="%(url)s">the point you chose on the map</a>')
            return mark_safe(words % values)  # noqa: S308 (the values are escaped)
        return conditional_escape(self.describe_area())

    def map_url(self) -> str:
        """A circle's center on a public map (OpenStreetMap, with a marker); "" for the other areas."""
        if self.area != AreaKind.RADIUS or self.lat is None or self.lng is None:
            return ""
        lat, lng = f"{self.lat:.5f}", f"{self.lng:.5f}"
        return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lng}#map=16/{lat}/{lng}"
