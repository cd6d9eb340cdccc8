"""Alert pages: subscribe to emails of new or closed reports in an area, confirm (double
opt-in), unsubscribe in one click; and "Your alerts", reached by a signed link, where one
address's alerts in a city are listed, changed and stopped. The rules live in
``civicdesk.notifications.alerts`` and ``civicdesk.notifications.services``."""

from __future__ import annotations

import unicodedata
from typing import Any, NamedTuple

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from civicdesk.catalog.models import ServiceType
from civicdesk.catalog.selectors import reportable_types
from civicdesk.core.errors import OutsideServiceArea
from civicdesk.core.written import Written
from civicdesk.notifications import alerts as alert_rules
from civicdesk.notifications import selectors as notification_selectors
from civicdesk.notifications import services as notification_services
from civicdesk.notifications.models import RADIUS_WORDS, AlertOn, AreaKind, AreaSubscription, distance_words
from civicdesk.portal.selectors import grouped
from civicdesk.tenants import selectors as tenant_selectors
from civicdesk.tenants.models import City, District


def public_types(city: City) -> list[ServiceType]:
    """Types one may ask alerts of: the city's offered, public types."""
    return list(reportable_types().filter(city=city, is_confidential=False).order_by("group", "sort_order", "name"))


def alphabetical(text: str, language: str) -> tuple[str, str]:
    """A key that sorts words as a dictionary of ``language`` does: without regard to case or
    accents ("Árbol" before "Bache"), and in Spanish with ñ a letter of its own after n
    ("Senda" before "Señal"); the text itself breaks ties."""
    folded = text.casefold()
    if language.startswith("es"):
        folded = folded.replace("n\u0303", "\u00f1").replace("\u00f1", "n\U0010ffff")
    plain = "".join(c for c in unicodedata.normalize("NFD", folded) if not unicodedata.combining(c))
    return plain, text


class TypeChoice(NamedTuple):
    value: int
    label: str
    checked: bool


def type_groups(form: AlertForm, language: str) -> list[tuple[Written, list[TypeChoice]]]:
    """The form's problem types for its checkboxes: by catalog group as the report form groups
    them (``grouped``: one group per English group, by its Spanish name when one of its types
    gives it), groups and the types in each by name in ``language`` (each type by its name
    there), the types of no group last under "Other". A long list read in the catalog's own
    order looked unsorted."""
    checked = {str(value) for value in form["service_types"].value() or []}
    with translation.override(language or None):
        groups = grouped(form.fields["service_types"].queryset)  # type: ignore[attr-defined]

    def choices(members: list[ServiceType]) -> list[TypeChoice]:
        made = (TypeChoice(t.pk, t.local_name(language), str(t.pk) in checked) for t in members)
        return sorted(made, key=lambda choice: alphabetical(choice.label, language))

    named = [(label, choices(members)) for label, members in groups if members[0].group]
    other = [(label, choices(members)) for label, members in groups if not members[0].group]
    return sorted(named, key=lambda group: alphabetical(group[0], language)) + other


