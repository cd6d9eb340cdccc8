"""Writes of the notifications app: following a case and stopping, area alert subscriptions
(setting, changing, stopping them, and emailing the link to all of one's alerts)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.core.languages import offered_language
from civicdesk.notifications import alerts
from civicdesk.notifications.models import (
    AlertOn,
    AreaKind,
    AreaSubscription,
    CaseFollower,
    OutboxMessage,
    new_link_token,
)
from civicdesk.tenants import signals as tenant_signals
from civicdesk.tenants.models import City, District
from civicdesk.tenants.services import name_before_retiring


@transaction.atomic
def case_follow(*, case: ServiceRequest, email: str, language: str = "") -> CaseFollower:
    """Start (or resume) following a case by email. Following twice is harmless; the
    emails are written in ``language`` (the one the resident followed in, the latest wins)."""
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": _("%(e)s is not an email address.") % {"e": email or "“”"}}) from exc
    if case.service_type.is_confidential:
        raise ValidationError(_("This case cannot be followed."))
    language = offered_language(language)
    follower = CaseFollower.objects.filter(case=case, email__iexact=email).first()
    if follower is None:
        return CaseFollower.objects.create(case=case, email=email, language=language)
    if not follower.active or follower.language != language:
        follower.active, follower.language = True, language
        follower.save(update_fields=["active", "language"])
    return follower


@transaction.atomic
def follower_unsubscribe(*, token: str) -> CaseFollower | None:
    """Stop the emails of one follow, by the token in its unsubscribe link."""
    follower = CaseFollower.objects.filter(unsubscribe_token=token).first()
    if follower is not None and follower.active:
        follower.active = False
        follower.save(update_fields=["active"])
    return follower


class _Alert(NamedTuple):
    """A subscription's fields as ``_alert_checked`` accepts them."""

    email: str
    fields: dict[str, Any]
    types: list[ServiceType]


def _alert_checked(
    *,
    email: str,
    city: City,
    area: str,
    district: District | None,
    lat: float | None,
    lng: float | None,
    radius_m: int | None,
    address: str,
    service_types: Iterable[ServiceType],
    on: str,
    kept_district: District | None = None,
) -> _Alert:
    """The rules of an alert, for a new one and a changed one alike: the address, what it is
    of, its area (a district of the city's current map, or ``kept_district``, the retired one
    an alert being changed already has; a circle's center found as ``alerts.circle_center``
    finds it, its radius and box), and its types (never confidential ones). Raises a
    ``ValidationError`` by field."""
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": _("%(e)s is not an email address.") % {"e": email or "“”"}}) from exc
    if on not in AlertOn.values:
        raise ValidationError({"on": _("Choose new reports, closed reports, or both.")})
    if area not in AreaKind.values:
        raise ValidationError({"area": _("Choose the whole city, a district, or a point on the map.")})
    types = list(service_types)
    if any(t.is_confidential for t in types):
        raise ValidationError({"service_types": _("Alerts cannot be had for that type.")})
    box: tuple[float | None, ...] = (None, None, None, None)
    if area == AreaKind.DISTRICT:
        if district is None or district.city_id != city.pk:
            raise ValidationError({"district": _("Choose a district of %(city)s.") % {"city": city.name}})
        # A retired district takes no new case, so a new alert of it would never tell of a
        # new report; an alert that has it already keeps it (docs/alerts.md).
        if district.retired_on is not None and (kept_district is None or kept_district.pk != district.pk):
            raise ValidationError(
                {
                    "district": _(
                        "“%(district)s” is no longer on the map of %(city)s (retired on %(day)s): "
                        "choose one of its current districts."
                    )
                    % {"district": district.name, "city": city.name, "day": district.retired_on.isoformat()}
                }
            )
    else:
        district = None
    center = ""
    if area == AreaKind.RADIUS:
        if lat is None or lng is None:
            lat, lng, center = alerts.circle_center(address=address, lat=None, lng=None)
        if lat is None or lng is None or not (math.isfinite(lat) and math.isfinite(lng)):
            raise ValidationError(
                {
                    "lat": _(
                        "Choose the center of the area: type an address and choose it from the list, "
                        "or put the pin on the map."
                    )
                }
            )
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise ValidationError({"lat": _("That point is not on the map.")})
        if radius_m is None or not alerts.MIN_RADIUS_M <= radius_m <= alerts.MAX_RADIUS_M:
            raise ValidationError(
                {
                    "radius_m": _("Choose a distance from %(a)s to %(b)s meters.")
                    % {"a": alerts.MIN_RADIUS_M, "b": alerts.MAX_RADIUS_M}
                }
            )
        box = alerts.bounding_box(lat, lng, radius_m)
        if not center:
            center = alerts.circle_center(address=address, lat=lat, lng=lng).address
    else:
        lat = lng = radius_m = None
    fields = {
        "area": area,
        "district": district,
        "lat": lat,
        "lng": lng,
        "radius_m": radius_m,
        "address": center,
        "south": box[0],
        "north": box[1],
        "west": box[2],
        "east": box[3],
        "on": on,
    }
    return _Alert(email, fields, types)


