"""Forms of the console. They check what a person typed; the services check the rest
(permissions, transitions, routing)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.utils import flatatt
from django.urls import reverse_lazy
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from civicdesk.accounts.models import User
from civicdesk.cases.models import Channel, Priority, ServiceRequest, Status
from civicdesk.cases.selectors import DEFAULT_SORT, QUEUES, SORTS
from civicdesk.cases.services import MAX_DESCRIPTION
from civicdesk.catalog.forms import ATTRIBUTE_PREFIX, attribute_answers, attribute_field
from civicdesk.catalog.models import ServiceAttribute, ServiceType
from civicdesk.console import selectors
from civicdesk.core.errors import OutsideServiceArea
from civicdesk.core.forms import SignInMistakes
from civicdesk.core.templatetags.written import as_written
from civicdesk.core.written import WrittenMarkup, WrittenSelect, language_of
from civicdesk.tenants.models import City, Department

STAFF_CHANNELS = [(c.value, c.label) for c in (Channel.PHONE, Channel.WALK_IN, Channel.EMAIL)]


class SignInForm(SignInMistakes, AuthenticationForm):
    """The console's sign-in. "Wrong username or password" is a mistake of the whole form:
    the summary links it to the username, and both boxes are marked invalid and described by
    it (``login-error``, written beside them), as a field's own mistake is (SignInMistakes)."""


def _type_choices(user: User, *, new_case: bool = False) -> list[Any]:
    """Types grouped as the catalogue groups them (an <optgroup> each); ``new_case``: those a
    case is entered as (no triage type)."""
    choices: list[Any] = [("", _("Choose the problem type"))]
    for group, types in selectors.grouped_service_type_names(user=user, new_case=new_case):
        options = [(str(pk), name) for pk, name in types]
        if group:
            choices.append((group, options))
        else:
            choices.extend(options)
    return choices


class _ChoicesForm(forms.Form):
    def _choice(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field


class QuickSelect(forms.Select):
    """A ``<select>`` written in Python. Django renders each ``<option>`` through a template
    of its own; the case list's filters have a few dozen, and on every visit to the console
    that was a good part of the page's time. Same markup, same attributes (id, aria). A
    label in another language than what holds it (a type's or a district's name, as the
    city typed it, on a Spanish page) says its ``lang``, as ``core.written.WrittenChoices``."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        chosen = set(self.format_value(value))
        page = get_language() or settings.LANGUAGE_CODE

        def lang(text: Any, around: str) -> SafeString | str:
            own = language_of(text)
            return "" if own.split("-")[0] == around.split("-")[0] else format_html(' lang="{}"', own)

        def option(key: Any, label: Any, around: str) -> str:
            selected = mark_safe(" selected") if str(key) in chosen else ""
            shown = lang(label, around) if key not in ("", None) else ""
            return format_html('<option value="{}"{}{}>{}</option>', key, selected, shown, label)

        parts: list[str] = []
        for key, label in self.choices:
            if isinstance(label, list | tuple):
                group = language_of(key)
                inner = format_html_join("", "{}", ((option(k, v, group),) for k, v in label))
                parts.append(format_html('<optgroup label="{}"{}>{}</optgroup>', key, lang(key, page), inner))
            else:
                parts.append(option(key, label, page))
        final = flatatt(self.build_attrs(self.attrs, attrs))
        return format_html(
            '<select name="{}"{}>{}</select>', name, final, format_html_join("", "{}", ((p,) for p in parts))
        )


class _QuickInput(forms.widgets.Input):
    """An ``<input>`` written in Python, the markup of Django's own template (the case list's
    search, dates and hidden fields, on every visit to the console)."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        shown = format_html(' value="{}"', widget["value"]) if widget["value"] is not None else ""
        return format_html('<input type="{}" name="{}"{}{}>', widget["type"], name, shown, flatatt(widget["attrs"]))


class QuickTextInput(_QuickInput, forms.TextInput):
    pass


class QuickHiddenInput(_QuickInput, forms.HiddenInput):
    pass


class QuickDateInput(_QuickInput, forms.DateInput):
    pass


def retired_label(name: str) -> WrittenMarkup:
    """A retired type's label, "Bulky item (retired)", in the page's language: the type's
    name as the city typed it, inside lang="en" where that is not the page's language
    (``as_written``), and the word "(retirado)" outside it, so a screen reader reads each in
    its own (WCAG 3.1.2)."""
    page = get_language() or settings.LANGUAGE_CODE
    return WrittenMarkup(conditional_escape(_("%(type)s (retired)")) % {"type": as_written(name)}, page)


