"""Admin for the collaborative's settings: cities, council districts, departments.

City administrators manage their own city's districts and departments; regional
administrators read every city's settings; boundaries arrive as GeoJSON uploads.
"""

from __future__ import annotations

import json
import math
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME, AdminErrorList
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from shapely.geometry import MultiPolygon, Polygon, mapping
from shapely.geometry.base import BaseGeometry

from civicdesk.accounts.models import Role
from civicdesk.tenants import districts, setup_guide, setup_upload
from civicdesk.tenants import selectors as tenant_selectors
from civicdesk.tenants import services as tenant_services
from civicdesk.tenants.geo import shape_from_geojson
from civicdesk.tenants.models import City, Department, District, NeighbourArea, Region
from civicdesk.tenants.scoping import CHANGE, VIEW, CityScopedAdmin, user_city_id

ILLUSTRATIVE_NOTICE = gettext_lazy(
    "Illustrative: drawn for the demo, not the city's adopted map. Upload the adopted map to replace it."
)
# For whoever may only read the districts (a regional administrator): not told to upload.
ILLUSTRATIVE_LABEL = gettext_lazy("Illustrative: drawn for the demo, not the city's adopted map.")
ILLUSTRATIVE_NOTICE_TO_READERS = gettext_lazy(
    "Illustrative: drawn for the demo, not the city's adopted map. "
    "The city's administrator or an operator replaces it with the adopted map."
)
# Who does each step of a new city's checklist, for a user who may not do it themself.
SETUP_STEP_DOERS = {
    "limits": gettext_lazy("An operator does this (manage.py city_create)."),
    "contact": gettext_lazy("The city's administrator or an operator does this."),
    "districts": gettext_lazy("The city's administrator or an operator does this."),
    "departments": gettext_lazy("The city's administrator or an operator does this (the catalog file)."),
    "types": gettext_lazy("The city's administrator or an operator does this (the catalog file)."),
    "staff": gettext_lazy("An operator adds the city's first administrator, who adds the rest."),
    "open311": gettext_lazy("The city's administrator or an operator does this."),
}
# The catalogue file's formats, with the content type each is served with.
CATALOGUE_FORMATS = {"csv": "text/csv; charset=utf-8", "yaml": "application/yaml; charset=utf-8"}


# --- a small map, drawn here: no tiles, nothing fetched from outside --------------------
def _rings(geom: BaseGeometry) -> list[list[tuple[float, float]]]:
    polygons = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom] if isinstance(geom, Polygon) else []
    rings = []
    for polygon in polygons:
        rings.append(list(polygon.exterior.coords))
        rings.extend(list(interior.coords) for interior in polygon.interiors)
    return rings


def svg_preview(geom: BaseGeometry, *, backdrop: BaseGeometry | None = None, size: int = 260) -> SafeString:
    """An SVG outline of an area (with its city's limits faintly behind), north up."""
    frame = backdrop.union(geom) if backdrop is not None else geom
    minx, miny, maxx, maxy = frame.bounds
    # A degree of longitude is shorter than one of latitude away from the equator.
    squeeze = math.cos(math.radians((miny + maxy) / 2))
    span = max((maxx - minx) * squeeze, maxy - miny) or 1.0

    def path_of(shape: BaseGeometry) -> str:
        parts = []
        for ring in _rings(shape):
            points = " L".join(
                f"{(x - minx) * squeeze / span * size:.1f},{(maxy - y) / span * size:.1f}" for x, y in ring
            )
            parts.append(f"M{points} Z")
        return " ".join(parts)

    layers = []
    if backdrop is not None:
        layers.append(
            format_html(
                '<path d="{}" fill="#eef2f5" stroke="#8a99a6" stroke-width="1" fill-rule="evenodd"/>', path_of(backdrop)
            )
        )
    layers.append(
        format_html(
            '<path d="{}" fill="#2f6f9f" fill-opacity="0.35" stroke="#1d4d70" stroke-width="1.5" fill-rule="evenodd"/>',
            path_of(geom),
        )
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" viewBox="0 0 {} {}" role="img" aria-label="{}">{}</svg>',
        size,
        size,
        size,
        size,
        _("Outline of the area"),
        SafeString("".join(layers)),
    )


def _safe_shape(boundary: Any) -> BaseGeometry | None:
    try:
        return shape_from_geojson(boundary)
    except ValidationError:
        return None


# --- forms with a GeoJSON upload ------------------------------------------------------
class BoundaryUploadForm(forms.ModelForm):
    """A model form whose ``boundary`` comes from an uploaded GeoJSON file."""

    boundary_file = forms.FileField(
        required=False,
        label=gettext_lazy("Boundary (GeoJSON file)"),
        help_text=gettext_lazy(
            "A .geojson file in longitude/latitude (WGS 84): a Polygon or MultiPolygon, a Feature, "
            "or a FeatureCollection. Leave empty to keep the current boundary."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".geojson,.json,application/geo+json,application/json"}),
    )
    geom: BaseGeometry | None = None

    def read_area(self, data: dict[str, Any]) -> BaseGeometry:
        return shape_from_geojson(data)

    def clean_boundary_file(self) -> Any:
        upload = self.cleaned_data.get("boundary_file")
        if not upload:
            if self.instance.pk is None:
                raise ValidationError(_("Upload the boundary as a GeoJSON file."))
            return None
        self.geom = self.read_area(districts.read_geojson(upload, filename=upload.name))
        return upload

    def check_area(self, geom: BaseGeometry) -> None:
        """Raise ValidationError for an area this form may not take; any area by default."""

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if self.geom is not None:
            try:
                self.check_area(self.geom)
            except ValidationError as exc:
                # The page comes back with all that was typed; the object keeps the boundary
                # it had (its preview too) until a file is accepted.
                self.geom = None
                self.add_error("boundary_file", exc)
            else:
                self.instance.boundary = districts.DistrictShape("", None, self.geom).boundary
        return cleaned


# The area of a file read once is sent back with a page refused for another reason (what
# placing it would change, a name left out), so it need not be chosen again; one larger than
# this is not (the page's other fields count towards DATA_UPLOAD_MAX_MEMORY_SIZE).
MAX_KEPT_AREA_CHARS = 4 * 1024 * 1024


# The code of the error that only holds a page back to say what saving will change first: the
# page shows that as a notice, not among its mistakes.
PREVIEW = "preview"


_share_words = tenant_services.share_words