def _room_for_unconfirmed(email: str) -> None:
    """Refuse a new confirmation to an address that has ``MAX_UNCONFIRMED`` waiting."""
    pending = AreaSubscription.objects.filter(email__iexact=email, confirmed_at__isnull=True, active=True)
    if pending.count() >= alerts.MAX_UNCONFIRMED:
        raise ValidationError(
            {"email": _("%(e)s has alerts waiting for confirmation: use the links we emailed first.") % {"e": email}}
        )


@transaction.atomic
def subscription_create(
    *,
    email: str,
    city: City,
    area: str = AreaKind.CITY,
    district: District | None = None,
    lat: float | None = None,
    lng: float | None = None,
    radius_m: int | None = None,
    address: str = "",
    service_types: Iterable[ServiceType] = (),
    on: str = AlertOn.NEW,
    language: str = "",
) -> AreaSubscription:
    """Record an unconfirmed subscription and write its confirmation email; it and the
    alerts are written in ``language`` (the resident's when subscribing; "" the site's).

    A circle keeps the address that names its center (``address``, what the form's address
    box held) only as the gazetteer gives it near the point, else the address nearest the
    point (``alerts.circle_center``); without a point, a certain address gives both."""
    alert = _alert_checked(
        email=email,
        city=city,
        area=area,
        district=district,
        lat=lat,
        lng=lng,
        radius_m=radius_m,
        address=address,
        service_types=service_types,
        on=on,
    )
    _room_for_unconfirmed(alert.email)
    subscription = AreaSubscription.objects.create(
        email=alert.email, city=city, language=offered_language(language), **alert.fields
    )
    subscription.service_types.set(alert.types)
    alerts.confirmation_write(subscription)
    return subscription


@transaction.atomic
def subscription_update(
    *,
    subscription: AreaSubscription,
    email: str,
    area: str,
    district: District | None = None,
    lat: float | None = None,
    lng: float | None = None,
    radius_m: int | None = None,
    address: str = "",
    service_types: Iterable[ServiceType] = (),
    on: str = AlertOn.NEW,
    language: str = "",
) -> AreaSubscription:
    """Change an alert in place, by the same rules as a new one (``subscription_create``).

    Sent to the same address (compared without case), a confirmed alert stays confirmed and
    keeps its links. Sent to another address, it waits for that address's confirmation (the
    email is written), with new links: the old address's stop link no longer reaches it.
    Its emails are written in ``language`` from now on."""
    alert = _alert_checked(
        email=email,
        city=subscription.city,
        area=area,
        district=district,
        lat=lat,
        lng=lng,
        radius_m=radius_m,
        address=address,
        service_types=service_types,
        on=on,
        kept_district=subscription.district,
    )
    locked = AreaSubscription.objects.select_for_update().select_related("city").get(pk=subscription.pk)
    if not locked.active:
        raise ValidationError(_("These alerts were stopped: set new ones on the alerts page."))
    moved = alert.email.lower() != locked.email.strip().lower()
    if moved:
        _room_for_unconfirmed(alert.email)
        locked.confirmed_at = None
        locked.confirm_token = new_link_token()
        locked.unsubscribe_token = new_link_token()
    for name, value in alert.fields.items():
        setattr(locked, name, value)
    locked.email = alert.email
    locked.language = offered_language(language)
    locked.save()
    locked.service_types.set(alert.types)
    if moved:
        alerts.confirmation_write(locked)
    return locked