class FilterForm(_ChoicesForm):
    """The queue, filters, search and sort of the case list (all from the URL)."""

    queue = forms.ChoiceField(choices=[(q, q) for q in QUEUES], required=False, widget=QuickHiddenInput)
    q = forms.CharField(label=_("Search"), required=False, max_length=200, widget=QuickTextInput)
    service_type = forms.ChoiceField(label=_("Type"), required=False, widget=QuickSelect)
    status = forms.ChoiceField(label=_("Status"), required=False, widget=QuickSelect)
    district = forms.ChoiceField(label=_("District"), required=False, widget=QuickSelect)
    channel = forms.ChoiceField(label=_("Channel"), required=False, widget=QuickSelect)
    opened_from = forms.DateField(label=_("Opened from"), required=False, widget=QuickDateInput(attrs={"type": "date"}))
    opened_to = forms.DateField(label=_("Opened to"), required=False, widget=QuickDateInput(attrs={"type": "date"}))
    sort = forms.CharField(required=False, widget=QuickHiddenInput)

    def __init__(self, *args: Any, user: User, default_queue: str = "mine", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_queue = default_queue
        any_ = [("", _("Any"))]
        retired = [(str(pk), retired_label(name)) for pk, name in selectors.retired_type_names_with_cases(user=user)]
        self._choice("service_type").choices = [
            ("", _("Any type")),
            *_type_choices(user)[1:],
            *([(_("Retired types"), retired)] if retired else []),
        ]
        self._choice("status").choices = any_ + list(Status.choices)
        districts = selectors.district_names(user=user)
        retired_districts = [(str(pk), name) for pk, name in districts.retired]
        self._choice("district").choices = [
            ("", _("Any district")),
            *[(str(pk), name) for pk, name in districts.current],
            *([(_("Retired districts"), retired_districts)] if retired_districts else []),
        ]
        self._choice("channel").choices = any_ + list(Channel.choices)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("opened_from"), data.get("opened_to")
        if start and end and start > end:
            self.add_error("opened_to", _("The end date is before the start date."))
        return data

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for ``case_search``; a field with a mistake is left out."""
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        sort = data.get("sort") or DEFAULT_SORT
        return {
            "queue": data.get("queue") or self.default_queue,
            "service_type_id": int(data["service_type"]) if data.get("service_type") else None,
            "status": data.get("status") or "",
            "district_id": int(data["district"]) if data.get("district") else None,
            "channel": data.get("channel") or "",
            "opened_from": data.get("opened_from"),
            "opened_to": data.get("opened_to"),
            "text": data.get("q") or "",
            "sort": sort if sort.lstrip("-") in SORTS else DEFAULT_SORT,
        }


class NewCaseForm(_ChoicesForm):
    """A case a call taker or front desk enters for a caller or walk-in."""

    # The city's type names and groups say lang="en" on a Spanish page (core.written).
    service_type = forms.ChoiceField(label=_("Problem type"), widget=WrittenSelect)
    lat = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    lng = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180)
    address = forms.CharField(
        label=_("Address or place"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"aria-describedby": "address-help"}),
    )
    description = forms.CharField(
        label=_("What is the problem?"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10_000
    )
    reporter_name = forms.CharField(label=_("Caller's name"), required=False, max_length=200)
    reporter_email = forms.EmailField(label=_("Caller's email"), required=False)
    reporter_phone = forms.CharField(label=_("Caller's phone"), required=False, max_length=40)
    # Unticked until the caller asks: a tick is a promise of emails, and a caller who gives
    # only a phone number (most calls) can be sent none (clean() refuses the tick then).
    notify_reporter = forms.BooleanField(
        label=_("Email the caller each update on this case"),
        help_text=_(
            "Updates go by email only: check it if the caller asks for them and gives an email above. "
            "With an email the caller gets the acknowledgment and the closing email anyway."
        ),
        required=False,
        initial=False,
        widget=forms.CheckboxInput(attrs={"aria-describedby": "notify-help"}),
    )
    # The caller's emails (acknowledgement, updates, closing) are written in it.
    language = forms.ChoiceField(
        label=_("The caller's language, for the emails"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
        required=False,
    )
    channel = forms.ChoiceField(label=_("How it came in"), choices=STAFF_CHANNELS, initial=Channel.PHONE)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)

    # The type whose questions the page showed: a first submit without JavaScript has not
    # shown them yet, so it asks them instead of calling the unanswered ones mistakes.
    questions_for = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self._choice("service_type").choices = _type_choices(user, new_case=True)
        # htmx swaps in the chosen type's questions; without JavaScript they come on submit.
        self.fields["service_type"].widget.attrs.update(
            {"hx-get": reverse_lazy("console:new_questions"), "hx-target": "#questions", "hx-trigger": "change"}
        )
        self.chosen_type = self._chosen_type()
        self.notes: list[ServiceAttribute] = []
        self.questions_unseen = False
        if self.chosen_type is not None:
            self.questions_unseen = self.is_bound and self.data.get("questions_for") != str(self.chosen_type.pk)
            for attribute in self.chosen_type.attributes.all():
                if not attribute.variable:
                    self.notes.append(attribute)
                    continue
                field = attribute_field(attribute)
                if self.questions_unseen:
                    field.required = False  # not asked yet: clean() asks them
                self.fields[ATTRIBUTE_PREFIX + attribute.code] = field
            self.initial["questions_for"] = str(self.chosen_type.pk)

    def _chosen_type(self) -> ServiceType | None:
        raw = self.data.get("service_type") if self.is_bound else self.initial.get("service_type")
        if not str(raw or "").isdigit():
            return None
        return selectors.service_types_for_new_case(user=self.user).filter(pk=int(str(raw))).first()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        confidential = self.chosen_type is not None and self.chosen_type.is_confidential
        lat, lng = data.get("lat"), data.get("lng")
        if (lat is None) != (lng is None):
            self.add_error("lat", _("Give both latitude and longitude, or place the pin on the map."))
        # A hotline call need not say where (the case goes to the type's city), as in the portal.
        if lat is None and lng is None and not (data.get("address") or "").strip() and not confidential:
            self.add_error("address", _("Say where the problem is: place the pin on the map or type an address."))
        if data.get("notify_reporter") and not data.get("reporter_email") and "reporter_email" not in self.errors:
            self.add_error(
                "notify_reporter",
                _("Updates go by email: ask the caller for an email, or uncheck “Email the caller each update”."),
            )
        if self.questions_unseen and self.chosen_type is not None:
            unanswered = [
                a for a in self.chosen_type.attributes.all() if a.variable and a.required and not self.answer(a.code)
            ]
            if unanswered:
                self.add_error(
                    None,
                    _("Ask the caller the questions about the %(type)s below, then save.")
                    % {"type": self.chosen_type.name},
                )
        return data

    def answer(self, code: str) -> Any:
        return (getattr(self, "cleaned_data", None) or {}).get(ATTRIBUTE_PREFIX + code)

    def question_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(ATTRIBUTE_PREFIX)]

    def attribute_answers(self) -> dict[str, Any]:
        """The answers to the chosen type's questions, keyed by attribute code."""
        return attribute_answers(self.cleaned_data)

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """Put each error from ``case_create`` next to the field it is about."""
        for key, messages in errors.items():
            name: str | None = key if key in self.fields else ATTRIBUTE_PREFIX + key
            if name not in self.fields or key == "__all__":
                name = None
            for message in messages:
                self.add_error(name, message)

    def service_type_obj(self) -> Any:
        return selectors.service_types_for_new_case(user=self.user).get(pk=int(self.cleaned_data["service_type"]))


# --- across member cities ----------------------------------------------------------------

# A hand-off's reason is as long as a case's description may be; an agreement's billing
# note is kept to 2,000 characters (the service cut a longer one short without a word).
MAX_REASON = MAX_DESCRIPTION
MAX_BILLING_NOTE = 2000


def _date_field(label: Any, *, required: bool, missing: Any = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": missing,
            "invalid": _("Give the date as year-month-day, e.g. 2026-03-31."),
        },
    )


