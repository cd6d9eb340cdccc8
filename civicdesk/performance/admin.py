"""Staff pages for the plan, measures, targets and values, in the city-scoped admin.

The plan, measures and targets are settings: city administrators change them. Values go
through the workflow services, never a plain save: the value form enters a draft (or, for
a published value, a correction with its note), and the list's actions submit, approve and
publish. Each service checks the user's right to that step, so the admin cannot bypass it.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from civicdesk.accounts.models import Role
from civicdesk.catalog.models import ServiceType
from civicdesk.performance import formatting, services
from civicdesk.performance.measures import choices as computation_choices
from civicdesk.performance.models import (
    CommonMeasure,
    CommonMeasureMapping,
    DashboardSettings,
    Goal,
    Measure,
    MeasureTarget,
    MeasureValue,
    MeasureValueEvent,
    Objective,
    PlanYear,
    Source,
    ToleranceKind,
    Unit,
    ValueState,
)
from civicdesk.tenants.scoping import ADD, CHANGE, VIEW, CityScopedAdmin, CityScopedInline, user_city_id


@admin.register(DashboardSettings)
class DashboardSettingsAdmin(CityScopedAdmin):
    list_display = ["city", "fiscal_year_naming"]


@admin.register(PlanYear)
class PlanYearAdmin(CityScopedAdmin):
    list_display = ["title", "fiscal_year", "city"]
    list_filter = ["city"]


class ObjectiveInline(CityScopedInline, admin.TabularInline):
    model = Objective
    city_lookup = "goal__plan_year__city"
    fields = ["name", "is_top_priority", "measures", "order"]
    extra = 1

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        city_id = user_city_id(request.user)
        if db_field.name == "measures" and city_id is not None:
            kwargs["queryset"] = Measure.objects.filter(city_id=city_id)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Goal)
class GoalAdmin(CityScopedAdmin):
    city_lookup = "plan_year__city"
    list_display = ["name", "plan_year", "order"]
    inlines = [ObjectiveInline]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        city_id = user_city_id(request.user)
        if db_field.name == "plan_year" and city_id is not None:
            kwargs["queryset"] = PlanYear.objects.filter(city_id=city_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MeasureTargetForm(forms.ModelForm):
    """A target typed as the measure's values are (``formatting.parse_value``): "5:00" or 5
    for a five-minute response time, stored as 300 seconds; never the stored number itself,
    in which 5 would be five seconds."""

    value = forms.CharField(
        label=capfirst(_("value")),
        help_text=_("As the measure's values are written: 5:00 or 5 for five minutes, 75 or 75%, 3 for three days."),
    )

    class Meta:
        model = MeasureTarget
        fields = ["fiscal_year", "value", "split_rule"]

    def __init__(self, *args: Any, measure: Measure | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The page's measure, as typed on it: on the add page it has no id yet.
        self.measure = measure
        self.stored_as_written = ""
        if self.instance.pk and self.instance.value is not None and measure is not None:
            self.stored_as_written = formatting.as_written(
                self.instance.value, unit=measure.unit, display=measure.display_format
            )
            self.initial["value"] = self.stored_as_written

    def clean_value(self) -> Any:
        raw = self.cleaned_data["value"].strip()
        if raw and raw == self.stored_as_written:
            # Sent back as shown: the stored figure, exactly (6.3333 min is 380 s, not 379.998).
            return self.instance.value
        unit = self.measure.unit if self.measure is not None else ""
        try:
            value = formatting.parse_value(raw, unit=unit)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        return value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


class MeasureTargetFormSet(BaseInlineFormSet):
    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "measure": self.instance}


class MeasureTargetInline(CityScopedInline, admin.TabularInline):
    model = MeasureTarget
    form = MeasureTargetForm
    formset = MeasureTargetFormSet
    city_lookup = "measure__city"
    fields = ["fiscal_year", "value", "split_rule"]
    extra = 1


class MeasureForm(forms.ModelForm):
    computation = forms.ChoiceField(
        label=capfirst(_("computation")),
        choices=[("", _("— entered by a department —")), *computation_choices()],
        required=False,
    )

    tolerance = forms.CharField(
        label=capfirst(_("tolerance")),
        initial="0",
        help_text=_(
            "Width of the “Under Goal” band on the wrong side of the target, written as the values "
            "are (0:30 or 0.5 for half a minute; 2 for two days), or 10 for ten percent of the target (0: no band)."
        ),
    )

    class Meta:
        model = Measure
        fields = [
            "city",
            "name",
            "definition",
            "method",
            "department",
            "unit",
            "display_format",
            "target_display_format",
            "decimals",
            "direction",
            "target_is_strict",
            "frequency",
            "tolerance_kind",
            "tolerance",
            "source",
            "computation",
            "service_codes",
            "parameters",
            "department_report",
            "is_public",
            "order",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tolerance_as_written = ""
        if self.instance.pk:
            self.tolerance_as_written = self._as_written(self.instance.tolerance, self.instance.tolerance_kind)
            self.initial["tolerance"] = self.tolerance_as_written

    def _as_written(self, value: Decimal, kind: str) -> str:
        if kind == ToleranceKind.ABSOLUTE:
            return formatting.as_written(value, unit=self.instance.unit, display=self.instance.display_format)
        return formatting.as_written(value, unit=Unit.PERCENT)

    def clean_tolerance(self) -> Any:
        """In the measure's unit as its values are typed (a duration's seconds are never asked
        for), or a percent of the target."""
        raw = self.cleaned_data["tolerance"].strip()
        kind = self.cleaned_data.get("tolerance_kind", ToleranceKind.ABSOLUTE)
        unit = self.cleaned_data.get("unit", "") if kind == ToleranceKind.ABSOLUTE else Unit.PERCENT
        unchanged = self.instance.pk and (kind, unit) == (
            self.instance.tolerance_kind,
            self.instance.unit if kind == ToleranceKind.ABSOLUTE else Unit.PERCENT,
        )
        if raw and unchanged and raw == self.tolerance_as_written:
            return self.instance.tolerance  # exactly as stored
        try:
            value = formatting.parse_value(raw, unit=unit)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        return value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


@admin.register(Measure)
class MeasureAdmin(CityScopedAdmin):
    form = MeasureForm
    list_display = ["name", "unit", "direction", "source", "frequency", "city"]
    list_filter = ["city", "source"]
    search_fields = ["name"]
    inlines = [MeasureTargetInline]


class MeasureValueForm(forms.ModelForm):
    """Enter a draft, or correct a published value (with a note). The typed value is read
    as the city writes it: 7:47 or 7.78 for minutes, 81 or 81% for per cents."""

    value_as_written = forms.CharField(
        label=capfirst(_("value")),
        required=False,
        help_text=_("As you would write it: 7:47 or 7.78 (minutes), 81 or 81%."),
    )
    correction_note = forms.CharField(
        label=capfirst(_("correction note")),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("Required to change a published value; shown on the public dashboard."),
    )

    class Meta:
        model = MeasureValue
        fields = ["measure", "fiscal_year", "period", "narrative"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.value is not None:
            measure = self.instance.measure
            # As it is typed and read back in every language: "3", not "3.0000 días".
            self.fields["value_as_written"].initial = formatting.as_written(
                self.instance.value, unit=measure.unit, display=measure.display_format
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        measure = data.get("measure") or (self.instance.measure if self.instance.pk else None)
        raw = data.get("value_as_written", "")
        if measure is not None and raw:
            try:
                data["parsed_value"] = formatting.parse_value(raw, unit=measure.unit)
            except ValueError as exc:
                self.add_error("value_as_written", str(exc))
        else:
            data["parsed_value"] = None
        state = self.instance.state if self.instance.pk else ValueState.DRAFT
        if state in (ValueState.SUBMITTED, ValueState.APPROVED):
            raise ValidationError(
                gettext("This value is under review: a reviewer can return it to draft before it changes.")
            )
        if state == ValueState.PUBLISHED and not data.get("correction_note", "").strip():
            self.add_error(
                "correction_note", gettext("A published value changes only with a note the public can read.")
            )
        return data


@admin.register(MeasureValue)
class MeasureValueAdmin(CityScopedAdmin):
    city_lookup = "measure__city"
    form = MeasureValueForm
    list_display = ["measure", "fiscal_year", "period", "value", "state", "source"]
    list_filter = ["state", "source", "fiscal_year"]
    readonly_fields = ["state", "source", "published_at", "corrected_at", "audit_trail"]
    actions = ["submit_values", "approve_values", "publish_values"]
    # Everyone in a city may open the page; the services decide each step for each measure.
    superuser_can = frozenset({VIEW, ADD, CHANGE})
    city_roles_can = {role.value: frozenset({VIEW, ADD, CHANGE}) for role in Role if role != Role.REGIONAL_ADMIN}
    regional_admin_can = frozenset({VIEW})

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ["measure", "fiscal_year", "period", "value_as_written", "narrative"]
        if obj is not None and obj.state == ValueState.PUBLISHED:
            fields.append("correction_note")
        return [*fields, *self.readonly_fields]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None:
            return ["measure", "fiscal_year", "period", *self.readonly_fields]
        return self.readonly_fields

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "measure":
            kwargs["queryset"] = Measure.objects.filter(source=Source.ENTERED)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("audit trail"))
    def audit_trail(self, obj: MeasureValue) -> str:
        events = MeasureValueEvent.objects.filter(measure_value=obj).select_related("actor")
        return "; ".join(
            gettext("%(at)s %(action)s by %(who)s")
            % {
                "at": f"{e.at:%Y-%m-%d %H:%M}",
                "action": e.get_action_display(),
                "who": e.actor or gettext("the system"),
            }
            + (f" ({e.note})" if e.note else "")
            for e in events
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        user: Any = request.user
        if change and obj.state == ValueState.PUBLISHED:
            saved = services.measure_value_correct(
                measure_value=obj,
                actor=user,
                value=data["parsed_value"],
                note=data["correction_note"],
                narrative=data.get("narrative", ""),
            )
        else:
            saved = services.measure_value_enter(
                measure=obj.measure,
                fiscal_year=obj.fiscal_year,
                period=obj.period,
                value=data["parsed_value"],
                narrative=data.get("narrative", ""),
                actor=user,
            )
        obj.pk = saved.pk

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        return None  # nothing related to save, and the service already saved the value

    def _step(self, request: HttpRequest, queryset: QuerySet, service: Any, done: Callable[[int], str]) -> None:
        ok = 0
        for value in queryset.select_related("measure"):
            try:
                service(measure_value=value, actor=request.user)
                ok += 1
            except (PermissionDenied, ValidationError) as exc:
                text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                self.message_user(request, f"{value}: {text}", messages.ERROR)
        if ok:
            self.message_user(request, done(ok) % {"n": ok}, messages.SUCCESS)

    @admin.action(description=_("Submit selected values for review"))
    def submit_values(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._step(
            request,
            queryset,
            services.measure_value_submit,
            lambda n: ngettext("%(n)d value submitted.", "%(n)d values submitted.", n),
        )

    @admin.action(description=_("Approve selected values"))
    def approve_values(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._step(
            request,
            queryset,
            services.measure_value_approve,
            lambda n: ngettext("%(n)d value approved.", "%(n)d values approved.", n),
        )

    @admin.action(description=_("Publish selected values"))
    def publish_values(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._step(
            request,
            queryset,
            services.measure_value_publish,
            lambda n: ngettext("%(n)d value published.", "%(n)d values published.", n),
        )


class CommonMeasureMappingForm(forms.ModelForm):
    class Meta:
        model = CommonMeasureMapping
        fields = ["city", "service_codes"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        city, codes = data.get("city"), data.get("service_codes")
        if city is not None and isinstance(codes, list):
            known = set(ServiceType.objects.filter(city=city, code__in=codes).values_list("code", flat=True))
            unknown = [c for c in codes if c not in known]
            if unknown:
                # The same check as services.common_measure_map: a typo would silently count nothing.
                self.add_error("service_codes", services.unknown_codes_message(city, unknown))
        return data


class RegionalOnly:
    """Superusers and regional administrators only (the region agrees common measures)."""

    def _allowed(self, request: HttpRequest) -> bool:
        user: Any = request.user
        return bool(user.is_active and user.is_staff and (user.is_superuser or user.role == Role.REGIONAL_ADMIN))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)


class CommonMeasureMappingInline(RegionalOnly, admin.TabularInline):
    model = CommonMeasureMapping
    form = CommonMeasureMappingForm
    extra = 0


class CommonMeasureForm(forms.ModelForm):
    computation = forms.ChoiceField(label=capfirst(_("computation")), choices=computation_choices())

    class Meta:
        model = CommonMeasure
        fields = [
            "region",
            "key",
            "name",
            "definition",
            "computation",
            "parameters",
            "unit",
            "decimals",
            "direction",
            "per_resident",
            "per_residents",
            "minimum_cases",
            "order",
            "is_public",
        ]


@admin.register(CommonMeasure)
class CommonMeasureAdmin(RegionalOnly, admin.ModelAdmin):
    """The collaborative's common definitions: agreed by the region, so its regional
    administrators (and the operators) keep them; city staff read the public page."""

    form = CommonMeasureForm
    list_display = ["name", "region", "computation", "per_resident", "minimum_cases", "is_public"]
    list_filter = ["region"]
    inlines = [CommonMeasureMappingInline]
