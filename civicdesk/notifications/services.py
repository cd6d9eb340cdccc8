"""Writes of the notifications app: following a case and stopping, area alert subscriptions."""

from __future__ import annotations

import math
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicdesk.cases.models import ServiceRequest
from civicdesk.catalog.models import ServiceType
from civicdesk.core.languages import offered_language
from civicdesk.notifications import alerts
from civicdesk.notifications.models import AlertOn, AreaKind, AreaSubscription, CaseFollower
from civicdesk.tenants.models import City, District


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
    pending = AreaSubscription.objects.filter(email__iexact=email, confirmed_at__isnull=True, active=True)
    if pending.count() >= alerts.MAX_UNCONFIRMED:
        raise ValidationError(
            {"email": _("%(e)s has alerts waiting for confirmation: use the links we emailed first.") % {"e": email}}
        )
    subscription = AreaSubscription.objects.create(
        email=email,
        city=city,
        area=area,
        district=district,
        lat=lat,
        lng=lng,
        radius_m=radius_m,
        address=center,
        south=box[0],
        north=box[1],
        west=box[2],
        east=box[3],
        on=on,
        language=offered_language(language),
    )
    subscription.service_types.set(types)
    alerts.confirmation_write(subscription)
    return subscription


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