class DistrictForm(BoundaryUploadForm):
    cut_overlapped = forms.BooleanField(
        label=gettext_lazy("Cut it out of the districts it lies over"),
        required=False,
        help_text=gettext_lazy(
            "For a city moving from one district (such as “Citywide”) to wards one at a time, or a district "
            "redrawn: a district this boundary only partly covers keeps the rest of its area (“Citywide” keeps "
            "the rest of the city until the other wards are in); one it covers wholly, or all but slivers, and "
            "one of the same name or number, is retired today. Their cases keep them. The page says what will "
            "change before anything is saved."
        ),
    )
    # The area of the file chosen last time, kept with the page (``MAX_KEPT_AREA_CHARS``).
    kept_boundary = forms.CharField(
        label=gettext_lazy("Boundary kept from the file chosen before"), required=False, widget=forms.HiddenInput
    )
    kept_file = forms.CharField(
        label=gettext_lazy("Name of the file chosen before"), required=False, widget=forms.HiddenInput, max_length=255
    )

    class Meta:
        model = District
        fields = ["city", "name", "number", "is_illustrative"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # What saving does to the current districts the new area lies over (``cut_overlapped``,
        # ``districts.make_room``), and the rows it retires (whole or cut, to be redrawn).
        self.rooms: list[districts.Room] = []
        self.retiring: list[District] = []
        self.area_read: BaseGeometry | None = None  # the file's area, before the map's checks
        self.area_is_new = False  # read from a file chosen now (not the one kept)
        self.file_name = ""
        self.keep_area = False  # the area is sound: a page refused still keeps it
        self.planned: set[str] = set()  # the districts whose fate the page tells (``plan_words``)
        self.preview: list[str] = []  # what saving will change, said before saving (``check_area``)
        self.preview_kept = ""  # and that the file is kept with the page

    def read_area(self, data: dict[str, Any]) -> BaseGeometry:
        return districts.single_area(data)

    def clean_boundary_file(self) -> Any:
        upload = self.cleaned_data.get("boundary_file")
        kept = str(self.data.get(self.add_prefix("kept_boundary")) or "").strip()
        if upload or not kept:
            result = super().clean_boundary_file()
            self.area_is_new, self.file_name = bool(upload), getattr(upload, "name", "") or ""
        else:
            self.file_name = str(self.data.get(self.add_prefix("kept_file")) or "")[:255]
            try:
                self.geom = self.read_area(json.loads(kept))
            except ValueError as exc:
                raise ValidationError(_("The file chosen before could not be read again: choose it again.")) from exc
            result = None
        self.area_read = self.geom
        return result

    def district_city(self) -> City | None:
        """The city the district is saved in: the one chosen (an operator), else its own."""
        if "city" in self.fields:
            return self.cleaned_data.get("city")
        return City.objects.filter(pk=self.instance.city_id).first() if self.instance.city_id else None

    def check_area(self, geom: BaseGeometry) -> None:
        """The import's refusals, in its words: a district of which less than
        ``districts.MIN_SHARE_INSIDE`` lies inside its city's limits (``districts.outside_limits``),
        and one laid over another district of the city (``districts.overlaps``: a case's point
        would belong to two districts). The district being edited is not its own neighbour.

        An area laid over other districts is placed only with ``cut_overlapped`` checked and
        after the page has said what saving does to each (``districts.make_room``): the first
        time an area is read from a file, the page comes back with it, keeping the file."""
        city = self.district_city()
        if city is None:
            self.keep_area = True
            return  # the city's own field says what is missing
        name = self.cleaned_data.get("name") or ""
        problems = districts.outside_limits([districts.DistrictShape(name, None, geom)], city)
        if problems:
            raise ValidationError(problems)
        self.keep_area = True
        if self.instance.retired_on is not None:
            return  # off the map: compared with the current map when it is restored
        placed = districts.current_shapes(city, excluding=self.instance.pk)
        overlapping = districts.overlaps(geom, placed)
        if not overlapping:
            return
        limits = shape_from_geojson(city.boundary)
        rooms = districts.make_room(
            geom, name=name, number=self.cleaned_data.get("number"), placed=placed, limits=limits
        )
        # The page says what becomes of these: a number of one of them is not told as taken.
        self.planned = {room.district.name for room in rooms}
        today = tenant_services.city_today(city)
        rows = {
            d.name: d
            for d in District.objects.filter(
                city=city, retired_on__isnull=True, name__in=[r.district.name for r in rooms]
            ).exclude(pk=self.instance.pk)
        }
        refusals = [
            problem
            for room in rooms
            if room.district.name in rows
            for problem in tenant_services.district_retire_problems(district=rows[room.district.name], on=today)
        ]
        if refusals:
            raise ValidationError(refusals)
        plan = self.plan_words(
            rooms, name=name, city=city, share=districts.share_of_city(geom, limits), rows_named=rows, geom=geom
        )
        confirmed = self.cleaned_data.get("cut_overlapped") and not self.area_is_new
        if confirmed:
            self.rooms = [r for r in rooms if r.district.name in rows]
            self.retiring = [rows[r.district.name] for r in self.rooms]
            return
        if self.cleaned_data.get("cut_overlapped"):
            # A preview, not a mistake: the page shows it as a notice (``DistrictAdmin.
            # render_change_form``) with the button that saves; the error only stops the save.
            # The heading says what the plan's first line does ("… saving will do this:").
            self.preview, self.preview_kept = plan[1:], self.file_kept_words()
            raise ValidationError(_("Nothing is saved yet: read what saving will change."), code=PREVIEW)
        raise ValidationError(
            [
                *(self.overlap_message(name, overlap) for overlap in overlapping),
                *plan,
                self.replace_hint([overlap.name for overlap in overlapping]),
            ]
        )

    def plan_words(
        self,
        rooms: list[districts.Room],
        *,
        name: str,
        city: City,
        share: float,
        rows_named: dict[str, District],
        geom: BaseGeometry | None = None,
    ) -> list[str]:
        """What saving with ``cut_overlapped`` does, district by district, in the administrator's
        words: which districts are cut (and the share of the city each keeps), which retired,
        and the share of the city the new one holds. For one retired whole, what follows it by
        choice says what it will do (``signals.district_replacing``: the alerts of residents
        move to ``geom``, the new district, which covers most of it)."""
        name = name or _("The district")
        today = tenant_services.city_today(city)
        lines = [_("With “Cut it out of the districts it lies over” checked, saving will do this:")]
        for room in rooms:
            place = {
                "name": name,
                "other": room.district.name,
                "pct": _share_words(room.share),
                "city": city.name,
                "kept": tenant_services.retired_name_free(rows_named[room.district.name], today)
                if room.district.name in rows_named
                else tenant_services.retired_name(room.district.name, today),
            }
            if room.cut:
                message = _(
                    "%(other)s is cut: it keeps the rest of its area, %(pct)s of %(city)s, and “%(name)s” takes the "
                    "part it lies over. Its cases so far keep it, as “%(kept)s”."
                )
            elif room.redrawn:
                message = _("%(other)s is retired and “%(name)s” takes its place. Its cases keep it, as “%(kept)s”.")
            elif room.share < districts.MIN_SHARE_INSIDE / 10:
                message = _("%(other)s is retired: “%(name)s” covers all of it. Its cases keep it, as “%(kept)s”.")
            else:
                message = _(
                    "%(other)s is retired: “%(name)s” covers all of it but slivers (%(pct)s of %(city)s), which are "
                    "left without a district. Its cases keep it, as “%(kept)s”."
                )
            lines.append(message % place)
            if not room.cut and room.district.name in rows_named:
                lines.extend(self.followers_words(rows_named[room.district.name], room, name=name, geom=geom))
        lines.append(
            _("“%(name)s” will hold %(pct)s of %(city)s.")
            % {"name": name, "pct": _share_words(share), "city": city.name}
        )
        return lines

    @staticmethod
    def followers_words(old: District, room: districts.Room, *, name: str, geom: BaseGeometry | None) -> list[str]:
        """What follows ``old`` by choice, retired whole for the new district ``name`` (area
        ``geom``), says what will become of it: the receivers of ``signals.district_replacing``."""
        by = [] if geom is None else tenant_services.covering_shares(room.district.geom, [(name, name, geom)])
        return tenant_services.district_replacing_words(old=old, by=by)

    def file_kept_words(self) -> str:
        if self.area_read is None or len(self.kept_area()) > MAX_KEPT_AREA_CHARS:
            return _("Choose the file again.")
        if self.file_name:
            return _("The file %(file)s is kept: you need not choose it again.") % {"file": self.file_name}
        return _("The file is kept: you need not choose it again.")

    def kept_area(self) -> str:
        if self.area_read is None:
            return ""
        return json.dumps(mapping(self.area_read), separators=(",", ":"))

    def _get_validation_exclusions(self) -> set[str]:
        exclude = super()._get_validation_exclusions()  # type: ignore[misc]  # Django's, not in the stubs
        # A district redrawn keeps its name: the one it replaces is renamed as it is retired,
        # just before this one is saved.
        if self.cleaned_data.get("name") in {d.name for d in self.retiring}:
            exclude.add("name")
        return exclude

    def replace_hint(self, names: list[str]) -> str:
        """How to put a district where others are (a city moving from "Citywide" to wards)."""
        return ngettext(
            "To do this, check “Cut it out of the districts it lies over” and save. %(kept)s Or retire %(names)s "
            "first (“Retire” on its page). To replace the whole map at once, import the new map with “Replace the "
            "current map”.",
            "To do this, check “Cut it out of the districts it lies over” and save. %(kept)s Or retire %(names)s "
            "first (“Retire” on each one's page). To replace the whole map at once, import the new map with "
            "“Replace the current map”.",
            len(names),
        ) % {"names": ", ".join(names), "kept": self.file_kept_words()}

    @staticmethod
    def overlap_message(name: str, overlap: districts.Overlap) -> str:
        """One district overlapped, with the share, and why it is refused: each case is placed
        in the one district covering its point (``selectors.district_at``)."""
        share = overlap.share
        place = {
            "name": name or _("The district"),
            "other": overlap.name,
            # 2.4% is not told as "2%", the share allowed.
            "pct": f"{share:.1%}" if share < 0.1 else f"{share:.0%}",
        }
        if overlap.covers:
            message = _(
                "“%(name)s” covers %(pct)s of %(other)s: a case there would be in two districts. Districts of a "
                "city share edges, not area; correct the boundary, or change %(other)s first."
            )
        else:
            message = _(
                "%(pct)s of “%(name)s” lies inside %(other)s: a case there would be in two districts. Districts of "
                "a city share edges, not area; correct the boundary, or change %(other)s first."
            )
        return message % place

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # A district moved to another city without a new file keeps its boundary: the same
        # rule, against the limits of the city it moves to.
        if self.geom is None and self.instance.pk is not None and "city" in self.changed_data:
            current = _safe_shape(self.instance.boundary)
            if current is not None and not self.has_error("boundary_file"):
                try:
                    self.check_area(current)
                except ValidationError as exc:
                    self.add_error("city", exc)
        # The import's rule for numbers (``districts.number_owner``), said on the number: the
        # database's constraint among current districts is only the backstop.
        number, city = cleaned.get("number"), self.district_city()
        changed = self.instance.pk is None or {"number", "city"} & set(self.changed_data)
        current = self.instance.retired_on is None  # a retired one is checked when restored
        if changed and current and number is not None and city is not None and not self.has_error("number"):
            owner = districts.number_owner(number, districts.current_shapes(city, excluding=self.instance.pk))
            if owner is not None and owner.name not in self.planned:
                self.add_error(
                    "number",
                    _("%(other)s already has the number %(n)d: each district of a city has its own number.")
                    % {"other": owner.name, "n": number},
                )
        # The page comes back with the file's area when it was sound (refused for what it
        # would change, or for another field), and without one that was refused or replaced.
        kept = self.kept_area() if self.keep_area else ""
        kept = kept if len(kept) <= MAX_KEPT_AREA_CHARS else ""
        data = QueryDict(mutable=True)
        data.update(self.data)  # the posted QueryDict: each value as sent, lists included
        data[self.add_prefix("kept_boundary")] = kept
        data[self.add_prefix("kept_file")] = self.file_name if kept else ""
        self.data = data
        return cleaned


class DistrictRetireForm(forms.Form):
    """The day one or more districts leave their city's map (``services.district_retire``)."""

    error_anchors = {NON_FIELD_ERRORS: "id_retired_on"}

    retired_on = forms.DateField(
        label=gettext_lazy("Retired on"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text=gettext_lazy(
            "The day the district leaves the city's map, in the city's time: today, or the day the new map took effect."
        ),
    )


class DistrictRestoreForm(forms.Form):
    """The name a retired district comes back under (``services.district_restore``)."""

    error_anchors = {NON_FIELD_ERRORS: "id_name"}

    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("The name it had before it was retired, unless another district has it now."),
    )


class CityForm(BoundaryUploadForm):
    # Declared to choose https for an address typed without a scheme (Django 6's default).
    website = forms.URLField(required=False, assume_scheme="https", label=gettext_lazy("Website"))
    # A list, not free text: a zone typed wrong (or left at another state's) shifts every
    # date of every report.
    timezone = forms.TypedChoiceField(
        label=gettext_lazy("Time zone"),
        choices=lambda: [(name, name) for name in tenant_services.timezone_names()],
        help_text=gettext_lazy("The city's local time: every date of its cases and reports is read in it."),
    )
    # min and max reach the browser too, so month 0 or 13 is refused before it is sent.
    fiscal_year_start_month = forms.IntegerField(
        label=gettext_lazy("Fiscal year start month"),
        min_value=1,
        max_value=12,
        initial=1,
        help_text=gettext_lazy("1 (January) to 12 (December): 7 means Q1 is July to September."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None and not self.initial.get("timezone"):
            # A new member is usually a neighbour: the region's zone, not a fixed one.
            region = Region.objects.order_by("pk").first()
            self.initial["timezone"] = tenant_selectors.default_timezone(region)

    class Meta:
        model = City
        fields = [
            "region",
            "name",
            "slug",
            "jurisdiction_id",
            "case_prefix",
            "email",
            "phone",
            "website",
            "timezone",
            "fiscal_year_start_month",
            "population",
        ]


class CityContactForm(CityForm):
    """What a city administrator may change of their city: no limits, no identity."""

    boundary_file = None  # type: ignore[assignment]


class DistrictImportForm(forms.Form):
    # A file that cannot be read, or names the city uses already, is a mistake of the whole
    # form: the summary at the top links it to the file (civicdesk/core/forms.py).
    error_anchors = {NON_FIELD_ERRORS: "id_file"}

    file = forms.FileField(
        required=False,  # a file read before is kept with the page (``kept_file``)
        label=gettext_lazy("GeoJSON file"),
        help_text=gettext_lazy("A FeatureCollection with one feature per district, in longitude/latitude (WGS 84)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".geojson,.json,application/geo+json,application/json"}),
    )
    name_property = forms.CharField(
        label=gettext_lazy("Name property"),
        initial=districts.NAME_PROPERTY,
        help_text=gettext_lazy("The feature property holding each district's name or number, e.g. DISTRICT or NAME."),
    )
    name_prefix = forms.CharField(
        label=gettext_lazy("Name prefix"),
        required=False,
        strip=False,
        help_text=gettext_lazy("Put before each name, e.g. “District ” turns 4 into “District 4”."),
    )
    number_property = forms.CharField(
        label=gettext_lazy("Number property"),
        required=False,
        help_text=gettext_lazy(
            "Optional: the property holding the district number. By default “number” when the features "
            "have it (as the template does), otherwise a name that is a number."
        ),
    )
    is_illustrative = forms.BooleanField(
        label=gettext_lazy("Illustrative map"),
        required=False,
        help_text=gettext_lazy("Check this only for a map drawn for a demo, not the city's adopted map."),
    )
    replace = forms.BooleanField(
        label=gettext_lazy("Replace the current map"),
        required=False,
        help_text=gettext_lazy(
            "Retire the city's current districts: they are kept, renamed with today's date, for the "
            "cases filed in them; new cases go to the districts of this file."
        ),
    )

    # The file read once is sent back with a page that says what importing will change
    # (``district_import_plan``), so it need not be chosen again (``MAX_KEPT_AREA_CHARS``).
    kept_file = forms.CharField(
        label=gettext_lazy("Districts kept from the file chosen before"), required=False, widget=forms.HiddenInput
    )
    kept_file_name = forms.CharField(
        label=gettext_lazy("Name of the file chosen before"), required=False, widget=forms.HiddenInput, max_length=255
    )

    def __init__(self, *args: Any, cities: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if cities is not None:
            self.fields["city"] = forms.ModelChoiceField(queryset=cities, label=gettext_lazy("City"))
            self.order_fields(["city"])
        self.shapes: list[districts.DistrictShape] = []
        self.file_is_new = False  # read from a file chosen now, not the one kept
        self.file_name = ""
        self.kept = ""  # the file's GeoJSON, sent back with the page

    def read(self) -> Any:
        """The GeoJSON of the file chosen now, else of the one kept with the page; None (and
        the file's own error) without either."""
        upload = self.cleaned_data.get("file")
        if upload:
            self.file_is_new, self.file_name = True, upload.name
            return districts.read_geojson(upload, filename=upload.name)
        kept = str(self.cleaned_data.get("kept_file") or "").strip()
        if not kept:
            if not self.has_error("file"):
                self.add_error("file", self.fields["file"].error_messages["required"])
            return None
        self.file_name = str(self.cleaned_data.get("kept_file_name") or "")
        try:
            return json.loads(kept)
        except ValueError as exc:
            raise ValidationError(_("The file chosen before could not be read again: choose it again.")) from exc

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        data = self.read()
        if data is not None:
            self.kept = json.dumps(data, separators=(",", ":"))
            if cleaned.get("name_property"):
                self.shapes = districts.district_shapes(
                    data,
                    name_property=cleaned["name_property"],
                    number_property=cleaned.get("number_property") or districts.default_number_property(data),
                    name_prefix=cleaned.get("name_prefix", ""),
                )
        return cleaned

    def keep_file(self) -> None:
        """Send the file read back with the page, so it need not be chosen again."""
        kept = self.kept if len(self.kept) <= MAX_KEPT_AREA_CHARS else ""
        data = QueryDict(mutable=True)
        data.update(self.data)
        data["kept_file"] = kept
        data["kept_file_name"] = self.file_name if kept else ""
        self.data = data

    def file_kept_words(self) -> str:
        if not self.kept or len(self.kept) > MAX_KEPT_AREA_CHARS:
            return _("Choose the file again.")
        if self.file_name:
            return _("The file %(file)s is kept: you need not choose it again.") % {"file": self.file_name}
        return _("The file is kept: you need not choose it again.")

    def confirmed(self) -> bool:
        """The page has said what importing will change, and is sent again with the file kept."""
        return bool(self.cleaned_data.get("replace")) and not self.file_is_new


class CatalogueUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Catalog file"),
        help_text=gettext_lazy(
            "Departments and service types as CSV or YAML: the file downloaded "
            "above, edited, or a neighbor's. Matched by code: uploading it twice changes nothing, and "
            "a column the file leaves out keeps what the city has."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.yaml,.yml,text/csv,application/yaml"}),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Check only"),
        required=False,
        help_text=gettext_lazy("Say what would change; write nothing."),
    )
    without_emails = forms.BooleanField(
        label=gettext_lazy("Leave the departments' emails empty"),
        required=False,
        help_text=gettext_lazy(
            "For a neighbor's file, whose department emails are the neighbor's: new departments get no "
            "email, existing ones keep theirs."
        ),
    )


# --- admins ---------------------------------------------------------------------------
@admin.register(Region)
class RegionAdmin(CityScopedAdmin):
    city_lookup = "pk"
    city_roles_can: dict[str, frozenset[str]] = {}
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class BoundaryPreviewMixin:
    @admin.display(description=gettext_lazy("Map"))
    def map_preview(self, obj: Any) -> str:
        geom = _safe_shape(obj.boundary) if obj and obj.boundary else None
        if geom is None:
            return "—"
        backdrop = _safe_shape(obj.city.boundary) if isinstance(obj, District) else None
        return svg_preview(geom, backdrop=backdrop)


@admin.register(City)
class CityAdmin(BoundaryPreviewMixin, CityScopedAdmin):
    """Cities: superusers create them; a city administrator edits their own contact details."""

    city_lookup = "pk"
    city_roles_can = {Role.CITY_ADMIN.value: frozenset({VIEW, CHANGE})}
    form = CityForm
    list_display = ["name", "case_prefix", "jurisdiction_id", "region", "population", "district_count", "setup_link"]
    search_fields = ["name", "jurisdiction_id"]
    readonly_fields = ["map_preview"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["region", "name", "slug", "jurisdiction_id", "case_prefix"]}),
        (gettext_lazy("Contact"), {"fields": ["email", "phone", "website"]}),
        (gettext_lazy("Calendar"), {"fields": ["timezone", "fiscal_year_start_month", "population"]}),
        (gettext_lazy("City limits"), {"fields": ["map_preview", "boundary_file"]}),
    ]
    # Identity and limits route every case of the region: only operators change them.
    operator_only = ["region", "name", "slug", "jurisdiction_id", "case_prefix"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).annotate(district_total=Count("districts"))

    @admin.display(description=gettext_lazy("Districts"), ordering="district_total")
    def district_count(self, obj: City) -> int:
        return getattr(obj, "district_total", 0)

    @admin.display(description=gettext_lazy("Setup"))
    def setup_link(self, obj: City) -> str:
        return format_html('<a href="{}">{}</a>', reverse("admin:tenants_city_setup", args=[obj.pk]), _("Checklist"))

    def response_add(self, request: HttpRequest, obj: City, post_url_continue: str | None = None) -> HttpResponse:
        # A new member city goes on to its checklist: districts, catalogue, staff, key.
        if "_addanother" in request.POST or "_continue" in request.POST:
            return super().response_add(request, obj, post_url_continue)
        self.message_user(request, _("%(city)s was created; here is what it still needs.") % {"city": obj.name})
        return HttpResponseRedirect(reverse("admin:tenants_city_setup", args=[obj.pk]))

    def get_urls(self) -> list[Any]:
        return [
            path("<path:object_id>/setup/", self.admin_site.admin_view(self.setup_view), name="tenants_city_setup"),
            path(
                "<path:object_id>/setup/guide/",
                self.admin_site.admin_view(self.setup_guide_view),
                name="tenants_city_setup_guide",
            ),
            path(
                "<path:object_id>/setup/catalog/",
                self.admin_site.admin_view(self.catalogue_download_view),
                name="tenants_city_catalog",
            ),
            *super().get_urls(),
        ]

    def setup_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """A new member's checklist: what the city has and lacks, each step linked to where it
        is done, and the catalogue upload (the same as ``manage.py catalog_import``)."""
        city = self.get_object(request, object_id)
        if city is None or not self.has_view_permission(request, city):
            raise PermissionDenied
        importer = setup_upload.catalogue_importer()
        user: Any = request.user
        can_change = bool(
            importer is not None and (user.is_superuser or (user.role == Role.CITY_ADMIN and user.city_id == city.pk))
        )
        form = CatalogueUploadForm(request.POST or None, request.FILES or None)
        problems: list[str] = []
        result = None
        if request.method == "POST":
            if not can_change or importer is None:
                raise PermissionDenied
            if form.is_valid():
                upload = form.cleaned_data["file"]
                try:
                    text = upload.read().decode("utf-8-sig")
                except UnicodeDecodeError:
                    problems = [
                        _("%(name)s is not UTF-8 text; save it as UTF-8 (CSV) or YAML.") % {"name": upload.name}
                    ]
                else:
                    result, problems = importer(
                        city=city,
                        name=upload.name,
                        text=text,
                        dry_run=form.cleaned_data["dry_run"],
                        without_emails=form.cleaned_data["without_emails"],
                    )
                if problems:
                    # Each mistake of the file, in the summary and beside the file's box.
                    form.add_error("file", problems)
                if result is not None and not result.dry_run:
                    self.message_user(request, f"{city.name}: {result.summary()}", messages.SUCCESS)
                    for warning in result.warnings():
                        self.message_user(request, warning, messages.WARNING)
                    return HttpResponseRedirect(reverse("admin:tenants_city_setup", args=[city.pk]))
        download = reverse("admin:tenants_city_catalog", args=[city.pk])
        downloads = (
            [
                (_("Download the catalog (CSV)"), f"{download}?format=csv"),
                (_("Download the catalog (YAML)"), f"{download}?format=yaml"),
            ]
            if setup_upload.catalogue_exporter() is not None
            else []
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Setting up %(city)s") % {"city": city.name},
            "city": city,
            "steps": [self._step_row(request, step, city) for step in tenant_selectors.city_setup_steps(city=city)],
            "guide": reverse("admin:tenants_city_setup_guide", args=[city.pk]),
            "form": form if can_change else None,
            "downloads": downloads,
            "problems": problems,
            "result": result,
            "warnings": result.warnings() if result is not None else [],
        }
        return TemplateResponse(request, "admin/tenants/city/setup.html", context)

    def setup_guide_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The setup guide: a section per step of the checklist, in its order and numbers, each
        with the city's state of the step as the checklist computes it and its link, what the
        step is for, what finished looks like and the commonest mistake in the product's words.
        For whoever may open the checklist."""
        city = self.get_object(request, object_id)
        if city is None or not self.has_view_permission(request, city):
            raise PermissionDenied
        rows = [self._step_row(request, step, city) for step in tenant_selectors.city_setup_steps(city=city)]
        for row in rows:
            section = setup_guide.SECTION_OF.get(row["step"].key)
            row["guide"] = section.words(city) if section else None
            row["told"] = section.told(city) if section else []
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Setting up %(city)s: the guide") % {"city": city.name},
            "city": city,
            "steps": rows,
            "checklist": reverse("admin:tenants_city_setup", args=[city.pk]),
        }
        return TemplateResponse(request, "admin/tenants/city/setup_guide.html", context)

    def catalogue_download_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The city's catalogue file (``?format=csv``, the default, or ``yaml``), as
        ``manage.py catalog_export`` writes it: for whoever may see the city's checklist (its
        administrator; a regional administrator, any city's). Uploaded back, it changes nothing."""
        city = self.get_object(request, object_id)
        exporter = setup_upload.catalogue_exporter()
        if city is None or not self.has_view_permission(request, city) or exporter is None:
            raise PermissionDenied
        fmt = request.GET.get("format", "csv")
        if fmt not in CATALOGUE_FORMATS:
            fmt = "csv"
        text = exporter(city=city, fmt=fmt)
        if fmt == "csv":
            text = "\ufeff" + text  # so that a spreadsheet opens it as UTF-8 (the upload skips it)
        response = HttpResponse(text.encode(), content_type=CATALOGUE_FORMATS[fmt])
        response["Content-Disposition"] = f'attachment; filename="{city.slug}-catalog.{fmt}"'
        return response

    # Each step's page: (the admin's URL name, the model's "app_label.model", whether the
    # city's filter applies). Models are named, not imported: the apps above tenants add steps.
    STEP_PAGES = {
        "limits": ("admin:tenants_city_change", "tenants.city", False),
        "contact": ("admin:tenants_city_change", "tenants.city", False),
        "districts": ("admin:tenants_district_changelist", "tenants.district", True),
        "departments": ("admin:tenants_department_changelist", "tenants.department", True),
        "types": ("admin:catalog_servicetype_changelist", "catalog.servicetype", True),
        "staff": ("admin:accounts_user_changelist", "accounts.user", True),
        "open311": ("admin:open311_open311apikey_changelist", "open311.open311apikey", False),
        "dashboard": ("admin:performance_planyear_changelist", "performance.planyear", True),
    }

    def _step_row(self, request: HttpRequest, step: tenant_selectors.SetupStep, city: City) -> dict[str, Any]:
        """A checklist row for this user: "Do it" (or "Review") where they may do the step; a
        look, read-only, where they may only see its page; else who does it. A regional
        administrator is never sent to a page that refuses them."""
        url_name, label, filtered = self.STEP_PAGES.get(step.key, self.STEP_PAGES["open311"])
        url = reverse(url_name, args=[city.pk]) if url_name.endswith("_change") else reverse(url_name)
        if filtered:
            url += f"?city__id__exact={city.pk}"
        model_admin = next(
            (ma for model, ma in self.admin_site._registry.items() if model._meta.label_lower == label), None
        )
        if model_admin is None:
            return {"step": step, "link": "", "can_do": False, "doer": SETUP_STEP_DOERS.get(step.key, "")}
        if step.key == "limits":
            can_do = bool(getattr(request.user, "is_superuser", False))  # an operator's: they route every case
        elif url_name.endswith("_change"):
            can_do = model_admin.has_change_permission(request, city)
        else:
            can_do = model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
        can_see = can_do or model_admin.has_view_permission(request, city if url_name.endswith("_change") else None)
        return {
            "step": step,
            "link": url if can_see else "",
            "can_do": can_do,
            "doer": "" if can_do else SETUP_STEP_DOERS.get(step.key, _("An operator does this.")),
        }

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += self.operator_only
        return fields

    def get_prepopulated_fields(self, request: HttpRequest, obj: Any = None) -> dict[str, Any]:
        return super().get_prepopulated_fields(request, obj) if request.user.is_superuser else {}

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if not request.user.is_superuser:
            kwargs["form"] = CityContactForm
        return super().get_form(request, obj, change=change, **kwargs)

    # The checklist's steps done on the city's own page, by a field of their fieldset.
    GUIDED_FIELDSETS = {"email": "contact", "map_preview": "limits"}

    def setup_guide_url(self, request: HttpRequest, city: City | None) -> str:
        """The city's setup guide for whoever may open it (``setup_guide_view``'s rule), else ''."""
        if city is None or city.pk is None or not self.has_view_permission(request, city):
            return ""
        return reverse("admin:tenants_city_setup_guide", args=[city.pk])

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        guide = self.setup_guide_url(request, self.get_object(request, object_id))
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "setup_guide": guide})

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if not request.user.is_superuser:
            fieldsets = [
                (name, {**o, "fields": [f for f in o["fields"] if f != "boundary_file"]}) for name, o in fieldsets
            ]
        guide = self.setup_guide_url(request, obj)
        if not guide:
            return fieldsets
        # Contact and limits are steps of the checklist: each says where its part of the guide is.
        labels = {step.key: step.label for step in tenant_selectors.city_setup_steps(city=obj)}
        guided = []
        for name, options in fieldsets:
            key = next((k for field, k in self.GUIDED_FIELDSETS.items() if field in options["fields"]), None)
            if key in labels:
                link = format_html(
                    '<a href="{}#step-{}" class="setup-guide-step">{}</a>',
                    guide,
                    key,
                    _("Setup guide: “%(step)s”") % {"step": labels[key]},
                )
                said = _("What this step is for, what finished looks like and the commonest mistake: %(link)s.")
                pattern = said.replace("{", "{{").replace("}", "}}").replace("%(link)s", "{}")
                options = {**options, "description": format_html(pattern, link)}
            guided.append((name, options))
        return guided


