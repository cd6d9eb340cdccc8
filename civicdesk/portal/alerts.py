"""Alert pages: subscribe to emails of new or closed reports in an area, confirm (double
opt-in), unsubscribe in one click. The rules live in ``civicdesk.notifications.alerts``."""

from __future__ import annotations

import unicodedata
from typing import Any, NamedTuple

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

from civicdesk.catalog.models import ServiceType
from civicdesk.catalog.selectors import reportable_types
from civicdesk.core.written import Written
from civicdesk.notifications import services as notification_services
from civicdesk.notifications.models import RADIUS_WORDS, AlertOn, AreaKind, AreaSubscription, distance_words
from civicdesk.portal.selectors import grouped
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
        help_text=_("For “Around a point”: type an address and choose it from the list, or put the pin on the map."),
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

    def __init__(self, *args: Any, city: City, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["address"].widget.attrs["aria-describedby"] = "id_address_help"
        self.fields["district"].queryset = city.districts.defer("boundary").order_by("number", "name")  # type: ignore[attr-defined]
        self.fields["service_types"].queryset = ServiceType.objects.filter(  # type: ignore[attr-defined]
            pk__in=[t.pk for t in public_types(city)]
        ).order_by("group", "sort_order", "name")
        # A circle of the metric form (250 m, 500 m, 1 km, 2 km, 5 km: a page left open, a
        # subscription edited) is still accepted, and offered by its "about" words.
        radius = self["radius_m"].value()
        if isinstance(radius, list):
            radius = radius[0] if radius else None
        if str(radius or "") in {str(m) for m in OLD_RADII}:
            meters = int(str(radius))
            field = self.fields["radius_m"]
            field.choices = sorted([*field.choices, (meters, distance_words(meters))])  # type: ignore[attr-defined]


# The distances the form offered before it spoke feet and miles.
OLD_RADII = (250, 500, 1000, 2000, 5000)


def alerts_page(request: HttpRequest, city: str) -> HttpResponse:
    """GET: the form. POST: record the subscription and send the confirmation email."""
    city_obj = get_object_or_404(City.objects.defer("boundary"), slug=city)
    form = AlertForm(request.POST or None, city=city_obj)
    created = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = notification_services.subscription_create(
                email=data["email"],
                city=city_obj,
                area=data["area"],
                district=data.get("district"),
                lat=data.get("lat"),
                lng=data.get("lng"),
                radius_m=data.get("radius_m") or None,
                address=data.get("address") or "",
                service_types=data.get("service_types") or [],
                on=data["on"],
                language=translation.get_language() or "",
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                name = field if field in form.fields else ("lat" if field == "lng" else None)
                for message in messages:
                    form.add_error(name, message)
    if form.errors.get("lat"):
        # The missing center is the address box's to fix: its error is read with it.
        form.fields["address"].widget.attrs.update(
            {"aria-describedby": "id_address_help id_lat_error", "aria-invalid": "true"}
        )
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request,
        "portal/alerts.html",
        {
            "city": city_obj,
            "form": form,
            "type_groups": type_groups(form, translation.get_language() or ""),
            "created": created,
            "map": {"tiles": settings.MAP_TILES_URL, "attribution": settings.MAP_TILES_ATTRIBUTION},
            "boundary_url": reverse("portal:boundary", args=[city_obj.slug]),
        },
        status=status,
    )


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
    return render(request, "portal/alert_confirm.html", {"subscription": subscription, "city": subscription.city})


@csrf_exempt  # RFC 8058: mail programs POST here without a form; the token is the key
def alert_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button; POST stops the alerts (also the mail program's one-click POST)."""
    subscription = _subscription(unsubscribe_token=token)
    if request.method == "POST":
        subscription = notification_services.subscription_unsubscribe(token=token) or subscription
    return render(request, "portal/alert_unsubscribe.html", {"subscription": subscription, "city": subscription.city})
