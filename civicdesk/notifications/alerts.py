"""Area alerts: anyone may ask to be emailed of new or closed reports in a city, a council
district, or a circle around a point, for some problem types or all.

Double opt-in: ``services.subscription_create`` writes only the confirmation email; alerts
start once its link is used (``services.subscription_confirm``). Every alert carries a one-click
unsubscribe link, also as a List-Unsubscribe header (RFC 8058). Confidential types never
cause an alert, and an alert names the problem, the place and the public page, never the
reporter.

Every alert, confirmation and the confirm and stop pages also link to "Your alerts", the page
that lists, changes and stops all of one address's alerts in one city. Residents have no
account: that link is signed (``your_alerts_token``), not stored, and works for
``YOUR_ALERTS_DAYS`` days; a new one is emailed from the alerts page (``your_alerts_write``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from django.conf import settings
from django.core import signing
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from civicdesk.cases.models import AddressSource
from civicdesk.cases.placement import case_placement
from civicdesk.core.sql import first_row
from civicdesk.notifications import plaintext
from civicdesk.notifications.models import AlertOn, AreaKind, AreaSubscription
from civicdesk.notifications.outbox import Email, city_sender, is_suppressed, outbox_enqueue_all
from civicdesk.tenants import signals as tenant_signals
from civicdesk.tenants.services import name_before_retiring

if TYPE_CHECKING:
    from civicdesk.cases.models import ServiceRequest
    from civicdesk.tenants.models import City, District

EARTH_RADIUS_M = 6_371_000.0
METRES_PER_DEGREE = 111_320.0
MIN_RADIUS_M, MAX_RADIUS_M = 50, 10_000
# Unconfirmed subscriptions an address may have at once: a form cannot be used to flood
# someone's mailbox with confirmation emails.
MAX_UNCONFIRMED = 5


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a)))


def bounding_box(lat: float, lng: float, radius_m: float) -> tuple[float, float, float, float]:
    """(south, north, west, east) of a box holding the circle."""
    dlat = radius_m / METRES_PER_DEGREE
    dlng = radius_m / (METRES_PER_DEGREE * max(0.01, math.cos(math.radians(lat))))
    return lat - dlat, lat + dlat, lng - dlng, lng + dlng


class CircleCenter(NamedTuple):
    """Where an alert's circle is: its point (None: not found) and the address that names it
    ("" when none does)."""

    lat: float | None
    lng: float | None
    address: str


def circle_center(*, address: str, lat: float | None, lng: float | None) -> CircleCenter:
    """The center of an alert's circle and the address that names it, found as the report
    form places a report (``cases.placement.case_placement``, docs/geocoding.md), so the
    alert keeps only an address of the gazetteer, never words that merely came with the form:

    - a pin and an address (picked from the list, which moved the pin there, or typed): the
      gazetteer's form of the address when it is found within ``MATCH_NEAR_PIN_M`` of the pin;
      else, like a pin alone, the address nearest the pin (the one the form showed under it);
    - an address and no pin (a page without JavaScript, or the list never used): its point
      and form when the address is certain; no point otherwise (the form then asks for one);
    - no address found near the point: the point alone ("" address).
    """
    typed = (address or "").strip()
    if lat is None or lng is None:
        if not typed:
            return CircleCenter(lat, lng, "")
        placed = case_placement(address=typed, point=None)
        if placed.point is None:
            return CircleCenter(None, None, "")
        return CircleCenter(placed.point[0], placed.point[1], placed.address)
    point = (lat, lng)
    if typed:
        placed = case_placement(address=typed, point=point)
        if placed.source in (AddressSource.MATCHED, AddressSource.INTERPOLATED):
            return CircleCenter(lat, lng, placed.address)
    nearest = case_placement(address="", point=point)
    return CircleCenter(lat, lng, nearest.address)


def _url(name: str, token: str) -> str:
    return settings.SITE_URL + reverse(name, kwargs={"token": token})


# --- "Your alerts": a signed link to every alert of one address in one city -----------------

# How long a link to "Your alerts" works. Long enough to come back to from an email read a few
# days later; short enough that an old forwarded email does not open the list for ever.
YOUR_ALERTS_DAYS = 7
# Links to "Your alerts" emailed to one address in an hour, asked from the alerts page: the
# form cannot be used to flood a mailbox (like ``MAX_UNCONFIRMED`` for confirmations).
MAX_LINKS_PER_HOUR = 3
# Distinct from every other signature of the site, so no other signed value opens the page.
YOUR_ALERTS_SALT = "civicdesk.notifications.alerts.your-alerts"


class YourAlerts(NamedTuple):
    """Whose alerts a signed link opens: an address (lower case) and a city's id."""

    email: str
    city_id: int