class AlertForm(forms.Form):
    email = forms.EmailField(label=_("Your email"), max_length=254)
    on = forms.ChoiceField(label=_("Tell me of"), choices=AlertOn.choices, initial=AlertOn.NEW)
    area = forms.ChoiceField(
        label=_("Where"), choices=AreaKind.choices, initial=AreaKind.CITY, widget=forms.RadioSelect
    )
    # Read only for "A council district": the empty choice asks for one (not Django's "---------").
    district = forms.ModelChoiceField(
        label=_("District"), queryset=District.objects.none(), required=False, empty_label=_("Choose a district")
    )
    # Finds the center (address.js puts the pin on the address chosen) and names it: the alert
    # keeps the point and the gazetteer's form of this address near it (alerts.circle_center).
    address = forms.CharField(
        label=_("Address or place"),
        required=False,
        max_length=300,
        help_text=_("Type an address and choose it from the list: for alerts of its council district or around it."),
    )
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, widget=forms.HiddenInput)
    radius_m = forms.TypedChoiceField(
        label=_("Distance from the pin"),
        coerce=int,
        choices=list(RADIUS_WORDS.items()),
        initial=402,
        required=False,
    )
    # The summary of mistakes at the top links a missing center to the map (core/forms.py).
    error_anchors = {"lat": "alert-map", "lng": "alert-map"}

    service_types = forms.ModelMultipleChoiceField(
        label=_("Problems (none checked: every problem)"),
        queryset=ServiceType.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        city: City,
        keep_radius: int | None = None,
        keep_district: District | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["address"].widget.attrs["aria-describedby"] = "id_address_help"
        # Offered: the districts of the city's current map, and an alert being changed keeps
        # its own retired one (said so by its name, "Ward 3 (map until 2026-12-06)"). Every
        # district of the city is read back, so a retired one sent anyway is refused in words
        # by the alert's rules (services._alert_checked), not as "not one of the choices".
        district = self.fields["district"]
        district.queryset = city.districts.defer("boundary").order_by("number", "name")  # type: ignore[attr-defined]
        own = keep_district.pk if keep_district is not None else None
        offered = [d for d in district.queryset if d.retired_on is None or d.pk == own]  # type: ignore[attr-defined]
        district.choices = [("", district.empty_label), *((d.pk, d.name) for d in offered)]  # type: ignore[attr-defined]
        self.fields["service_types"].queryset = ServiceType.objects.filter(  # type: ignore[attr-defined]
            pk__in=[t.pk for t in public_types(city)]
        ).order_by("group", "sort_order", "name")
        # A circle of the metric form (250 m, 500 m, 1 km, 2 km, 5 km: a page left open, a
        # subscription edited) is still accepted, and offered by its "about" words.
        # Choosing a district or a distance means that kind of area (portal.js, data-chooses):
        # before, a resident who chose "District 2" with "The whole city" still checked got
        # alerts of the whole city.
        kinds = [str(value) for value, _label in AreaKind.choices]
        area_id = self["area"].auto_id
        for name, kind in (("district", AreaKind.DISTRICT), ("radius_m", AreaKind.RADIUS)):
            if area_id:
                self.fields[name].widget.attrs["data-chooses"] = f"{area_id}_{kinds.index(kind)}"
        radius = self["radius_m"].value()
        if isinstance(radius, list):
            radius = radius[0] if radius else None
        # An alert being changed keeps its own circle too, whatever it is (one asked through
        # the API): changing its types must not force a new distance on it.
        kept = {str(m) for m in OLD_RADII} | ({str(keep_radius)} if keep_radius else set())
        if str(radius or "") in kept and int(str(radius)) not in RADIUS_WORDS:
            meters = int(str(radius))
            field = self.fields["radius_m"]
            field.choices = sorted([*field.choices, (meters, distance_words(meters))])  # type: ignore[attr-defined]


# The distances the form offered before it spoke feet and miles.
OLD_RADII = (250, 500, 1000, 2000, 5000)


class DistrictHere(NamedTuple):
    """The council district of a place, and the sentence that says it ("18891 Meadow Ln is in
    District 2.", "… is in no district of Independence.", "… is outside Independence: …")."""

    district: District | None
    text: str


def district_here(city: City, *, lat: float, lng: float, address: str) -> DistrictHere:
    """The district of the city's current map covering the point (``tenants.selectors.
    district_at``), said with ``address`` (or "The pin" without one)."""
    place = address.strip() or gettext("The pin")
    try:
        inside = tenant_selectors.city_at(lat=lat, lng=lng, known=city).pk == city.pk
    except (OutsideServiceArea, ValidationError):
        inside = False
    if not inside:
        text = gettext("%(place)s is outside %(city)s: it is in none of its districts.")
        return DistrictHere(None, text % {"place": place, "city": city.name})
    district = tenant_selectors.district_at(city=city, lat=lat, lng=lng)
    if district is None:
        text = gettext("%(place)s is in no district of %(city)s.") % {"place": place, "city": city.name}
        return DistrictHere(None, text)
    return DistrictHere(
        district, gettext("%(place)s is in %(district)s.") % {"place": place, "district": district.name}
    )


@require_GET
def alerts_district(request: HttpRequest, city: str) -> JsonResponse:
    """JSON for the alerts form (address.js): the district of the place just typed or pinned,
    ``?lat=&lng=&address=``, with the sentence saying it, the button offering it and the
    sentence saying it was chosen for the resident."""
    city_obj = get_object_or_404(City.objects.defer("boundary"), slug=city)
    try:
        lat, lng = float(request.GET.get("lat", "")), float(request.GET.get("lng", ""))
    except ValueError:
        lat = lng = float("nan")
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        return JsonResponse({"error": gettext("Give the point as lat= and lng= in degrees.")}, status=400)
    here = district_here(city_obj, lat=lat, lng=lng, address=request.GET.get("address", "")[:300])
    found = here.district
    return JsonResponse(
        {
            "district": found.pk if found else None,
            "name": found.name if found else "",
            "text": here.text,
            "choose": gettext("Alerts of %(district)s") % {"district": found.name} if found else "",
            # Said when the form chooses it for the resident (an address typed, no area chosen).
            "chosen": gettext("Alerts of %(district)s chosen; you can choose the whole city or a distance instead.")
            % {"district": found.name}
            if found
            else "",
        }
    )


def _district_filled(form: AlertForm, city: City) -> str:
    """A form sent for "A council district" with no district chosen but an address (a page
    without JavaScript): the district of that address fills it in, and the sentence saying
    so is returned for the confirmation; an address in no district is an error by the district
    list, in words, and nothing is saved. "" when there is nothing to fill in."""
    data = form.cleaned_data
    if data.get("area") != AreaKind.DISTRICT or data.get("district") is not None:
        return ""
    typed = (data.get("address") or "").strip()
    if not typed and (data.get("lat") is None or data.get("lng") is None):
        return ""
    center = alert_rules.circle_center(address=typed, lat=data.get("lat"), lng=data.get("lng"))
    if center.lat is None or center.lng is None:
        form.add_error(
            "district",
            gettext("We could not find “%(address)s” to tell its district: choose your district from the list.")
            % {"address": typed},
        )
        return ""
    here = district_here(city, lat=center.lat, lng=center.lng, address=center.address or typed)
    if here.district is None:
        form.add_error("district", here.text + " " + gettext("Choose a district from the list, or the whole city."))
        return ""
    data["district"] = here.district
    more = gettext("No district was chosen, so your alerts are of %(district)s.") % {"district": here.district.name}
    return here.text + " " + more


def alerts_page(request: HttpRequest, city: str) -> HttpResponse:
    """GET: the form. POST: record the subscription and send the confirmation email."""
    city_obj = get_object_or_404(City.objects.defer("boundary"), slug=city)
    form = AlertForm(request.POST or None, city=city_obj)
    created = None
    filled = ""
    # A POST with no fields (the CSRF token in a header) leaves the form unbound: not valid,
    # and without errors to say; it is shown again as a GET's would be.
    sent = request.method == "POST" and form.is_valid()
    if sent:
        filled = _district_filled(form, city_obj)
    if sent and not form.errors:
        try:
            created = notification_services.subscription_create(city=city_obj, **_alert_fields(form))
        except ValidationError as exc:
            _refused_onto(form, exc)
    status = 400 if request.method == "POST" and form.errors else 200
    context = {
        **_form_context(form, city_obj),
        "created": created,
        "district_filled": filled if created else "",
        "link_form": YourAlertsLinkForm(),
    }
    return render(request, "portal/alerts.html", context, status=status)


def _alert_fields(form: AlertForm) -> dict[str, Any]:
    """What a valid alert form asks of ``subscription_create`` and ``subscription_update``, in
    the page's language (the alert's emails are written in it)."""
    data = form.cleaned_data
    return {
        "email": data["email"],
        "area": data["area"],
        "district": data.get("district"),
        "lat": data.get("lat"),
        "lng": data.get("lng"),
        "radius_m": data.get("radius_m") or None,
        "address": data.get("address") or "",
        "service_types": data.get("service_types") or [],
        "on": data["on"],
        "language": translation.get_language() or "",
    }


def _refused_onto(form: AlertForm, exc: ValidationError) -> None:
    """The service's refusal, each message by the box it is about (a point's by the map's)."""
    for field, errors in exc.message_dict.items():
        name = field if field in form.fields else ("lat" if field == "lng" else None)
        for message in errors:
            form.add_error(name, message)


def _form_context(form: AlertForm, city: City) -> dict[str, Any]:
    """What the alert form's template (``portal/_alert_form.html``) needs besides the form."""
    if form.errors.get("lat"):
        # The missing center is the address box's to fix: its error is read with it.
        form.fields["address"].widget.attrs.update(
            {"aria-describedby": "id_address_help id_lat_error", "aria-invalid": "true"}
        )
    return {
        "city": city,
        "form": form,
        "type_groups": type_groups(form, translation.get_language() or ""),
        "map": {"tiles": settings.MAP_TILES_URL, "attribution": settings.MAP_TILES_ATTRIBUTION},
        "boundary_url": reverse("portal:boundary", args=[city.slug]),
    }


def _subscription(**lookup: str) -> AreaSubscription:
    subscription = AreaSubscription.objects.select_related("city", "district").filter(**lookup).first()
    if subscription is None:
        raise Http404("This link is not known.")
    return subscription


def alert_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners open links; consent is the click), POST confirms."""
    subscription = _subscription(confirm_token=token)
    if request.method == "POST":
        subscription = notification_services.subscription_confirm(token=token) or subscription
    return render(
        request,
        "portal/alert_confirm.html",
        {"subscription": subscription, "city": subscription.city, "your_alerts_url": _your_alerts_path(subscription)},
    )


@csrf_exempt  # RFC 8058: mail programs POST here without a form; the token is the key
def alert_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; POST stops the alerts (also the mail program's one-click POST)."""
    subscription = _subscription(unsubscribe_token=token)
    if request.method == "POST":
        subscription = notification_services.subscription_unsubscribe(token=token) or subscription
    return render(
        request,
        "portal/alert_unsubscribe.html",
        {"subscription": subscription, "city": subscription.city, "your_alerts_url": _your_alerts_path(subscription)},
    )


