"""The GeoReport v2 documents, translated from our models. Field names are the spec's.

Never a reporter's name, email or phone: none of these serializers has such a field.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any

from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from civicdesk.cases.models import CaseEvent, Photo, ServiceRequest
from civicdesk.catalog.models import ServiceAttribute, ServiceType
from civicdesk.core import safe_urls
from civicdesk.expected.selectors import expected_for
from civicdesk.open311 import selectors


def w3c(moment: dt.datetime | None, city: Any) -> str | None:
    """A W3C datetime with the city's own UTC offset, e.g. 2026-05-23T15:55:28-05:00."""
    if moment is None:
        return None
    return moment.astimezone(city.tz).isoformat(timespec="seconds")


class ServiceSerializer(serializers.Serializer):
    service_code = serializers.CharField(source="code")
    service_name = serializers.SerializerMethodField()
    description = serializers.CharField()
    metadata = serializers.SerializerMethodField()
    type = serializers.SerializerMethodField()
    keywords = serializers.CharField()
    group = serializers.SerializerMethodField()

    def get_service_name(self, obj: ServiceType) -> str:
        # The city's name, or its Spanish one for a ``locale=es`` request (views.locale_language).
        return str(obj.local_name(self.context.get("language", "")))

    def get_group(self, obj: ServiceType) -> str:
        return str(obj.local_group(self.context.get("language", ""))) if obj.group else ""

    def get_metadata(self, obj: ServiceType) -> bool:
        return any(a.variable for a in obj.attributes.all())

    def get_type(self, obj: ServiceType) -> str:
        # Every report is recorded and numbered at once: "realtime" in the spec's terms.
        return "realtime"


class AttributeValueSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()


class AttributeSerializer(serializers.Serializer):
    variable = serializers.BooleanField()
    code = serializers.CharField()
    datatype = serializers.CharField()
    required = serializers.BooleanField()  # type: ignore[assignment]  # the spec's field name
    datatype_description = serializers.CharField(source="description")
    order = serializers.IntegerField()
    description = serializers.SerializerMethodField()
    values = serializers.SerializerMethodField()

    def get_description(self, obj: ServiceAttribute) -> str:
        # The question, in Spanish for a ``locale=es`` request where the city gives it.
        return str(obj.local_question(self.context.get("language", "")))

    def get_values(self, obj: ServiceAttribute) -> list[dict[str, str]]:
        return [{"key": key, "name": str(name)} for key, name in obj.local_choices(self.context.get("language", ""))]


class ServiceDefinitionSerializer(serializers.Serializer):
    service_code = serializers.CharField(source="code")
    attributes = serializers.SerializerMethodField()

    @extend_schema_field(AttributeSerializer(many=True))
    def get_attributes(self, obj: ServiceType) -> Any:
        """The questions in the order they are asked, ``order`` counting from 1: GeoReport v2,
        service definition, ``order``: "1 is shown first". Our own ``order`` only sorts (it
        may start at 0 or skip numbers), so the position is what is published."""
        attributes = AttributeSerializer(obj.attributes.all(), many=True, context=self.context).data
        for position, attribute in enumerate(attributes, start=1):
            attribute["order"] = position
        return attributes