class LinkExpired(Exception):
    """A link to "Your alerts" older than ``YOUR_ALERTS_DAYS``; ``email`` is whose it was."""

    def __init__(self, email: str) -> None:
        super().__init__(email)
        self.email = email


def your_alerts_token(*, email: str, city: City) -> str:
    """The signed part of a link to ``email``'s alerts in ``city`` (Django's signing, with the
    site's secret and a time stamp): nothing is stored, and it cannot be made for another
    address or city without the secret."""
    return signing.dumps({"e": email.strip().lower(), "c": city.pk}, salt=YOUR_ALERTS_SALT, compress=True)


def your_alerts_read(token: str) -> YourAlerts:
    """Whose alerts ``token`` opens. Raises ``LinkExpired`` for a genuine link older than
    ``YOUR_ALERTS_DAYS``, ``signing.BadSignature`` for anything else not made by
    ``your_alerts_token`` (changed, cut short, made up)."""
    try:
        value = signing.loads(token, salt=YOUR_ALERTS_SALT, max_age=dt.timedelta(days=YOUR_ALERTS_DAYS))
    except signing.SignatureExpired:
        value = signing.loads(token, salt=YOUR_ALERTS_SALT)
        raise LinkExpired(str(value.get("e", ""))) from None
    if not isinstance(value, dict) or not isinstance(value.get("e"), str) or not isinstance(value.get("c"), int):
        raise signing.BadSignature("not a link to alerts")
    return YourAlerts(value["e"], value["c"])


def your_alerts_url(*, email: str, city: City) -> str:
    """The whole link to ``email``'s alerts in ``city``, for an email or a page."""
    token = your_alerts_token(email=email, city=city)
    return settings.SITE_URL + reverse("portal:your-alerts", kwargs={"city": city.slug, "token": token})


def your_alerts_write(*, email: str, city: City, language: str) -> None:
    """Write the email with the link to ``email``'s alerts in ``city``, in ``language``."""
    if is_suppressed():
        return
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {
            "city": city,
            "email": email,
            "your_alerts_url": your_alerts_url(email=email, city=city),
            "days": YOUR_ALERTS_DAYS,
            "site_url": settings.SITE_URL,
        }
        subject = gettext("Your alerts from %(city)s 311") % {"city": city.name}
        body_text = plaintext.wrap(render_to_string("notifications/email/alert_link.txt", context))
        body_html = render_to_string("notifications/email/alert_link.html", context)
    outbox_enqueue_all(
        [
            Email(
                kind="alert_link",
                recipient=email,
                subject=subject,
                body_text=body_text,
                body_html=body_html,
                reply_to=city.email,
                sender=city_sender(city),
            )
        ]
    )