# --- "Your alerts" ----------------------------------------------------------------------------


class YourAlertsLinkForm(forms.Form):
    """ "Email me a link to my alerts": only an address."""

    prefix = "link"
    email = forms.EmailField(label=_("Your email"), max_length=254)


def _your_alerts_path(subscription: AreaSubscription) -> str:
    token = alert_rules.your_alerts_token(email=subscription.email, city=subscription.city)
    return reverse("portal:your-alerts", kwargs={"city": subscription.city.slug, "token": token})


class _Refused(Exception):
    """A link to "Your alerts" that opens nothing: the page that says why is ``response``."""

    def __init__(self, response: HttpResponse) -> None:
        self.response = response


def _owner(request: HttpRequest, city_slug: str, token: str) -> tuple[City, str]:
    """The city and the address whose alerts the link ``token`` opens; raises ``_Refused``
    with the page to show for a link that is expired, altered or for another city."""
    city = get_object_or_404(City.objects.defer("boundary"), slug=city_slug)
    try:
        owner = alert_rules.your_alerts_read(token)
    except alert_rules.LinkExpired as expired:
        raise _Refused(_link_refused(request, city, expired=True, email=expired.email)) from None
    except signing.BadSignature:
        raise _Refused(_link_refused(request, city, expired=False)) from None
    if owner.city_id != city.pk:
        raise _Refused(_link_refused(request, city, expired=False))
    return city, owner.email


