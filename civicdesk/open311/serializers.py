"""The GeoReport v2 documents, translated from our models. Field names are the spec's.

Never a reporter's name, email or phone: none of these serializers has such a field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from civicdesk.cases.models import CaseEvent, Photo, ServiceRequest
from civicdesk.catalog.models import ServiceAttribute, ServiceType


def w3c(moment: dt.datetime | None, city: Any) -> str | None:
    """A W3C datetime with the city's own UTC offset, e.g. 2026-05-23T15:55:28-05:00."""
    if moment is None:
        return None
    return moment.astimezone(city.tz).isoformat(timespec="seconds")


class ServiceSerializer(serializers.Serializer):
    service_code = serializers.CharField(source="code")
    service_name = serializers.CharField(source="name")
    description = serializers.CharField()
    metadata = serializers.SerializerMethodField()
    type = serializers.SerializerMethodField()
    keywords = serializers.CharField()
    group = serializers.CharField()

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
    description = serializers.CharField(source="question")
    values = serializers.SerializerMethodField()

    def get_values(self, obj: ServiceAttribute) -> list[dict[str, str]]:
        return [
            {"key": str(v.get("key", "")), "name": str(v.get("name", v.get("key", "")))}
            for v in obj.values or []
            if isinstance(v, dict)
        ]


class ServiceDefinitionSerializer(serializers.Serializer):
    service_code = serializers.CharField(source="code")
    attributes = AttributeSerializer(many=True, source="attributes.all")


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
        return w3c(obj.due_at, obj.city) if obj.is_open else None

    def get_address_id(self, obj: ServiceRequest) -> str:
        return ""

    def get_zipcode(self, obj: ServiceRequest) -> str:
        return ""

    def get_media_url(self, obj: ServiceRequest) -> str:
        photos = getattr(obj, "public_photos", None)
        if photos:
            return _absolute(self.context, photos[0].image.url)
        submission = getattr(obj, "open311_submission", None)
        return submission.media_url if submission is not None else ""


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


class CreatedRequestSerializer(serializers.Serializer):
    service_request_id = serializers.CharField(source="reference")
    token = serializers.CharField(source="open311_submission.token")
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


class RequestInputSerializer(serializers.Serializer):
    """The form fields of POST requests (described for the schema; the view reads them).

    Answers to a service's questions come as ``attribute[<code>]`` fields, and
    ``attribute[<code>][]`` repeated for a multivaluelist."""

    jurisdiction_id = serializers.CharField(required=False)
    api_key = serializers.CharField(help_text="The application's key; may also be sent in the query string.")
    service_code = serializers.CharField()
    lat = serializers.FloatField(required=False)
    long = serializers.FloatField(required=False)
    address_string = serializers.CharField(required=False)
    address_id = serializers.CharField(required=False)
    email = serializers.EmailField(required=False)
    device_id = serializers.CharField(required=False)
    account_id = serializers.CharField(required=False)
    first_name = serializers.CharField(required=False)
    last_name = serializers.CharField(required=False)
    phone = serializers.CharField(required=False)
    description = serializers.CharField(required=False)
    media_url = serializers.URLField(required=False)
    media = serializers.ImageField(required=False, help_text="A photo, sent as multipart/form-data.")


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
