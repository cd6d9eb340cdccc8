"""Admin for each city's catalogue: service types and the questions they ask."""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicdesk.catalog.models import CannedResponse, Datatype, ServiceAttribute, ServiceType
from civicdesk.catalog.targets import target_words
from civicdesk.tenants.scoping import CityScopedAdmin, CityScopedInline

LIST_DATATYPES = {Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST}
# A key typed before a colon: one word (letters, digits, "-", "_", "."), as apps send it.
TYPED_KEY = re.compile(r"[\w.-]+")


def clean_choice_values(values: Any, *, datatype: str) -> list[dict[str, str]]:
    """Check an attribute's choices: a JSON list of {"key", "name"}, keys unique.

    A list question needs at least one choice; other questions have none.
    """
    values = values or []
    if not isinstance(values, list):
        raise ValidationError(_('Write the choices as a JSON list, e.g. [{"key": "yes", "name": "Yes"}].'))
    cleaned: list[dict[str, str]] = []
    for position, item in enumerate(values, start=1):
        if not isinstance(item, dict) or not str(item.get("key", "")).strip() or not str(item.get("name", "")).strip():
            raise ValidationError(
                _('Choice %(n)d needs a “key” and a “name”, e.g. {"key": "yes", "name": "Yes"}.') % {"n": position}
            )
        choice = {"key": str(item["key"]).strip(), "name": str(item["name"]).strip()}
        if str(item.get("name_es") or "").strip():
            choice["name_es"] = str(item["name_es"]).strip()
        cleaned.append(choice)
    keys = [c["key"] for c in cleaned]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise ValidationError(_("Each choice needs its own key; repeated: %(keys)s.") % {"keys": ", ".join(repeated)})
    if datatype in LIST_DATATYPES and not cleaned:
        raise ValidationError(_("A question answered from a list needs at least one choice."))
    if datatype not in LIST_DATATYPES and cleaned:
        raise ValidationError(
            _("Only “One choice” and “Several choices” questions have choices; remove them or change the type.")
        )
    return cleaned


def choices_as_lines(values: Any) -> str:
    """A question's stored choices as the admin shows them: one ``key: Name`` a line, and
    ``key: Name | Nombre`` for a choice with a Spanish name.

    Choices that lines cannot carry back unchanged (a key with a colon, a line break in a
    name, anything not a key and a name) are shown as the JSON they are stored as, which the
    form accepts too, so saving the page never changes them.
    """
    values = values or []
    if not isinstance(values, list):
        return json.dumps(values, ensure_ascii=False)
    lines = []
    for item in values:
        key = str(item.get("key", "")) if isinstance(item, dict) else ""
        name = str(item.get("name", "")) if isinstance(item, dict) else ""
        spanish = str(item.get("name_es") or "") if isinstance(item, dict) else ""
        if (
            not TYPED_KEY.fullmatch(key)
            or not name.strip()
            or "\n" in name + spanish
            or "|" in name + spanish
            or set(item) - {"key", "name", "name_es"}
        ):
            return json.dumps(values, ensure_ascii=False)
        lines.append(f"{key}: {name.strip()}" + (f" | {spanish.strip()}" if spanish.strip() else ""))
    return "\n".join(lines)