class _CrossCityForm(forms.Form):
    """A form of the cross-city pages: a service's ``ValidationError`` goes beside the
    field it names (or above the form), and every mistake can be listed for an alert."""

    def add_service_errors(self, exc: ValidationError) -> None:
        if isinstance(exc, OutsideServiceArea):
            # In no member city: staff get their one line (they know the member cities).
            self.add_error(None, exc.staff_message)
            return
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        for key, messages in exc.message_dict.items():
            self.add_error(key if key in self.fields else None, messages)

    def error_list(self) -> list[str]:
        """Every mistake, field by field, for the alert above a form or a page."""
        return [str(e) for e in self.non_field_errors()] + [
            f"{self.fields[name].label}: {e}"
            for name, errors in self.errors.items()
            if name != "__all__"
            for e in errors
        ]


class _ShortListChoices(forms.models.ModelChoiceIterator):
    """The choices of a list of a few rows (the member cities), read with one plain query.

    Django's iterator reads them through ``QuerySet.iterator()``, which on PostgreSQL opens a
    server-side cursor: DECLARE, FETCH and CLOSE, three round trips for four cities on every
    case page."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in list(self.queryset):
            yield self.choice(obj)


class _CityChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    iterator = _ShortListChoices

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class TransferForm(_CrossCityForm):
    """Ask another member city to take a case."""

    to_city = _CityChoice(
        label=_("City"),
        queryset=City.objects.none(),
        empty_label="—",
        error_messages={
            "required": _("Choose the member city that should take the case."),
            "invalid_choice": _("Choose one of the member cities offered."),
        },
    )
    reason = forms.CharField(
        label=_("Why (the other city reads this)"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the case is not your city's: the other city reads it.")},
    )

    def __init__(self, *args: Any, case: ServiceRequest, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "transfer-%s")
        super().__init__(*args, **kwargs)
        self.fields["to_city"].queryset = selectors.transfer_cities_for(case=case)  # type: ignore[attr-defined]


class TransferRefuseForm(_CrossCityForm):
    """Why the receiving city does not take a case."""

    reason = forms.CharField(
        label=_("Reason to refuse"),
        max_length=MAX_REASON,
        error_messages={"required": _("Say why your city does not take the case: the other city reads it.")},
    )


class PlaceForm(_CrossCityForm):
    """Place a case on the map: an address chosen from the list (which fills the point), a
    click on the map or coordinates typed. ``case_place`` reads the numbers; a refusal it
    names goes beside its box, one of the whole case (closed, placed meanwhile, outside
    every member city) above the form, linked to the address where one starts again."""

    # The coordinates' messages name their box ("Latitude “abc” is not…"): listed as they are.
    error_anchors = {NON_FIELD_ERRORS: "place-address", "lat": "place-lat", "lng": "place-lng"}

    address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"aria-describedby": "place-address-help"}),
    )
    lat = forms.CharField(label=_("Latitude"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    lng = forms.CharField(label=_("Longitude"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "place-%s")
        super().__init__(*args, **kwargs)


class _DepartmentChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.city.name}: {obj.name}"


class _TypeChoices(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class AgreementProposeForm(_CrossCityForm):
    """A city administrator asks a department of another member city to work some of
    the city's types."""

    provider_department = _DepartmentChoice(
        label=_("Provider department"),
        queryset=Department.objects.none(),
        empty_label="—",
        error_messages={
            "required": _("Choose the department of another member city that will work the cases."),
            "invalid_choice": _("Choose one of the departments offered: an active department of another member city."),
        },
    )
    service_types = _TypeChoices(
        label=_("Our problem types it works"),
        queryset=ServiceType.objects.none(),
        error_messages={
            "required": _("Choose at least one of your city's problem types."),
            "invalid_choice": _("Choose among your city's problem types offered in the list."),
            "invalid_pk_value": _("Choose among your city's problem types offered in the list."),
            "invalid_list": _("Choose among your city's problem types offered in the list."),
        },
    )
    starts_on = _date_field(_("First day"), required=True, missing=_("Give the first day the agreement runs."))
    ends_on = _date_field(_("Last day (optional)"), required=False)
    billing_note = forms.CharField(
        label=_("Billing note"),
        required=False,
        max_length=MAX_BILLING_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "ag-%s")
        super().__init__(*args, **kwargs)
        self.fields["provider_department"].queryset = selectors.agreement_departments_for(user=user)  # type: ignore[attr-defined]
        self.fields["service_types"].queryset = selectors.agreement_types_for(user=user)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The last day cannot be before the first."))
        return data


class AgreementEndForm(_CrossCityForm):
    """The last day an active agreement runs; left empty, today."""

    last_day = _date_field(_("Last day"), required=False)

    def last_day_or(self, today: dt.date) -> dt.date:
        return self.cleaned_data.get("last_day") or today


class BillingPeriodForm(_CrossCityForm):
    """The period of an agreement's billing counts (``?from=…&to=…``); a day left out is
    the default (the month so far)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "b-%s")  # the boxes of agreement_billing.html
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword: the fields are named in the URL's words here.
        self.fields["from"] = _date_field(_("From"), required=False)
        self.fields["to"] = _date_field(_("To"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("from"), data.get("to")
        if first and last and first > last:
            self.add_error("to", _("The end date is before the start date."))
        return data

    def period(self, *, first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
        """The period asked for; the defaults where a day is missing or mistyped."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return data.get("from") or first, data.get("to") or last
