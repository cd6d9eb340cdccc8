"""The resident's report form. It only checks the shape of what was typed, and that each photo
is one we can read (``report_photos_check``, so a bad photo is said with the other mistakes);
the rules of a case (where it goes, what its questions accept) are ``case_create``'s."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from civicdesk.cases.models import Channel
from civicdesk.cases.photos import ProcessedPhoto
from civicdesk.catalog.forms import ATTRIBUTE_PREFIX, attribute_answers, attribute_field
from civicdesk.catalog.models import ServiceAttribute, ServiceType
from civicdesk.core.photo_box import photo_picker_words
from civicdesk.core.written import WrittenSelect
from civicdesk.portal.selectors import grouped
from civicdesk.portal.services import MAX_PHOTOS, report_photos_check


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several files from one ``<input type=file multiple>``; each is checked by the photo service."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        files = [super(MultipleImageField, self).clean(f, initial) for f in files if f]
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("Attach at most %(n)s photos.") % {"n": MAX_PHOTOS})
        return files


def photo_size_words() -> str:
    """The largest photo accepted, as the photo check words it ("12 MB")."""
    limit = settings.PHOTO_MAX_BYTES
    if limit >= 1024 * 1024:
        return gettext("%(n)s MB") % {"n": f"{limit / (1024 * 1024):.3g}"}
    return gettext("%(n)s KB") % {"n": f"{max(1, limit // 1024)}"}


def photo_limits(field: forms.Field) -> None:
    """Say the photo limits before anything is sent: in the field's help, and to portal.js,
    which checks the photos chosen at once rather than after a long upload that the browser
    then forgets (the server checks them again)."""
    size = photo_size_words()
    field.help_text = gettext("JPEG, PNG, WebP or HEIC photos, up to %(size)s each.") % {"size": size}
    field.widget.attrs.update(
        {
            "data-max-bytes": str(settings.PHOTO_MAX_BYTES),
            "data-max-count": str(MAX_PHOTOS),
            "data-msg-too-large": gettext(
                "%(name)s is larger than %(size)s, the most we accept for one photo. "
                "Choose a smaller photo, or send the report without it."
            )
            % {"name": "%(name)s", "size": size},
            "data-msg-too-many": gettext("Choose at most %(max)s photos: you chose %(n)s.")
            % {"max": MAX_PHOTOS, "n": "%(n)s"},
            # portal.js puts a button and a line of these words in the page's language in
            # place of the browser's own ("Choose Files", "No file chosen": its language).
            **photo_picker_words(),
        }
    )


class TypeSelect(WrittenSelect):
    """A select whose options carry the type's keywords, for the filter box to search, and
    whose groups and names say their language where a city gave no Spanish one."""

    def __init__(self, *args: Any, keywords: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.keywords = keywords or {}

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        words = self.keywords.get(str(value))
        if words:
            option["attrs"]["data-keywords"] = words
        return option


class ReportForm(forms.Form):
    service_type = forms.TypedChoiceField(label=_("What is the problem?"), coerce=int)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, widget=forms.HiddenInput)
    address = forms.CharField(
        label=_("Address or place"),
        required=False,
        max_length=300,
        help_text=_("For example 123 Main St, or the corner of Main St and 2nd St."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    # "1" while the address box holds what the map suggested for the pin, unedited (address.js):
    # that text is the pin's own address, not one the resident typed.
    address_from_pin = forms.CharField(required=False, max_length=1, widget=forms.HiddenInput)
    description = forms.CharField(
        label=_("Describe the problem"), required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 4})
    )
    photos = MultipleImageField(
        label=_("Photos (up to 5)"),
        required=False,
        # Its help, with the largest photo accepted, is written per request: photo_limits().
        widget=MultipleFileInput(attrs={"accept": "image/*"}),
    )
    reporter_name = forms.CharField(
        label=_("Your name"), required=False, max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    reporter_email = forms.EmailField(
        label=_("Your email"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    reporter_phone = forms.CharField(
        label=_("Your phone"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    notify_reporter = forms.BooleanField(
        label=_("Email me when the city updates this report"), required=False, initial=True
    )
    channel = forms.ChoiceField(
        choices=[(Channel.WEB, Channel.WEB), (Channel.MOBILE, Channel.MOBILE)],
        initial=Channel.WEB,
        required=False,
        widget=forms.HiddenInput,
    )
    # A fresh token in every form served, so a double-click or a browser's resubmit of the
    # same POST makes one case even without JavaScript (portal.js replaces it on load: a
    # form page kept by the offline app must not give two reports the same token).
    client_token = forms.UUIDField(required=False, widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args: Any, types: list[ServiceType], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        photo_limits(self.fields["photos"])
        self.types = {t.pk: t for t in types}
        field = self.fields["service_type"]
        language = translation.get_language() or ""
        field.choices = [("", _("Choose a problem type"))] + [  # type: ignore[attr-defined]
            (group, [(t.pk, t.local_name(language)) for t in members]) for group, members in grouped(types)
        ]
        field.widget = TypeSelect(
            choices=field.choices,  # type: ignore[attr-defined]
            # htmx swaps in the chosen type's questions; without JavaScript they come on submit.
            attrs={
                "hx-get": reverse_lazy("portal:report-questions"),
                "hx-target": "#questions",
                "hx-trigger": "change",
            },
            # Both names, so "bache" finds Pothole on a page in either language.
            keywords={
                str(t.pk): " ".join(f"{t.name} {t.name_es} {t.group} {t.group_es} {t.keywords}".lower().split())
                for t in types
            },
        )
        self.processed_photos: list[ProcessedPhoto] | None = None
        self.chosen_type = self._chosen_type()
        if self.chosen_type is not None and self.chosen_type.is_confidential:
            # The hotline's emails only say that there is a reply (docs/confidential.md).
            self.fields["notify_reporter"].label = _("Email me when there is a reply")
        self.notes: list[ServiceAttribute] = []
        if self.chosen_type is not None:
            for attribute in self.chosen_type.attributes.all():
                if attribute.variable:
                    self.fields[ATTRIBUTE_PREFIX + attribute.code] = attribute_field(attribute)
                else:
                    self.notes.append(attribute)

    def _chosen_type(self) -> ServiceType | None:
        raw = (self.data or {}).get("service_type") if self.is_bound else self.initial.get("service_type")
        try:
            return self.types.get(int(raw)) if raw not in (None, "") else None
        except (TypeError, ValueError):
            return None

    def clean_photos(self) -> list[Any]:
        """Read the photos with the other fields, not after them: a file that is not a photo,
        or one too large, is said together with a wrong email address or a missing pin, not
        on a second try with the photos to choose again. What was read is kept for
        ``report_submit`` (``processed_photos``), so each photo is read once."""
        photos = self.cleaned_data.get("photos") or []
        try:
            self.processed_photos = report_photos_check(photos=photos)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["photos"]) from exc
        return photos

    def clean_channel(self) -> str:
        return self.cleaned_data.get("channel") or Channel.WEB

    def question_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(ATTRIBUTE_PREFIX)]

    def attribute_answers(self) -> dict[str, Any]:
        return attribute_answers(self.cleaned_data)

    def describe(self) -> None:
        """Tie each field to its help text and its errors for screen readers."""
        for name, field in self.fields.items():
            ids = []
            if field.help_text:
                ids.append(f"id_{name}_help")
            if name in self.errors:
                ids.append(f"id_{name}_error")
                field.widget.attrs["aria-invalid"] = "true"
            if ids and not isinstance(field.widget, (forms.HiddenInput, forms.CheckboxSelectMultiple)):
                field.widget.attrs["aria-describedby"] = " ".join(ids)

    def error_summary(self) -> list[tuple[str, str]]:
        """(anchor, message) for the list of problems shown at the top of the form."""
        anchors = {"lat": "where", "lng": "where", "__all__": "report-form"}
        summary = []
        for name, errors in self.errors.items():
            anchor = anchors.get(name, f"id_{name}")
            label = self.fields[name].label if name in self.fields and name not in anchors else ""
            for message in errors:
                summary.append((anchor, f"{label}: {message}" if label else str(message)))
        return summary

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """Put each error from the services next to the field the resident filled in."""
        aliases = {"lng": "lat", "city": "lat", "attributes": None}
        for key, messages in errors.items():
            name: str | None = aliases.get(key, key)
            if name is not None and name not in self.fields:
                name = ATTRIBUTE_PREFIX + name if ATTRIBUTE_PREFIX + name in self.fields else None
            for message in messages:
                self.add_error(name if name != "__all__" else None, message)