def district_replaced_write(
    subscriptions: list[AreaSubscription],
    *,
    old: District,
    by: list[tuple[District, float]],
    cause: str = tenant_signals.DRAWN_OVER,
) -> None:
    """Write the email that tells one resident (``subscriptions``: their alerts of ``old``, at
    work, of one address) that ``old`` was retired whole, and why (``cause``: a district drawn
    over it, a new map imported, or retired by the city's staff, ``tenants.signals``): where
    their alerts now are (the district of ``by`` covering most of it, the others named) or,
    with ``by`` empty, that they stay and will tell of no new report. In the first alert's
    language, with the link to "Your alerts"."""
    if is_suppressed() or not subscriptions:
        return
    first = subscriptions[0]
    city = first.city
    with translation.override(first.language or settings.LANGUAGE_CODE), timezone.override(city.tz):
        others = [district.name for district, _share in by[1:]]
        context = {
            "city": city,
            "cause": cause,
            "count": len(subscriptions),
            "old": name_before_retiring(old),
            "day": old.retired_on,
            "new": by[0][0].name if by else "",
            "pct": f"{by[0][1]:.0%}" if by else "",
            "others": ", ".join(others),
            "others_count": len(others),
            "your_alerts_url": your_alerts_url(email=first.email, city=city),
            "days": YOUR_ALERTS_DAYS,
            "site_url": settings.SITE_URL,
        }
        subject = (
            gettext("Your alerts of %(old)s now follow %(new)s (%(city)s 311)")
            if by
            else gettext("%(old)s is no longer on the map: your alerts (%(city)s 311)")
        ) % {"old": context["old"], "new": context["new"], "city": city.name}
        body_text = plaintext.wrap(render_to_string("notifications/email/alert_district_replaced.txt", context))
        body_html = render_to_string("notifications/email/alert_district_replaced.html", context)
    outbox_enqueue_all(
        [
            Email(
                kind="alert_district_replaced",
                recipient=first.email,
                subject=subject,
                body_text=body_text,
                body_html=body_html,
                reply_to=city.email,
                sender=city_sender(city),
            )
        ]
    )


def confirmation_write(subscription: AreaSubscription) -> None:
    """Write the email that asks to confirm a new subscription (to the outbox)."""
    if is_suppressed():
        return
    confirm = _render(
        "alert_confirm",
        subscription,
        gettext_noop("Confirm your alerts from %(city)s 311"),
        confirm_url=_url("portal:alert-confirm", subscription.confirm_token),
        with_unsubscribe=False,
    )
    outbox_enqueue_all([confirm])


# The subscriptions a case's news reaches, before their types and exact circles: written
# once, in plain SQL (every report asks whether there are any: core/sql.py says why), and read
# as a subquery when there are.
_NEAR_SQL = """
SELECT "id" FROM "notifications_areasubscription"
WHERE "active" = %s AND "confirmed_at" IS NOT NULL AND "on" IN (%s, %s) AND ({areas})
"""
_CITY_AREA = '("area" = %s AND "city_id" = %s)'
_DISTRICT_AREA = '("area" = %s AND "district_id" = %s)'
# The box is an indexed range test; the exact circle is checked in Python.
_BOX_AREA = '("area" = %s AND "south" <= %s AND "north" >= %s AND "west" <= %s AND "east" >= %s)'


def _near(case: ServiceRequest, *, on: str) -> tuple[str, list[Any]]:
    """The ids of the confirmed, active subscriptions to ``on`` that name the case's city,
    its district, or a box around a circle that may hold its point: (SQL, parameters)."""
    areas, params = [_CITY_AREA], [AreaKind.CITY.value, case.city_id]
    if case.district_id is not None:
        areas.append(_DISTRICT_AREA)
        params += [AreaKind.DISTRICT.value, case.district_id]
    if case.lat is not None and case.lng is not None:
        areas.append(_BOX_AREA)
        params += [AreaKind.RADIUS.value, case.lat, case.lat, case.lng, case.lng]
    return _NEAR_SQL.format(areas=" OR ".join(areas)), [True, on, AlertOn.BOTH.value, *params]


def _anyone_near(case: ServiceRequest, *, on: str) -> bool:
    """Whether any subscription is near the case (``_near``): one plain statement."""
    sql, params = _near(case, on=on)
    return first_row(AreaSubscription, f"{sql} LIMIT 1", params) is not None