@admin.register(Department)
class DepartmentAdmin(CityScopedAdmin):
    list_display = ["name", "code", "city", "email", "active", "type_count", "staff_count"]
    list_filter = ["active", "city"]
    search_fields = ["name", "code", "email"]
    prepopulated_fields = {"code": ["name"]}
    fields = ["city", "name", "code", "email", "active"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return (
            super()
            .get_queryset(request)
            .select_related("city")
            .annotate(types=Count("service_types", distinct=True), members=Count("staff", distinct=True))
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting would quietly take its cases out of every queue and report (SET_NULL):
        # a department that has had cases is deactivated instead.
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.cases.exists())

    @admin.display(description=gettext_lazy("Service types"), ordering="types")
    def type_count(self, obj: Department) -> int:
        return getattr(obj, "types", 0)

    @admin.display(description=gettext_lazy("Staff"), ordering="members")
    def staff_count(self, obj: Department) -> int:
        return getattr(obj, "members", 0)


class DistrictMapFilter(admin.SimpleListFilter):
    """The districts list's filter in a clerk's words: the city's current map, or the districts
    a new map retired (kept, with their cases), not Django's "By retired on: Empty"."""

    title = gettext_lazy("map")
    parameter_name = "map"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("current", gettext_lazy("Current map")),
            ("retired", gettext_lazy("Retired (kept with their cases)")),
        ]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value() == "current":
            return queryset.filter(retired_on__isnull=True)
        if self.value() == "retired":
            return queryset.filter(retired_on__isnull=False)
        return queryset