class ServiceRequestSerializer(serializers.Serializer):
    service_request_id = serializers.CharField(source="reference")
    status = serializers.SerializerMethodField()
    status_notes = serializers.SerializerMethodField()
    service_name = serializers.CharField(source="service_type.name")
    service_code = serializers.CharField(source="service_type.code")
    description = serializers.CharField()
    agency_responsible = serializers.SerializerMethodField()
    service_notice = serializers.SerializerMethodField()
    requested_datetime = serializers.SerializerMethodField()
    updated_datetime = serializers.SerializerMethodField()
    expected_datetime = serializers.SerializerMethodField()
    address = serializers.CharField()
    address_id = serializers.SerializerMethodField()
    zipcode = serializers.SerializerMethodField()
    lat = serializers.FloatField(allow_null=True)
    long = serializers.FloatField(source="lng", allow_null=True)
    media_url = serializers.SerializerMethodField()

    def get_status(self, obj: ServiceRequest) -> str:
        return "open" if obj.is_open else "closed"

    def get_status_notes(self, obj: ServiceRequest) -> str:
        return "" if obj.is_open else obj.closing_note

    def get_agency_responsible(self, obj: ServiceRequest) -> str:
        return obj.department.name if obj.department else ""

    def get_service_notice(self, obj: ServiceRequest) -> str:
        return ""

    def get_requested_datetime(self, obj: ServiceRequest) -> str | None:
        return w3c(obj.opened_at, obj.city)

    def get_updated_datetime(self, obj: ServiceRequest) -> str | None:
        return w3c(obj.updated_at, obj.city)

    def get_expected_datetime(self, obj: ServiceRequest) -> str | None:
        """An open case's median expected closing (the city's model), or its type's target
        when there is too little history to estimate; none for a closed case. A list's
        expectations come computed together in the context (``expected``: few queries)."""
        if not obj.is_open:
            return None
        known = self.context.get("expected")
        expectation = known.get(obj.pk) if known is not None else expected_for(obj)
        return w3c(expectation.median_at if expectation is not None else obj.due_at, obj.city)

    def get_address_id(self, obj: ServiceRequest) -> str:
        return ""

    def get_zipcode(self, obj: ServiceRequest) -> str:
        return ""

    def get_media_url(self, obj: ServiceRequest) -> str:
        photos = getattr(obj, "public_photos", None)
        if photos:
            return _absolute(self.context, photos[0].image.url)
        first_photo = getattr(obj, "first_photo", None)  # selectors.public_requests, without extensions
        if first_photo:
            return _absolute(self.context, _photo_storage().url(first_photo))
        if hasattr(obj, "submitted_media_url"):
            media_url = obj.submitted_media_url
        else:
            submission = getattr(obj, "open311_submission", None)
            media_url = submission.media_url if submission is not None else None
        # The one check again at output: a URL stored before it existed is not served.
        return safe_urls.public_url(media_url) if media_url is not None else ""

    def to_representation(self, instance: ServiceRequest) -> dict[str, Any]:
        """The fields above, written out: an answer holds up to 1,000 requests, and going
        through each field's machinery cost more than reading them. The same values, in the
        same order, as the declared fields give (tests/api compare them)."""
        city = instance.city
        tz = city.tz
        is_open = instance.is_open
        department = instance.department
        service_type = instance.service_type
        return {
            "service_request_id": instance.reference,
            "status": "open" if is_open else "closed",
            "status_notes": "" if is_open else instance.closing_note,
            "service_name": service_type.name,
            "service_code": service_type.code,
            "description": instance.description,
            "agency_responsible": department.name if department else "",
            "service_notice": "",
            "requested_datetime": instance.opened_at.astimezone(tz).isoformat(timespec="seconds"),
            "updated_datetime": instance.updated_at.astimezone(tz).isoformat(timespec="seconds"),
            "expected_datetime": self.get_expected_datetime(instance),
            "address": instance.address,
            "address_id": "",
            "zipcode": "",
            "lat": None if instance.lat is None else float(instance.lat),
            "long": None if instance.lng is None else float(instance.lng),
            "media_url": self.get_media_url(instance),
        }


def _photo_storage() -> Any:
    return Photo._meta.get_field("image").storage  # type: ignore[union-attr]