def _link_refused(request: HttpRequest, city: City, *, expired: bool, email: str = "") -> HttpResponse:
    """The page of a link that opens nothing, with the form to ask for a new one (its address
    filled in when the link was a genuine one that expired)."""
    form = YourAlertsLinkForm(initial={"email": email})
    context = {"city": city, "expired": expired, "link_form": form, "days": alert_rules.YOUR_ALERTS_DAYS}
    return render(request, "portal/your_alerts_refused.html", context, status=410 if expired else 404)


def _type_words(subscription: AreaSubscription, language: str) -> list[Written]:
    """The types an alert is of, by name in ``language``, as a dictionary sorts them; [] is
    every type."""
    names = [t.local_name(language) for t in subscription.service_types.all()]
    return sorted(names, key=lambda name: alphabetical(str(name), language))


# Private, and changed by its own buttons: never kept by a cache or shown stale from history.
@never_cache
def your_alerts(request: HttpRequest, city: str, token: str) -> HttpResponse:
    """GET: every alert of the link's address in the city, in words, with "Change" and "Stop",
    and "Stop all". POST (a button; a mail scanner opening the link changes nothing): stop one
    (``stop``), stop all (``stop_all``), or send a confirmation again (``resend``)."""
    try:
        city_obj, email = _owner(request, city, token)
    except _Refused as refused:
        return refused.response
    mine = notification_selectors.alerts_of(email=email, city=city_obj)
    if request.method == "POST":
        _your_alerts_action(request, city_obj, email, mine)
        return redirect(request.path)
    language = translation.get_language() or ""
    rows = [(subscription, _type_words(subscription, language)) for subscription in mine]
    context = {
        "city": city_obj,
        "email": email,
        "rows": rows,
        "token": token,
        "days": alert_rules.YOUR_ALERTS_DAYS,
    }
    return render(request, "portal/your_alerts.html", context)