class TrialMapFilter(admin.BooleanFieldListFilter):
    """Titled "trial map" ("By trial map: Yes / No"), not the field's "By is illustrative"."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.title = gettext_lazy("trial map")


@admin.register(District)
class DistrictAdmin(BoundaryPreviewMixin, CityScopedAdmin):
    """Council districts, with GeoJSON upload, a one-file-many-districts import, and the
    illustrative flag shown wherever a district is."""

    form = DistrictForm
    change_list_template = "admin/tenants/district/change_list.html"
    change_form_template = "admin/tenants/district/change_form.html"
    list_display = ["name", "number", "city", "map_status", "retired_on", "updated_at"]
    list_display_links = ["name"]
    list_filter = [DistrictMapFilter, ("is_illustrative", TrialMapFilter), "city"]
    search_fields = ["name"]
    readonly_fields = ["map_status", "map_preview"]
    fieldsets = [
        (None, {"fields": ["map_status", "city", "name", "number", "is_illustrative"]}),
        (
            gettext_lazy("Boundary"),
            {"fields": ["map_preview", "boundary_file", "cut_overlapped", "kept_boundary", "kept_file"]},
        ),
    ]
    actions = ["retire_districts"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("city")

    @admin.display(description=gettext_lazy("Map"), ordering="is_illustrative")
    def map_status(self, obj: District) -> str:
        if obj is None or obj.pk is None:
            return "—"
        if obj.is_illustrative:
            return format_html('<strong class="civicdesk-illustrative">{}</strong>', ILLUSTRATIVE_LABEL)
        return _("Adopted map")

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            drop = {"map_status", "map_preview"}  # no status line before the district exists
        elif not self.has_change_permission(request, obj):
            drop = {"boundary_file", "cut_overlapped", "kept_boundary", "kept_file"}  # no upload box for readers
        elif obj.retired_on is not None:
            drop = {"cut_overlapped"}  # off the map, it takes no other district's place
        else:
            return fieldsets
        return [(name, {**o, "fields": [f for f in o["fields"] if f not in drop]}) for name, o in fieldsets]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Cases filed in a district keep it for the reports; replace its boundary instead.
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.cases.exists())

    def save_model(self, request: HttpRequest, obj: District, form: Any, change: bool) -> None:
        # The districts it takes the place of leave the map first, in the same transaction
        # (the admin's save is one): their numbers and areas are free before this one is
        # written. One it only partly covers is redrawn as the rest of its area.
        replaced: list[District] = []
        for room, other in zip(getattr(form, "rooms", []), getattr(form, "retiring", []), strict=True):
            old_name, city, today = other.name, other.city, tenant_services.city_today(other.city)
            if room.rest is not None:
                redrawn = tenant_services.district_cut(district=other, rest=room.rest, on=today)
                other.refresh_from_db()
                self.log_change(request, other, [{"changed": {"fields": ["retired_on", "name"]}}])
                self.log_addition(request, redrawn, [{"added": {}}])
                self.message_user(
                    request,
                    _(
                        "%(name)s was cut: it keeps the rest of its area, %(pct)s of %(city)s. The district as it "
                        "was is kept as “%(kept)s”, with its cases."
                    )
                    % {"name": old_name, "pct": _share_words(room.share), "city": city.name, "kept": other.name},
                    messages.SUCCESS,
                )
                continue
            retired = tenant_services.district_retire(district=other, on=today)
            replaced.append(retired)
            self.log_change(request, retired, [{"changed": {"fields": ["retired_on", "name"]}}])
            self.message_user(
                request,
                _("%(name)s was retired on %(day)s, as “%(kept)s”: its cases keep it; new cases are not placed in it.")
                % {"name": old_name, "day": retired.retired_on, "kept": retired.name},
                messages.SUCCESS,
            )
        super().save_model(request, obj, form, change)
        # With the new district on the map, what followed a district retired whole by choice
        # (a resident's alerts) moves to the district covering most of it; the resident is told.
        for retired in replaced:
            for line in tenant_services.district_replaced_announce(old=retired):
                self.message_user(request, line, messages.SUCCESS)
        geom = getattr(form, "geom", None)
        if geom is not None:
            # Taken (the form refused less than MIN_SHARE_INSIDE inside), but checked as the
            # import's districts are: less than half inside is most likely the wrong file.
            shape = districts.DistrictShape(obj.name, obj.number, geom)
            for item, share in districts.mostly_outside([shape], obj.city):
                self.warn_outside(request, obj.city, item.name, share)

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> Any:
        # What saving will change, said before saving, is a preview, not a mistake: said in a
        # notice with the button that saves; the red summary keeps the real mistakes, if any.
        form = context["adminform"].form
        preview = getattr(form, "preview", [])
        held = form.errors.as_data().get("boundary_file", []) if form.is_bound else []
        if preview and held and all(e.code == PREVIEW for e in held):
            del form.errors["boundary_file"]
            context["errors"] = AdminErrorList(form, [])
            context["preview"], context["preview_kept"] = preview, form.preview_kept
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def warn_outside(self, request: HttpRequest, city: City, name: str, share: float) -> None:
        self.message_user(
            request,
            _(
                "%(name)s lies mostly outside %(city)s's limits (%(pct)d%% inside). Check that the file is this city's map."
            )
            % {"name": name, "city": city.name, "pct": round(share * 100)},
            messages.WARNING,
        )

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        can_import = self.has_add_permission(request)
        context = {
            **(extra_context or {}),
            "illustrative_count": self.get_queryset(request).filter(is_illustrative=True).count(),
            "illustrative_notice": ILLUSTRATIVE_NOTICE if can_import else ILLUSTRATIVE_NOTICE_TO_READERS,
            "can_import": can_import,
        }
        return super().changelist_view(request, extra_context=context)

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: Any = None
    ) -> Any:
        obj = self.get_object(request, object_id) if object_id else None
        may_change = self.has_change_permission(request, obj)
        notice = ILLUSTRATIVE_NOTICE if may_change else ILLUSTRATIVE_NOTICE_TO_READERS
        context = {
            **(extra_context or {}),
            "illustrative_notice": notice,
            "may_retire": obj is not None and may_change,
        }
        return super().changeform_view(request, object_id, form_url, extra_context=context)

    def get_urls(self) -> list[Any]:
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="tenants_district_import"),
            path("template/", self.admin_site.admin_view(self.template_view), name="tenants_district_template"),
            path(
                "<path:object_id>/retire/", self.admin_site.admin_view(self.retire_view), name="tenants_district_retire"
            ),
            path(
                "<path:object_id>/restore/",
                self.admin_site.admin_view(self.restore_view),
                name="tenants_district_restore",
            ),
            *super().get_urls(),
        ]

    # --- one district off the map, and back ------------------------------------------
    @admin.action(description=gettext_lazy("Retire the selected districts…"), permissions=["change"])
    def retire_districts(self, request: HttpRequest, queryset: Any) -> HttpResponse | None:
        """The list's action: the same page as one district's “Retire”, for those chosen."""
        chosen = list(queryset.order_by("city__name", "number", "name"))
        hidden = [("action", "retire_districts"), *((ACTION_CHECKBOX_NAME, str(d.pk)) for d in chosen)]
        return self.retire_page(request, chosen, hidden=hidden, back=reverse("admin:tenants_district_changelist"))

    def retire_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """One district's “Retire”: asks for the day, then ``services.district_retire``."""
        district = self.get_object(request, object_id)
        if not self.has_change_permission(request, district):
            raise PermissionDenied
        back = reverse("admin:tenants_district_change", args=[district.pk])
        return self.retire_page(request, [district], hidden=[], back=back)

    def retire_page(
        self, request: HttpRequest, chosen: list[District], *, hidden: list[tuple[str, str]], back: str
    ) -> HttpResponse:
        """Retire the current districts of ``chosen`` on the day asked, all or none; a day
        refused for any of them is said for each, and the page keeps the day typed."""
        current = [d for d in chosen if d.retired_on is None]
        for d in chosen:
            if d.retired_on is not None:
                self.message_user(
                    request,
                    _("%(name)s was already retired on %(day)s.") % {"name": d.name, "day": d.retired_on.isoformat()},
                    messages.WARNING,
                )
        if not current:
            return HttpResponseRedirect(back)
        today = tenant_services.city_today(current[0].city)
        form = DistrictRetireForm(request.POST if "retire" in request.POST else None, initial={"retired_on": today})
        if form.is_bound and form.is_valid():
            on = form.cleaned_data["retired_on"]
            problems = [p for d in current for p in tenant_services.district_retire_problems(district=d, on=on)]
            if problems:
                form.add_error("retired_on", problems)
            else:
                try:
                    retired, followed = tenant_services.districts_retire(chosen=current, on=on)
                except ValidationError as exc:
                    form.add_error("retired_on", exc)
                else:
                    for old_name, district, staying in retired:
                        self.log_change(request, district, [{"changed": {"fields": ["retired_on", "name"]}}])
                        said = _(
                            "%(name)s was retired on %(day)s, as “%(kept)s”: its cases keep it; new cases are "
                            "not placed in it."
                        ) % {"name": old_name, "day": on.isoformat(), "kept": district.name}
                        # Its open cases, in the words the notice used before retiring.
                        self.message_user(request, " ".join([said, *staying]), messages.SUCCESS)
                    for line in followed:
                        self.message_user(request, line, messages.SUCCESS)
                    return HttpResponseRedirect(back)
        day = form.cleaned_data["retired_on"] if form.is_bound and form.is_valid() else today
        cities = sorted({d.city.name for d in current})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Retire %(name)s") % {"name": current[0].name}
            if len(current) == 1
            else ngettext("Retire %(count)d district", "Retire %(count)d districts", len(current))
            % {"count": len(current)},
            "districts": [(d, tenant_services.retired_name_free(d, day)) for d in current],
            # What retiring does to each (its open cases, a resident's alerts, where new cases
            # go), said before anything is retired, in the notice the import's and the upload's
            # previews use, with the button that retires.
            "plans": [
                (
                    plan.district.name if len(cities) == 1 else f"{plan.district.name}, {plan.district.city.name}",
                    plan.lines,
                )
                for plan in tenant_services.district_retire_plan(chosen=current)
            ],
            "cities": cities,
            "form": form,
            "hidden": hidden,
            "back": back,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/tenants/district/retire.html", context)

    def restore_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """A retired district back on the current map (``services.district_restore``), when
        its name, number and area are still free."""
        district = self.get_object(request, object_id)
        if not self.has_change_permission(request, district):
            raise PermissionDenied
        back = reverse("admin:tenants_district_change", args=[district.pk])
        if district.retired_on is None:
            self.message_user(request, _("%(name)s is on the current map already.") % {"name": district.name})
            return HttpResponseRedirect(back)
        form = DistrictRestoreForm(
            request.POST or None, initial={"name": tenant_services.name_before_retiring(district)}
        )
        if form.is_bound and form.is_valid():
            old_name = district.name
            try:
                restored = tenant_services.district_restore(district=district, name=form.cleaned_data["name"])
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.log_change(request, restored, [{"changed": {"fields": ["retired_on", "name"]}}])
                self.message_user(
                    request,
                    _("“%(old)s” is back on the current map as %(name)s: new cases at its points are placed in it.")
                    % {"old": old_name, "name": restored.name},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(back)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Restore %(name)s") % {"name": district.name},
            "district": district,
            "form": form,
            "back": back,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/tenants/district/restore.html", context)

    def template_view(self, request: HttpRequest) -> HttpResponse:
        """The districts file of a city (``?city=<id>``; a city's administrator: their own), as
        ``manage.py districts_import --template`` writes it: one "Citywide" district equal to
        the city's limits, which the import takes as it is."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        own = user_city_id(request.user)
        wanted = request.GET.get("city", "")
        if own is not None and wanted not in ("", str(own)):
            raise PermissionDenied
        if own is None and not wanted.isdigit():
            # An operator names the city: the import page lists a template for each.
            return HttpResponseRedirect(reverse("admin:tenants_district_import"))
        city = City.objects.filter(pk=own if own is not None else int(wanted)).first()
        if city is None:
            raise PermissionDenied
        response = HttpResponse(districts.district_template(city), content_type="application/geo+json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{city.slug}-districts.geojson"'
        return response

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Create one district per feature of an uploaded map, all or none."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        city_id = user_city_id(request.user)
        cities = None if city_id is not None else City.objects.all()
        form = DistrictImportForm(request.POST or None, request.FILES or None, cities=cities)
        # What replacing the map will change, said before anything is saved: a preview, not a
        # mistake, so the page shows it as a notice with the button that does it.
        preview: list[str] = []
        if request.method == "POST" and form.is_valid():
            city = City.objects.get(pk=city_id) if city_id is not None else form.cleaned_data["city"]
            # Replacing the map says first what follows the districts it retires (a resident's
            # alerts, and where they go); nothing is saved until the page is sent again.
            if form.cleaned_data["replace"] and not form.confirmed():
                preview = tenant_services.district_import_plan(city=city, shapes=form.shapes)
            if not preview:
                followed: list[str] = []
                try:
                    created = tenant_services.district_import(
                        city=city,
                        shapes=form.shapes,
                        is_illustrative=form.cleaned_data["is_illustrative"],
                        replace=form.cleaned_data["replace"],
                        told=followed,
                    )
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    for item in created:
                        self.log_addition(request, item, [{"added": {}}])
                    self.message_user(
                        request,
                        _("Created %(count)d districts in %(city)s: %(names)s.")
                        % {"count": len(created), "city": city.name, "names": ", ".join(d.name for d in created)},
                        messages.SUCCESS,
                    )
                    for line in followed:
                        self.message_user(request, line, messages.SUCCESS)
                    for s, share in districts.mostly_outside(form.shapes, city):
                        self.warn_outside(request, city, s.name, share)
                    return HttpResponseRedirect(reverse("admin:tenants_district_changelist"))
        if request.method == "POST":
            form.keep_file()  # the page comes back with the file read, not to be chosen again
        choices = City.objects.filter(pk=city_id) if city_id is not None else City.objects.order_by("name")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import districts from GeoJSON"),
            "templates": [(c.name, f"{reverse('admin:tenants_district_template')}?city={c.pk}") for c in choices],
            "form": form,
            "preview": preview,
            "preview_kept": form.file_kept_words() if preview else "",
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/tenants/district/import.html", context)


class NeighbourAreaForm(BoundaryUploadForm):
    website = forms.URLField(required=False, assume_scheme="https", label=gettext_lazy("Website"))

    class Meta:
        model = NeighbourArea
        fields = ["name", "slug", "website", "phone"]


@admin.register(NeighbourArea)
class NeighbourAreaAdmin(BoundaryPreviewMixin, admin.ModelAdmin):
    """Non-member neighbours, named to a resident whose pin falls in them. They belong to no
    city: operators keep them; regional administrators may read them."""

    form = NeighbourAreaForm
    list_display = ["name", "website", "phone"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["map_preview"]
    fields = ["name", "slug", "website", "phone", "map_preview", "boundary_file"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        user = request.user
        return bool(user.is_active and (user.is_superuser or getattr(user, "role", "") == Role.REGIONAL_ADMIN))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_add_permission(request)