def _absolute(context: Mapping[str, Any], url: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(url) if request is not None else url


class NoteSerializer(serializers.Serializer):
    """A public note of a case: a staff update, the closing note, a reopening reason."""

    datetime = serializers.SerializerMethodField()
    type = serializers.CharField(source="kind")
    description = serializers.CharField(source="text")

    def get_datetime(self, obj: CaseEvent) -> str | None:
        return w3c(obj.at, obj.case.city)


class PhotoSerializer(serializers.Serializer):
    """A public photo, full size and thumbnail, as absolute URLs."""

    media_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    def get_media_url(self, obj: Photo) -> str:
        return _absolute(self.context, obj.image.url)

    def get_thumbnail_url(self, obj: Photo) -> str:
        return _absolute(self.context, obj.thumbnail.url) if obj.thumbnail else ""


class ExtendedAttributesSerializer(serializers.Serializer):
    """What ``extensions=true`` adds to a request. Nothing here names or reaches the reporter."""

    department = serializers.SerializerMethodField()
    district = serializers.SerializerMethodField()
    channel = serializers.CharField()
    notes = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()

    def get_department(self, obj: ServiceRequest) -> str:
        return obj.department.name if obj.department else ""

    def get_district(self, obj: ServiceRequest) -> str:
        return obj.district.name if obj.district else ""

    @extend_schema_field(NoteSerializer(many=True))
    def get_notes(self, obj: ServiceRequest) -> Any:
        notes = getattr(obj, "public_notes", [])
        for note in notes:
            note.case = obj  # its city gives the offset; no query per note
        return NoteSerializer(notes, many=True).data

    @extend_schema_field(PhotoSerializer(many=True))
    def get_photos(self, obj: ServiceRequest) -> Any:
        return PhotoSerializer(getattr(obj, "public_photos", []), many=True, context=self.context).data


class ExtendedServiceRequestSerializer(ServiceRequestSerializer):
    """A request with ``extended_attributes``, the answer to ``extensions=true``."""

    extended_attributes = ExtendedAttributesSerializer(source="*", required=False)

    def to_representation(self, instance: ServiceRequest) -> dict[str, Any]:
        answer = super().to_representation(instance)
        answer["extended_attributes"] = self.fields["extended_attributes"].to_representation(instance)
        return answer


class CreatedRequestSerializer(serializers.Serializer):
    """The answer to a POST. GeoReport v2 gives ``service_request_id`` *or* ``token``, the
    token only "if the service_request_id is not yet known". Every report here is numbered
    in the transaction that accepts it, so the id is always known and is all we return."""

    service_request_id = serializers.CharField(source="reference")
    service_notice = serializers.SerializerMethodField()
    account_id = serializers.SerializerMethodField()

    def get_service_notice(self, obj: ServiceRequest) -> str:
        return ""

    def get_account_id(self, obj: ServiceRequest) -> str:
        return ""


class TokenSerializer(serializers.Serializer):
    """``tokens/<token>``: the request id a token stands for."""

    token = serializers.CharField()
    service_request_id = serializers.CharField(source="case.reference")


class ErrorSerializer(serializers.Serializer):
    code = serializers.IntegerField()
    description = serializers.CharField()


class CoordinateField(serializers.Field):
    """A latitude or longitude in degrees, finite and within ``limit``."""

    def __init__(self, *, limit: float, **kwargs: Any) -> None:
        self.limit = limit
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> float:
        try:
            number = float(str(data))
        except ValueError:
            number = math.nan
        if not -self.limit <= number <= self.limit:  # NaN fails both comparisons
            raise serializers.ValidationError(
                _("%(name)s “%(value)s” is not a valid coordinate.") % {"name": self.field_name, "value": data}
            )
        return number

    def to_representation(self, value: float) -> float:
        return value


@extend_schema_field(OpenApiTypes.NUMBER)
class LatitudeField(CoordinateField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(limit=90, **kwargs)


@extend_schema_field(OpenApiTypes.NUMBER)
class LongitudeField(CoordinateField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(limit=180, **kwargs)


@extend_schema_field(OpenApiTypes.EMAIL)
class EmailTextField(serializers.CharField):
    """An email address, documented as one; ``case_create`` checks it, as for every channel."""


@extend_schema_field(OpenApiTypes.URI)
class PublicURLField(serializers.CharField):
    """An absolute http(s) URL to a public host (``core.safe_urls``): the one check, here at input."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=None, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        url = super().to_internal_value(data)
        problem = safe_urls.public_url_problem(url)
        if problem:
            raise serializers.ValidationError(problem)
        return str(url)


@extend_schema_field(OpenApiTypes.STR)
class ServiceCodeField(serializers.Field):
    """A service of the jurisdiction (``context["city"]``), as the ServiceType itself.

    An unknown code is the spec's 404 ("service_code … not found"), not a 400: ``NotFound``
    is no ValidationError, so it leaves the serializer at once."""

    def to_internal_value(self, data: Any) -> ServiceType:
        return selectors.public_service_type(city=self.context["city"], code=str(data).strip())

    def to_representation(self, value: Any) -> str:
        return str(getattr(value, "code", value))


ATTRIBUTE_FIELD = re.compile(r"^attribute\[(?P<code>[^\]]+)\](?:\[\d*\])?$")


class RequestInputSerializer(serializers.Serializer):
    """The fields of a POST to ``requests``: read, checked and converted here, once.

    What a report's content must be (the text limits, the email, the answers to the
    service's questions, the point inside a member city) is ``case_create``'s to check, as
    for every channel, and is not checked again here. What only Open311 has is checked
    here: the service code of this jurisdiction, the coordinates as numbers, a location
    given, and ``media_url`` (``core.safe_urls``).

    Answers to a service's questions come as ``attribute[<code>]`` fields, and
    ``attribute[<code>][]`` repeated for a multivaluelist; they are gathered by code into
    ``attributes``. The view gives every field blank-stripped, blanks left out."""

    jurisdiction_id = serializers.CharField(required=False)
    api_key = serializers.CharField(help_text="The application's key; may also be sent in the query string.")
    service_code = ServiceCodeField(error_messages={"required": _lazy("service_code is required.")})
    lat = LatitudeField(required=False)
    long = LongitudeField(required=False)
    address_string = serializers.CharField(required=False)
    address_id = serializers.CharField(required=False)
    email = EmailTextField(required=False)
    device_id = serializers.CharField(required=False)
    account_id = serializers.CharField(required=False)
    first_name = serializers.CharField(required=False)
    last_name = serializers.CharField(required=False)
    phone = serializers.CharField(required=False)
    description = serializers.CharField(required=False)
    media_url = PublicURLField(
        required=False, help_text=f"An absolute http(s) URL of a photo, at most {safe_urls.MAX_LENGTH} characters."
    )
    media = serializers.FileField(required=False, help_text="A photo, sent as multipart/form-data.")

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        values = super().to_internal_value(data)
        values["attributes"] = attribute_answers(data)
        return values

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Half a point is no point: with lat or long alone, the address is the location.
        if attrs.get("lat") is None or attrs.get("long") is None:
            attrs["lat"] = attrs["long"] = None
            if not (attrs.get("address_string") or attrs.get("address_id")):
                raise serializers.ValidationError(_("A location is required: lat and long, or address_string."))
        return attrs

    def report(self) -> dict[str, Any]:
        """The validated fields as ``open311_request_submit`` takes them."""
        data = self.validated_data
        media = data.get("media")
        return {
            "service_type": data["service_code"],
            "lat": data["lat"],
            "lng": data["long"],
            "address": data.get("address_string") or data.get("address_id") or "",
            "attributes": data["attributes"],
            "description": data.get("description", ""),
            "reporter_name": " ".join(filter(None, [data.get("first_name"), data.get("last_name")])),
            "reporter_email": data.get("email", ""),
            "reporter_phone": data.get("phone", ""),
            "media_url": data.get("media_url", ""),
            "device_id": data.get("device_id", ""),
            "account_id": data.get("account_id", ""),
            "media": media,
            "media_name": getattr(media, "name", "") or "",
        }


def attribute_answers(data: Any) -> dict[str, list[str]]:
    """``attribute[code]`` and ``attribute[code][]`` (multi-select) fields, by code."""
    answers: dict[str, list[str]] = {}
    for field in data:
        match = ATTRIBUTE_FIELD.match(str(field))
        if match is None:
            continue
        values = data.getlist(field) if hasattr(data, "getlist") else [data[field]]
        answers.setdefault(match["code"], []).extend(str(v) for v in values)
    return answers


# --- GET requests: the query's parameters -------------------------------------------------------


class CommaListField(serializers.Field):
    """``a, b,c``: the non-blank items, stripped."""

    def to_internal_value(self, data: Any) -> list[str]:
        return [v.strip() for v in str(data).split(",") if v.strip()]

    def to_representation(self, value: Any) -> str:
        return ",".join(value)


class StatusListField(CommaListField):
    def to_internal_value(self, data: Any) -> list[str]:
        statuses = super().to_internal_value(str(data).lower())
        unknown = [s for s in statuses if s not in ("open", "closed")]
        if unknown:
            raise serializers.ValidationError(
                _("status may be open or closed, not “%(s)s”.") % {"s": ", ".join(unknown)}
            )
        return statuses


@extend_schema_field(OpenApiTypes.DATETIME)
class MomentField(serializers.Field):
    """A W3C date or datetime, in UTC; without an offset it is read in ``context["city"]``'s zone."""

    def to_internal_value(self, data: Any) -> dt.datetime:
        value = str(data).strip()
        # A "+" in an offset arrives as a space when a client forgets to encode it.
        text = value.replace(" ", "+") if "T" in value else value
        try:
            moment = parse_datetime(text)
            if moment is None:
                day = parse_date(text)
                moment = dt.datetime.combine(day, dt.time()) if day is not None else None
        except ValueError:
            moment = None
        if moment is None:
            raise serializers.ValidationError(
                _("%(name)s “%(value)s” is not a W3C date and time such as 2026-01-01T00:00:00Z.")
                % {"name": self.field_name, "value": value}
            )
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.context["city"].tz)
        # Far-off years would overflow the 90-day window's arithmetic; odd offsets (+21:10) are
        # valid ISO 8601 that PostgreSQL refuses: UTC it is, within years a 311 case can have.
        if not 1900 <= moment.year <= 2999:
            raise serializers.ValidationError(
                _("%(name)s “%(value)s” is out of range: use a year from 1900 to 2999.")
                % {"name": self.field_name, "value": value}
            )
        return moment.astimezone(dt.UTC)

    def to_representation(self, value: dt.datetime) -> str:
        return value.isoformat()


@extend_schema_field(OpenApiTypes.INT)
class WholeNumberField(serializers.Field):
    """A whole number from ``low`` to ``high``, in ASCII digits."""

    def __init__(self, *, low: int, high: int, **kwargs: Any) -> None:
        self.low, self.high = low, high
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        value = str(data)
        number = int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else None
        if number is None or not self.low <= number <= self.high:
            raise serializers.ValidationError(
                _("%(name)s “%(value)s” must be a whole number from %(low)s to %(high)s.")
                % {"name": self.field_name, "value": value, "low": self.low, "high": self.high}
            )
        return number

    def to_representation(self, value: int) -> int:
        return value


@extend_schema_field(OpenApiTypes.NUMBER)
class RadiusField(serializers.Field):
    def to_internal_value(self, data: Any) -> float:
        try:
            metres = float(str(data))
        except ValueError:
            metres = math.nan
        if not 0 < metres <= selectors.MAX_RADIUS:
            raise serializers.ValidationError(
                _("radius “%(value)s” must be a distance in meters, more than 0 and at most %(max)s.")
                % {"value": data, "max": f"{selectors.MAX_RADIUS:.0f}"}
            )
        return metres

    def to_representation(self, value: float) -> float:
        return value


@extend_schema_field(OpenApiTypes.BOOL)
class FlagField(serializers.Field):
    """true/false (and 1/0, yes/no, as clients write them)."""

    def to_internal_value(self, data: Any) -> bool:
        text = str(data).lower()
        if text in ("false", "0", "no"):
            return False
        if text in ("true", "1", "yes"):
            return True
        raise serializers.ValidationError(
            _("%(name)s may be true or false, not “%(value)s”.") % {"name": self.field_name, "value": data}
        )

    def to_representation(self, value: bool) -> bool:
        return value


class RequestReadSerializer(serializers.Serializer):
    """The parameters of ``requests/<id>``."""

    extensions = FlagField(required=False, default=False)


class RequestSearchSerializer(RequestReadSerializer):
    """The parameters of GET ``requests``, read and checked once; ``search()`` gives them to
    ``selectors.search_requests``. ``context["city"]`` reads dates without an offset."""

    service_request_id = CommaListField(required=False, default=list)
    service_code = CommaListField(required=False, default=list)
    status = StatusListField(required=False, default=list)
    start_date = MomentField(required=False, default=None)
    end_date = MomentField(required=False, default=None)
    updated_after = MomentField(required=False, default=None)
    updated_before = MomentField(required=False, default=None)
    lat = LatitudeField(required=False, default=None)
    long = LongitudeField(required=False, default=None)
    radius = RadiusField(required=False, default=None)
    page = WholeNumberField(low=1, high=selectors.MAX_PAGE, required=False, default=1)
    page_size = WholeNumberField(low=1, high=selectors.MAX_RESULTS, required=False, default=selectors.DEFAULT_PAGE_SIZE)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        lat, lng, radius = attrs["lat"], attrs["long"], attrs["radius"]
        if (lat is not None or lng is not None or radius is not None) and (lat is None or lng is None):
            raise serializers.ValidationError(_("lat and long go together: give both to search near a point."))
        return attrs

    def search(self) -> dict[str, Any]:
        """The validated parameters as ``selectors.search_requests`` takes them."""
        data = self.validated_data
        near = None
        if data["lat"] is not None and data["long"] is not None:
            radius = data["radius"] if data["radius"] is not None else selectors.DEFAULT_RADIUS
            near = selectors.Near(lat=data["lat"], lng=data["long"], radius=radius)
        return {
            "references": data["service_request_id"],
            "service_codes": data["service_code"],
            "statuses": data["status"],
            "start": data["start_date"],
            "end": data["end_date"],
            "updated_after": data["updated_after"],
            "updated_before": data["updated_before"],
            "near": near,
            "page": data["page"],
            "page_size": data["page_size"],
            "extensions": data["extensions"],
        }


class DiscoveryEndpointSerializer(serializers.Serializer):
    specification = serializers.CharField()
    url = serializers.CharField()
    changeset = serializers.CharField()
    type = serializers.CharField()
    formats = serializers.ListField(child=serializers.CharField())


class DiscoverySerializer(serializers.Serializer):
    changeset = serializers.CharField()
    contact = serializers.CharField()
    key_service = serializers.CharField()
    endpoints = DiscoveryEndpointSerializer(many=True)