@transaction.atomic
def subscription_confirm(*, token: str) -> AreaSubscription | None:
    """Start the alerts of the subscription whose confirmation link this is."""
    subscription = AreaSubscription.objects.select_for_update().filter(confirm_token=token).first()
    if subscription is not None and subscription.confirmed_at is None and subscription.active:
        subscription.confirmed_at = timezone.now()
        subscription.save(update_fields=["confirmed_at"])
    return subscription


@transaction.atomic
def subscription_unsubscribe(*, token: str) -> AreaSubscription | None:
    """Stop one subscription's alerts, by the token of its unsubscribe link."""
    subscription = AreaSubscription.objects.filter(unsubscribe_token=token).first()
    if subscription is not None and subscription.active:
        subscription.active = False
        subscription.save(update_fields=["active"])
    return subscription


@transaction.atomic
def subscriptions_stop_all(*, email: str, city: City) -> int:
    """Stop every alert of ``email`` in ``city`` (confirmed or not); how many were stopped."""
    return AreaSubscription.objects.filter(city=city, email__iexact=email.strip(), active=True).update(active=False)


def _emailed_lately(*, kind: str, email: str) -> int:
    since = timezone.now() - dt.timedelta(hours=1)
    return OutboxMessage.objects.filter(kind=kind, recipient__iexact=email, created_at__gte=since).count()


@transaction.atomic
def subscription_confirmation_resend(*, subscription: AreaSubscription) -> bool:
    """Write the confirmation email of a not yet confirmed alert again; False (nothing written)
    when it is confirmed or stopped, or its address got ``MAX_LINKS_PER_HOUR`` confirmations
    in the last hour."""
    if subscription.confirmed_at is not None or not subscription.active:
        return False
    if _emailed_lately(kind="alert_confirm", email=subscription.email) >= alerts.MAX_LINKS_PER_HOUR:
        return False
    alerts.confirmation_write(subscription)
    return True


@transaction.atomic
def your_alerts_link_send(*, email: str, city: City, language: str = "") -> bool:
    """Email the link to "Your alerts" to ``email`` if it has alerts in ``city`` (confirmed or
    not), in ``language``, at most ``MAX_LINKS_PER_HOUR`` an hour. Whether it was written is
    for tests and logs only: the page says the same either way, so it tells no stranger
    whether an address has alerts."""
    email = (email or "").strip()
    if not AreaSubscription.objects.filter(city=city, email__iexact=email, active=True).exists():
        return False
    if _emailed_lately(kind="alert_link", email=email) >= alerts.MAX_LINKS_PER_HOUR:
        return False
    alerts.your_alerts_write(email=email, city=city, language=offered_language(language))
    return True


def _share_words(share: float) -> str:
    return f"{share:.0%}"


def district_alerts_counted(*, district: District) -> int:
    """How many alerts of ``district`` are at work (confirmed and not stopped): those whose
    residents are told when it is replaced (``subscriptions_follow_replaced``)."""
    return AreaSubscription.objects.filter(district=district, active=True, confirmed_at__isnull=False).count()