def choices_from_lines(text: str) -> list[dict[str, str]]:
    """Read the choices an administrator typed: one a line, ``key: Name`` or just a name,
    followed by `` | Nombre`` for its Spanish name if the city gives one.

    A name alone gets a key made from it ("Big sofa" → ``big-sofa``). Text that is a JSON
    list (as stored, or pasted from an older page) is taken as it is. Raises ValidationError
    in the administrator's words, with an example, naming the line.
    """
    text = (text or "").strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            return parsed
    choices: list[dict[str, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        key, colon, name = line.partition(":")
        key, name = key.strip(), name.strip()
        if not colon:
            key, name = slugify(line) or f"choice-{len(choices) + 1}", line
        elif not name:
            raise ValidationError(
                _("Line %(n)d, “%(line)s”: write the name residents see after the colon, e.g. “%(key)s: %(example)s”.")
                % {"n": number, "line": line, "key": key or "sofa", "example": key.capitalize() or "Sofa"}
            )
        elif not key:
            key = slugify(name) or f"choice-{len(choices) + 1}"
        elif not TYPED_KEY.fullmatch(key):
            raise ValidationError(
                _(
                    "Line %(n)d: a key is one word (letters, digits, “-” or “_”), and “%(key)s” is not. "
                    "Write e.g. “%(slug)s: %(name)s”, or just the name, “%(name)s”."
                )
                % {"n": number, "key": key, "slug": slugify(key) or "sofa", "name": name}
            )
        name, bar, spanish = name.partition("|")
        name, spanish = name.strip(), spanish.strip()
        if bar and not colon:
            key = slugify(name) or f"choice-{len(choices) + 1}"
        choices.append({"key": key, "name": name, **({"name_es": spanish} if spanish else {})})
    if len(choices) == 1 and "," in choices[0]["name"]:
        # "sofa, mattress" on one line is one choice: almost surely meant as several.
        parts = [p.strip() for p in choices[0]["name"].split(",") if p.strip()]
        raise ValidationError(
            _(
                "“%(line)s” is a single choice. Write each choice on a line of its own, e.g. “%(first)s” and below it “%(second)s”."
            )
            % {
                "line": choices[0]["name"],
                "first": parts[0] if parts else "Sofa",
                "second": parts[-1] if len(parts) > 1 else "Mattress",
            }
        )
    keys = [c["key"] for c in choices]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise ValidationError(
            _(
                "Two choices have the key “%(key)s”. Give each its own key before a colon, "
                "e.g. “%(key)s-large: Large %(key)s”, or make the names differ."
            )
            % {"key": repeated[0]}
        )
    return choices


class ChoiceLinesField(forms.CharField):
    """A question's choices typed one a line (see ``choices_from_lines``), stored as JSON."""

    widget = forms.Textarea

    def prepare_value(self, value: Any) -> Any:
        return choices_as_lines(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> Any:
        if isinstance(value, list):
            return value
        return choices_from_lines(super().to_python(value) or "")

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return (initial or []) != self.to_python(data)
        except ValidationError:
            return True


class ServiceAttributeForm(forms.ModelForm):
    values = ChoiceLinesField(
        label=gettext_lazy("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 40}),
        help_text=gettext_lazy(
            "Only for “One choice” and “Several choices” questions. One choice a line: "
            "“key: Name”, e.g. “sofa: Sofa or chair”, or just the name (“Sofa or chair”) "
            "and a key is made from it. Apps send the key; residents read the name. "
            "A Spanish name follows a bar: “sofa: Sofa or chair | Sofá o silla”."
        ),
    )

    class Meta:
        model = ServiceAttribute
        fields = [
            "order",
            "code",
            "question",
            "question_es",
            "datatype",
            "required",
            "variable",
            "values",
            "description",
        ]
        widgets = {
            "question": forms.TextInput(attrs={"size": 60}),
            "question_es": forms.TextInput(attrs={"size": 60}),
            "description": forms.TextInput(attrs={"size": 60}),
        }

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if "values" in cleaned:
            try:
                cleaned["values"] = clean_choice_values(cleaned["values"], datatype=cleaned.get("datatype", ""))
            except ValidationError as exc:
                self.add_error("values", exc)
        return cleaned


class ServiceAttributeInline(CityScopedInline, admin.StackedInline):
    """The type's questions, one block each: a table of eight columns was 2,000 px wide."""

    model = ServiceAttribute
    form = ServiceAttributeForm
    city_lookup = "service_type__city"
    extra = 0
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("order", "code"),
                    "question",
                    "question_es",
                    ("datatype", "required", "variable"),
                    "values",
                    "description",
                ]
            },
        )
    ]
    verbose_name = gettext_lazy("question")
    verbose_name_plural = gettext_lazy("questions asked of the reporter (Open311 attributes)")


@admin.register(ServiceType)
class ServiceTypeAdmin(CityScopedAdmin):
    inlines = [ServiceAttributeInline]
    list_display = ["name", "code", "group", "department", "target", "active", "is_confidential", "city"]
    list_filter = ["active", "is_confidential", ("department", admin.RelatedOnlyFieldListFilter), "city"]
    search_fields = ["name", "code", "keywords", "group"]
    prepopulated_fields = {"code": ["name"]}
    fieldsets = [
        (None, {"fields": ["city", "name", "name_es", "code", "group", "group_es", "description", "keywords"]}),
        (
            gettext_lazy("Routing and service level"),
            {"fields": ["department", ("target_days", "target_in_business_days"), "sort_order"]},
        ),
        (gettext_lazy("Visibility"), {"fields": ["active", "is_confidential"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("city", "department")

    @admin.display(description=gettext_lazy("target"), ordering="target_days")
    def target(self, obj: ServiceType) -> str:
        """The target as residents and staff read it: "10 days", "3 business days"."""
        return target_words(obj) or "—"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The code is the Open311 service_code: apps keep it, so it never changes.
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "code"] if obj is not None else fields

    def get_prepopulated_fields(self, request: HttpRequest, obj: Any = None) -> dict[str, Any]:
        return {} if obj is not None else super().get_prepopulated_fields(request, obj)


@admin.register(CannedResponse)
class CannedResponseAdmin(CityScopedAdmin):
    list_display = ["title", "service_type", "city"]
    list_filter = [("service_type", admin.RelatedOnlyFieldListFilter), "city"]
    search_fields = ["title", "text"]
    fields = ["city", "service_type", "title", "text"]