def subscriptions_matching(case: ServiceRequest, *, on: str) -> list[AreaSubscription]:
    """Confirmed, active subscriptions that want to hear of ``case`` being new or closed
    (``on``): its city, its district, or a circle holding its point; of its type or of
    every type. One per address (the oldest), so nobody gets one case twice."""
    if case.service_type.is_confidential:
        return []
    # Most cases have nobody subscribed around them: that one-table question is answered
    # first, and only a yes reads the subscriptions' types (a join, one row per address).
    if not _anyone_near(case, on=on):
        return []
    sql, params = _near(case, on=on)
    wanted: QuerySet[AreaSubscription] = (
        # Our own text (the conditions above); every value is a parameter.
        AreaSubscription.objects.filter(pk__in=RawSQL(sql, params))  # noqa: S611
        .filter(Q(service_types__isnull=True) | Q(service_types__code=case.service_type.code))
        .distinct()
        .order_by("created_at", "pk")
    )
    chosen: dict[str, AreaSubscription] = {}
    for subscription in wanted:
        if subscription.area == AreaKind.RADIUS:
            assert subscription.lat is not None and subscription.lng is not None and case.lat is not None
            assert case.lng is not None and subscription.radius_m is not None
            if distance_m(subscription.lat, subscription.lng, case.lat, case.lng) > subscription.radius_m:
                continue
        chosen.setdefault(subscription.email.strip().lower(), subscription)
    return list(chosen.values())


def alert_case(case: ServiceRequest, *, on: str, besides: Iterable[str] = ()) -> int:
    """Write one alert per matching subscriber for a new or closed case (not to addresses
    in ``besides``, who hear of the case already). Returns how many were written."""
    return len(outbox_enqueue_all(alert_case_emails(case, on=on, besides=besides)))


def alert_case_emails(case: ServiceRequest, *, on: str, besides: Iterable[str] = ()) -> list[Email]:
    """``alert_case``'s emails, rendered and not written (for a new case, before it has its
    number: ``messages.case_created_prepare``)."""
    if is_suppressed() or case.service_type.is_confidential:
        return []
    told = {a.strip().lower() for a in besides if a}
    emails = []
    public_url = settings.SITE_URL + reverse("portal:case", kwargs={"city": case.city.slug, "number": case.number})
    for subscription in subscriptions_matching(case, on=on):
        if subscription.email.strip().lower() in told:
            continue
        subject = (
            gettext_noop("New report near you: %(type)s")
            if on == AlertOn.NEW
            else gettext_noop("Report closed near you: %(type)s")
        )
        emails.append(_render("alert_case", subscription, subject, case=case, on=on, public_url=public_url))
    return emails


def _render(
    template: str,
    subscription: AreaSubscription,
    subject: str,
    *,
    case: ServiceRequest | None = None,
    with_unsubscribe: bool = True,
    **extra: object,
) -> Email:
    # The confirmation, sent before any alert, has nothing to stop: no link, no header.
    unsubscribe_url = _url("portal:alert-unsubscribe", subscription.unsubscribe_token) if with_unsubscribe else ""
    city = case.city if case is not None else subscription.city
    with translation.override(subscription.language or settings.LANGUAGE_CODE), timezone.override(city.tz):
        # The subject is a msgid with %(type)s and %(city)s; it and the area's words are
        # written in the subscriber's language, not in that of whoever made the change.
        language = subscription.language or settings.LANGUAGE_CODE
        subject = gettext(subject) % {"type": case.service_type.local_name(language) if case else "", "city": city.name}
        context = {
            "subscription": subscription,
            "area": subscription.describe_area(),
            "city": city,
            "case": case,
            "unsubscribe_url": unsubscribe_url,
            "your_alerts_url": your_alerts_url(email=subscription.email, city=subscription.city),
            "site_url": settings.SITE_URL,
            **extra,
        }
        body_text = plaintext.wrap(render_to_string(f"notifications/email/{template}.txt", context))
        body_html = render_to_string(f"notifications/email/{template}.html", context)
    headers = {}
    if with_unsubscribe:
        # RFC 8058 one-click: mail programs POST to the link; no page, no button needed.
        headers = {"List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return Email(
        kind=template,
        recipient=subscription.email,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        reply_to=city.email,
        case_id=case.pk if case is not None else None,
        headers=headers,
        sender=city_sender(city),
    )