def district_replacing_words(*, old: District, by: list[tuple[str, float]]) -> list[str]:
    """What ``subscriptions_follow_replaced`` will do to the alerts of ``old`` when it is
    retired whole for the districts ``by`` (names and shares of its area, most first), in the
    administrator's words, for the page that says it before anything is saved."""
    count = district_alerts_counted(district=old)
    if not count:
        return []
    place = {"n": count, "old": old.name}
    # One email per resident, whatever the number of their alerts of it: said when they differ.
    people = (
        AreaSubscription.objects.filter(district=old, active=True, confirmed_at__isnull=False)
        .annotate(email_lower=Lower("email"))
        .values("email_lower")
        .distinct()
        .count()
    )
    emailed = (
        [
            ngettext(
                "They belong to %(people)d resident, who gets one email.",
                "They belong to %(people)d residents; each gets one email.",
                people,
            )
            % {"people": people}
        ]
        if people != count
        else []
    )
    if by:
        place |= {"new": by[0][0], "pct": _share_words(by[0][1])}
        lines = [
            ngettext(
                "%(n)d resident's alert of %(old)s will move to “%(new)s”, which covers %(pct)s of it; the resident "
                "is emailed what changed, with a link to change it.",
                "%(n)d residents' alerts of %(old)s will move to “%(new)s”, which covers %(pct)s of it; each "
                "resident is emailed what changed, with a link to change theirs.",
                count,
            )
            % place
        ]
        # An alert follows one district; the email names the others covering part of it, and so
        # does the page, before.
        others = [f"“{name}” ({_share_words(share)})" for name, share in by[1:]]
        if others:
            lines.append(
                ngettext(
                    "Also covering part of it, named in the email: %(others)s.",
                    "Also covering parts of it, named in the email: %(others)s.",
                    len(others),
                )
                % {"others": ", ".join(others)}
            )
        return [*lines, *emailed]
    return [
        ngettext(
            "%(n)d resident's alert of %(old)s will stay on it, since no district covers it: it will tell of no new "
            "report. The resident is emailed, with a link to change it.",
            "%(n)d residents' alerts of %(old)s will stay on it, since no district covers it: they will tell of no "
            "new report. Each resident is emailed, with a link to change theirs.",
            count,
        )
        % place,
        *emailed,
    ]


@transaction.atomic
def subscriptions_follow_replaced(
    *, old: District, by: list[tuple[District, float]], cause: str = tenant_signals.DRAWN_OVER
) -> list[str]:
    """Move the alerts of ``old``, retired whole, to the district covering most of it (``by``:
    the current districts covering its area with their shares, most first), and tell each
    resident whose alert is at work, by email in the alert's language, with the link to "Your
    alerts", saying why ``old`` left the map (``cause``: ``tenants.signals.DRAWN_OVER``,
    ``IMPORTED`` or ``RETIRED``). An alert names one district, so it takes the one covering
    most; the email names the others. With no district covering it the alert stays (nothing is lost), and the
    resident is told it will hear of no new report there. Returns what was done, in the
    administrator's words."""
    subscriptions = list(
        AreaSubscription.objects.filter(district=old).select_related("city").order_by("created_at", "pk")
    )
    if not subscriptions:
        return []
    new = by[0][0] if by else None
    if new is not None:
        AreaSubscription.objects.filter(pk__in=[s.pk for s in subscriptions]).update(district=new)
        for subscription in subscriptions:
            subscription.district = new
    at_work: dict[str, list[AreaSubscription]] = {}
    for subscription in subscriptions:
        if subscription.active and subscription.confirmed_at is not None:
            at_work.setdefault(subscription.email.strip().lower(), []).append(subscription)
    for group in at_work.values():
        alerts.district_replaced_write(group, old=old, by=by, cause=cause)
    count = sum(len(group) for group in at_work.values())
    if not count:
        return []
    place = {"n": count, "old": name_before_retiring(old)}
    if new is not None:
        place["new"] = new.name
        return [
            ngettext(
                "%(n)d resident's alert of %(old)s now follows “%(new)s”; the resident is emailed what changed.",
                "%(n)d residents' alerts of %(old)s now follow “%(new)s”; each resident is emailed what changed.",
                count,
            )
            % place
        ]
    return [
        ngettext(
            "%(n)d resident's alert of %(old)s stays on it, since no district covers it; the resident is emailed.",
            "%(n)d residents' alerts of %(old)s stay on it, since no district covers it; each resident is emailed.",
            count,
        )
        % place
    ]