def _your_alerts_action(request: HttpRequest, city: City, email: str, mine: Any) -> None:
    """Do what the button pressed on "Your alerts" asks, and say it as a message."""
    if "stop_all" in request.POST:
        stopped = notification_services.subscriptions_stop_all(email=email, city=city)
        messages.success(
            request,
            ngettext(
                "Stopped: %(email)s will get no more alerts from %(city)s 311 (%(n)s alert).",
                "Stopped: %(email)s will get no more alerts from %(city)s 311 (%(n)s alerts).",
                stopped,
            )
            % {"email": email, "city": city.name, "n": stopped},
        )
        return
    chosen = next((s for s in mine if str(s.pk) == request.POST.get("stop", request.POST.get("resend"))), None)
    if chosen is None:
        # Stopped already (a second tab, a button pressed twice): nothing to do.
        messages.info(request, gettext("Those alerts were already stopped."))
        return
    if "stop" in request.POST:
        notification_services.subscription_unsubscribe(token=chosen.unsubscribe_token)
        messages.success(request, _said(gettext("Stopped: no more alerts of %(what)s %(area)s."), chosen))
    elif notification_services.subscription_confirmation_resend(subscription=chosen):
        messages.success(request, gettext("We sent the confirmation email again to %(email)s.") % {"email": email})
    else:
        messages.info(
            request,
            gettext("We have sent %(email)s several confirmation emails in the last hour: please look for them.")
            % {"email": email},
        )


def _said(sentence: str, subscription: AreaSubscription) -> str:
    """``sentence`` with ``%(what)s`` (new reports, closed reports) and ``%(area)s``, the area
    as the emails say it: "within ½ mile of 1200 S Main St", "in Independence"."""
    area = subscription.describe_area()
    if subscription.area != AreaKind.RADIUS:
        area = gettext("in %(place)s") % {"place": area}
    return sentence % {"what": subscription.get_on_display().lower(), "area": area}


@never_cache  # as "Your alerts"
def alert_change(request: HttpRequest, city: str, token: str, pk: int) -> HttpResponse:
    """GET: the alert form filled in with one alert. POST: change the alert in place (the
    form's rules; a mistake sends the form back with what was typed)."""
    try:
        city_obj, email = _owner(request, city, token)
    except _Refused as refused:
        return refused.response
    subscription = get_object_or_404(notification_selectors.alerts_of(email=email, city=city_obj), pk=pk)
    back = reverse("portal:your-alerts", kwargs={"city": city_obj.slug, "token": token})
    initial = {
        "email": subscription.email,
        "on": subscription.on,
        "area": subscription.area,
        "district": subscription.district_id,
        "address": subscription.address,
        "lat": subscription.lat,
        "lng": subscription.lng,
        "radius_m": subscription.radius_m or 402,
        "service_types": [t.pk for t in subscription.service_types.all()],
    }
    form = AlertForm(
        request.POST or None,
        initial=initial,
        city=city_obj,
        keep_radius=subscription.radius_m,
        keep_district=subscription.district,
    )
    filled = ""
    # A POST with no fields (the CSRF token in a header) leaves the form unbound: not valid,
    # and without errors to say; it is shown again as a GET's would be.
    sent = request.method == "POST" and form.is_valid()
    if sent:
        filled = _district_filled(form, city_obj)
    if sent and not form.errors:
        try:
            changed = notification_services.subscription_update(subscription=subscription, **_alert_fields(form))
        except ValidationError as exc:
            _refused_onto(form, exc)
        else:
            if filled:
                messages.info(request, filled)
            return _changed(request, changed, email, back)
    status = 400 if request.method == "POST" and form.errors else 200
    context = {**_form_context(form, city_obj), "subscription": subscription, "back_url": back}
    return render(request, "portal/alert_change.html", context, status=status)


def _changed(request: HttpRequest, changed: AreaSubscription, email: str, back: str) -> HttpResponseRedirect:
    if changed.email.strip().lower() != email:
        messages.success(
            request,
            gettext(
                "Saved. We sent an email to %(email)s: the alerts go there once its link is opened. "
                "They are no longer listed here."
            )
            % {"email": changed.email},
        )
    else:
        messages.success(request, _said(gettext("Saved: you will get alerts of %(what)s %(area)s."), changed))
    return HttpResponseRedirect(back)


@require_POST
def your_alerts_link(request: HttpRequest, city: str) -> HttpResponse:
    """ "Email me a link to my alerts": the link goes to the address if it has alerts in the
    city; the page answers the same for every address, so it tells no one whose they are."""
    city_obj = get_object_or_404(City.objects.defer("boundary"), slug=city)
    form = YourAlertsLinkForm(request.POST)
    if not form.is_valid():
        context = {**_form_context(AlertForm(city=city_obj), city_obj), "link_form": form, "created": None}
        return render(request, "portal/alerts.html", context, status=400)
    email = form.cleaned_data["email"]
    notification_services.your_alerts_link_send(email=email, city=city_obj, language=translation.get_language() or "")
    context = {
        "city": city_obj,
        "email": email,
        "days": alert_rules.YOUR_ALERTS_DAYS,
        "per_hour": alert_rules.MAX_LINKS_PER_HOUR,
    }
    return render(request, "portal/your_alerts_link_sent.html", context)
