"""The GeoReport v2 endpoints. Each view only translates HTTP to selectors and services.

Every answer, errors included, is in the format the path's suffix asks for (``.json`` or
``.xml``), whatever the client's Accept header says: real clients send all sorts of Accept
headers and expect the suffix to win.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import BadRequest as DjangoBadRequest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import exceptions as drf_exceptions
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from civicdesk.catalog import cache as catalogue_cache
from civicdesk.core import clock, unavailable
from civicdesk.core.bad_request import request_too_big_message
from civicdesk.core.errors import StorageUnavailable
from civicdesk.expected.selectors import expected_for_cases
from civicdesk.open311 import selectors, services
from civicdesk.open311.errors import BadRequest, Forbidden, Open311Error
from civicdesk.open311.renderers import Open311JSONRenderer, Open311XMLRenderer, to_xml
from civicdesk.open311.serializers import (
    ATTRIBUTE_FIELD,
    CreatedRequestSerializer,
    DiscoverySerializer,
    ExtendedServiceRequestSerializer,
    RequestInputSerializer,
    RequestReadSerializer,
    RequestSearchSerializer,
    ServiceDefinitionSerializer,
    ServiceRequestSerializer,
    ServiceSerializer,
    TokenSerializer,
)
from civicdesk.tenants.models import City

logger = logging.getLogger(__name__)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# Our field names as a client of the API knows them.
FIELD_NAMES = {
    "reporter_email": "email",
    "reporter_name": "first_name",
    "reporter_phone": "phone",
    "address": "address_string",
    "lng": "long",
    "service_type": "service_code",
    "media": "media",
}


FMT = OpenApiParameter(
    "fmt", OpenApiTypes.STR, OpenApiParameter.PATH, enum=["json", "xml"], description="Answer format: json or xml."
)
JURISDICTION = OpenApiParameter(
    "jurisdiction_id",
    OpenApiTypes.STR,
    description="The city (its web domain). Required while the server serves several cities.",
)
NO_FORMAT_PARAM = OpenApiParameter("format", exclude=True)  # the suffix chooses, not ?format=
LOCALE = OpenApiParameter(
    "locale",
    OpenApiTypes.STR,
    description="es (or es_US, es-MX…) names each service and its group, and a service definition's "
    "questions and choices, in Spanish where the city gives them; anything else, or none, in English.",
)


def locale_language(request: Request) -> str:
    """The language a ``locale`` parameter asks for: "es" for any Spanish locale, else "en"."""
    return "es" if request.query_params.get("locale", "").strip().lower()[:2] == "es" else "en"


_ERROR_LIST = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
        "required": ["code", "description"],
    },
}


def _xml(root: str) -> dict[str, Any]:
    return {"type": "string", "description": f"The same document in Open311 XML, root element <{root}>."}


def answers(status: int, json_schema: Any, xml_root: str) -> dict[Any, Any]:
    """The schema of one operation's answers: the document in JSON and in XML, and its errors."""
    documented: dict[Any, Any] = {(status, "application/json"): json_schema, (status, "text/xml"): _xml(xml_root)}
    for error in (400, 403, 404):
        documented[(error, "application/json")] = _ERROR_LIST
        documented[(error, "text/xml")] = _xml("errors")
    return documented


def _query(name: str, description: str, **kw: Any) -> OpenApiParameter:
    return OpenApiParameter(name, kw.pop("type", OpenApiTypes.STR), description=description, **kw)


EXTENSIONS = _query(
    "extensions",
    "true adds extended_attributes to each request: department, district, channel, public notes "
    "and public photos (full size and thumbnail).",
    enum=["true", "false"],
)


class SuffixNegotiation(BaseContentNegotiation):
    """The format is the path's suffix; the Accept header is ignored."""

    def select_parser(self, request: Request, parsers: Iterable[Any]) -> Any:
        content_type = (request.content_type or "").split(";")[0].strip()
        for parser in parsers:
            if parser.media_type == content_type:
                return parser
        return None

    def select_renderer(self, request: Request, renderers: Iterable[Any], format_suffix: str | None = None) -> Any:
        renderers = list(renderers)
        for renderer in renderers:
            if renderer.format == (format_suffix or "json"):
                return renderer, renderer.media_type
        return renderers[0], renderers[0].media_type


def _error_list(exc: Exception) -> tuple[int, list[str]]:
    if unavailable.is_database_unavailable(exc):
        logger.warning("Open311: database unavailable, answered 503: %s", exc)
        return 503, [unavailable.message()]
    if isinstance(exc, StorageUnavailable):
        # The server's storage failed, not the client's photo: try again later.
        return 503, list(exc.messages)
    if isinstance(exc, Open311Error):
        return exc.status, [exc.description]
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return 400, [
                f"{FIELD_NAMES.get(field, field)}: {message}"
                for field, messages in exc.message_dict.items()
                for message in messages
            ]
        return 400, list(exc.messages)
    if isinstance(exc, Http404 | drf_exceptions.NotFound):
        return 404, [_("Not found.")]
    if isinstance(exc, DjangoPermissionDenied | drf_exceptions.PermissionDenied):
        return 403, [str(exc) or _("Not allowed.")]
    if isinstance(exc, RequestDataTooBig):
        # Django refuses to read a body past DATA_UPLOAD_MAX_MEMORY_SIZE: the client's to fix.
        return 400, [request_too_big_message()]
    if isinstance(exc, SuspiciousOperation | DjangoBadRequest):
        return 400, [str(exc) or _("The request could not be read.")]
    if isinstance(exc, drf_exceptions.MethodNotAllowed):
        return 405, [str(exc.detail)]
    if isinstance(exc, drf_exceptions.ValidationError):
        return 400, _validation_messages(exc.detail)
    if isinstance(exc, drf_exceptions.APIException):
        # Malformed bodies, unsupported media types, throttling: the client's to fix.
        return 400, [str(exc.detail)]
    logger.exception("Open311 request failed", exc_info=exc)
    return 500, [_("The server could not answer this request. The error has been logged.")]


def _validation_messages(detail: Any, field: str = "") -> list[str]:
    """A serializer's errors as the spec's descriptions, each naming the field it is about."""
    if isinstance(detail, dict):
        return [
            message
            for name, inner in detail.items()
            for message in _validation_messages(inner, "" if name == api_settings.NON_FIELD_ERRORS_KEY else name)
        ]
    if isinstance(detail, list):
        return [message for inner in detail for message in _validation_messages(inner, field)]
    message = str(detail)
    return [f"{field}: {message}" if field and not message.startswith(field) else message]


def open311_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """Every error as the spec's error document, never Django's HTML page."""
    status, descriptions = _error_list(exc)
    response = Response([{"code": status, "description": d} for d in descriptions], status=status)
    if status == 503:
        response["Retry-After"] = str(unavailable.RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"  # "try again" must not be served from a cache
    return response


class Open311View(APIView):
    renderer_classes = [Open311JSONRenderer, Open311XMLRenderer]
    parser_classes = [FormParser, MultiPartParser, JSONParser]
    content_negotiation_class = SuffixNegotiation
    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    xml_root = "response"

    def get_exception_handler(self) -> Any:
        return open311_exception_handler

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        _refuse_unreadable(request.query_params)
        if request.method == "POST":
            if not hasattr(request.data, "items"):
                raise BadRequest(
                    _("Send the request's fields as a form (or a JSON object), not %(kind)s.")
                    % {"kind": type(request.data).__name__}
                )
            _refuse_unreadable(request.data)

    def get_format_suffix(self, **kwargs: Any) -> str | None:
        # The suffix is named ``fmt``, not DRF's ``format``: schema generators skip paths
        # ending in ``.{format}``, and these are all of ours.
        return kwargs.get("fmt")

    def param(self, name: str) -> str:
        """A query parameter (or form field on POST); blank counts as missing."""
        value = self.request.query_params.get(name)
        if not value and self.request.method == "POST":
            form: Any = self.request.data
            value = form.get(name)
        return str(value or "").strip()

    def form(self, serializer: type[serializers.Serializer]) -> MultiValueDict[str, Any]:
        """What the client sent for ``serializer``: each of its fields as ``param`` reads it
        (blank left out), its files, and the body's ``attribute[…]`` answers as sent."""
        fields: MultiValueDict[str, Any] = MultiValueDict()
        for name, is_file in _field_kinds(serializer):
            if is_file:
                # Some clients name the photo "photo" rather than the spec's "media".
                upload = self.request.FILES.get(name) or self.request.FILES.get("photo")
                if upload is not None:
                    fields[name] = upload
                continue
            value = self.param(name)
            if value:
                fields[name] = value
        if self.request.method == "POST":
            data: Any = self.request.data
            for name in data:
                if ATTRIBUTE_FIELD.match(str(name)):
                    fields.setlist(name, data.getlist(name) if hasattr(data, "getlist") else [data[name]])
        return fields

    def city(self) -> City:
        return selectors.city_for_jurisdiction(self.param("jurisdiction_id"))


@functools.cache
def _field_kinds(serializer: type[serializers.Serializer]) -> tuple[tuple[str, bool], ...]:
    """A serializer's field names, each with whether it is a file: what ``form`` reads, worked
    out once per class (a serializer's fields are deep copies of its declared ones, made anew
    on every instance)."""
    return tuple((name, isinstance(field, serializers.FileField)) for name, field in serializer().fields.items())


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _refuse_unreadable(fields: Any) -> None:
    """A NUL character in any field is a 400 naming the field. PostgreSQL cannot store or
    even compare text holding one, so it must never reach a query. Nor can any database
    store half a character: JSON may carry a lone surrogate (``"\\ud83d"``), refused too.

    Bytes that are not UTF-8 (``%ff%fe`` in a form) reach us as U+FFFD, the replacement
    character: the words the client meant are lost, so rather than file "��" as the
    resident's description, the request is refused and the client told to send UTF-8."""
    items = fields.lists() if hasattr(fields, "lists") else ((k, [v]) for k, v in fields.items())
    for name, values in items:
        texts = [v if isinstance(v, str) else str(v) for v in values]
        shown = name.encode("utf-8", "backslashreplace").decode().replace("\x00", "\\0")
        if "\x00" in name or any("\x00" in v for v in texts):
            raise BadRequest(_("%(name)s contains a NUL character (\\0); remove it and send again.") % {"name": shown})
        if not _is_unicode(name) or not all(_is_unicode(v) for v in texts):
            raise BadRequest(
                _("%(name)s contains half of a character (a lone UTF-16 surrogate); send whole characters.")
                % {"name": shown}
            )
        if REPLACEMENT in name or any(REPLACEMENT in v for v in values if isinstance(v, str)):
            raise BadRequest(
                _(
                    "%(name)s contains bytes that are not UTF-8 text (they arrive as the replacement character U+FFFD): "
                    "nothing was saved; send the text encoded as UTF-8."
                )
                % {"name": shown}
            )


REPLACEMENT = "\ufffd"


class DiscoveryView(Open311View):
    xml_root = "discovery"

    @extend_schema(
        operation_id="discovery",
        parameters=[FMT, JURISDICTION, NO_FORMAT_PARAM],
        responses=answers(200, DiscoverySerializer, "discovery"),
    )
    def get(self, request: Request, fmt: str = "json") -> Response:
        jurisdiction = self.param("jurisdiction_id")
        city = selectors.city_for_jurisdiction(jurisdiction) if jurisdiction else None
        changed = City.objects.order_by("-updated_at").values_list("updated_at", flat=True).first() or clock.now()
        base = request.build_absolute_uri(request.path.rsplit("/", 1)[0] + "/")
        contact = selectors.contact(city=city)
        return Response(
            {
                "changeset": w3c_utc(changed),
                "contact": contact,
                "key_service": _("Ask the city's 311 administrator for an API key to post requests."),
                "endpoints": [
                    {
                        "specification": SPECIFICATION,
                        "url": base,
                        "changeset": w3c_utc(changed),
                        "type": "production",
                        "formats": ["text/xml", "application/json"],
                    }
                ],
            }
        )


def w3c_utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _plain(data: Any) -> Any:
    """A serializer's answer as plain dicts and lists, to keep in the cache."""
    if isinstance(data, dict):
        return {k: _plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v) for v in data]
    return data


class ServiceListView(Open311View):
    xml_root = "services"

    @extend_schema(
        operation_id="services_list",
        parameters=[FMT, JURISDICTION, LOCALE, NO_FORMAT_PARAM],
        responses=answers(200, ServiceSerializer(many=True), "services"),
    )
    def get(self, request: Request, fmt: str = "json") -> Response:
        city = self.city()
        # Not GeoReport v2's, but what some servers accept: ``locale=es`` names the services in
        # Spanish (``name_es``) for an app that shows them to Spanish-speaking residents.
        language = locale_language(request)

        def build() -> list[dict[str, Any]]:
            types = selectors.public_service_types(city=city)
            return _plain(list(ServiceSerializer(types, many=True, context={"language": language}).data))

        with translation.override(language):  # kept per language (catalog/cache.py)
            listed = catalogue_cache.cached("open311-services", city.pk, build)
        return Response(listed)


class ServiceDefinitionView(Open311View):
    xml_root = "service_definition"

    @extend_schema(
        operation_id="service_definition",
        parameters=[FMT, JURISDICTION, LOCALE, NO_FORMAT_PARAM],
        responses=answers(200, ServiceDefinitionSerializer, "service_definition"),
    )
    def get(self, request: Request, service_code: str, fmt: str = "json") -> Response:
        city = self.city()
        # ``locale=es``: the questions and their choices in Spanish where the city gives them.
        context = {"language": locale_language(request)}

        def build() -> dict[str, Any]:
            types = selectors.public_service_types(city=city).prefetch_related("attributes")
            return {t.code: _plain(ServiceDefinitionSerializer(t, context=context).data) for t in types}

        with translation.override(context["language"]):  # kept per language (catalog/cache.py)
            definitions = catalogue_cache.cached("open311-definitions", city.pk, build)
        if service_code in definitions:
            return Response(definitions[service_code])
        # Not among the kept ones: NotFound in the client's terms (or a type made this instant).
        found = selectors.public_service_type(city=city, code=service_code)
        return Response(ServiceDefinitionSerializer(found, context=context).data)


class ServiceDefinitionAliasView(ServiceDefinitionView):
    """``service/<code>``: the path the old ``open311`` Python client asks for."""

    schema = None  # documented once, under services/<code>


class RequestListView(Open311View):
    xml_root = "service_requests"

    @extend_schema(
        operation_id="requests_list",
        parameters=[
            FMT,
            JURISDICTION,
            NO_FORMAT_PARAM,
            _query("service_request_id", "Comma-separated ids such as IND-1042; overrides every other filter."),
            _query("service_code", "Comma-separated service codes."),
            _query("status", "open, closed, or both comma-separated."),
            _query(
                "start_date",
                "W3C date-time; the window is at most 90 days (default: the last 90 days). "
                "Without an offset it is read in the city's time zone.",
                type=OpenApiTypes.DATETIME,
            ),
            _query("end_date", "W3C date-time.", type=OpenApiTypes.DATETIME),
            _query(
                "updated_after",
                "W3C date-time: requests changed at or after it. With updated_after/updated_before the "
                "window is of last changes (at most 90 days) and start_date/end_date apply only if given.",
                type=OpenApiTypes.DATETIME,
            ),
            _query("updated_before", "W3C date-time: requests changed at or before it.", type=OpenApiTypes.DATETIME),
            _query("lat", "Latitude of a point to search around (with long).", type=OpenApiTypes.NUMBER),
            _query("long", "Longitude of a point to search around (with lat).", type=OpenApiTypes.NUMBER),
            _query(
                "radius",
                f"Meters around lat/long (default {selectors.DEFAULT_RADIUS:.0f}, at most {selectors.MAX_RADIUS:.0f}).",
                type=OpenApiTypes.NUMBER,
            ),
            _query("page", f"Page number, from 1 (default 1, at most {selectors.MAX_PAGE}).", type=OpenApiTypes.INT),
            _query(
                "page_size",
                f"Requests per page, 1 to {selectors.MAX_RESULTS} (default {selectors.DEFAULT_PAGE_SIZE}).",
                type=OpenApiTypes.INT,
            ),
            EXTENSIONS,
        ],
        responses=answers(200, ExtendedServiceRequestSerializer(many=True), "service_requests"),
    )
    def get(self, request: Request, fmt: str = "json") -> Response:
        query = RequestSearchSerializer(data=self.form(RequestSearchSerializer), context={"city": self.city()})
        query.is_valid(raise_exception=True)
        search = query.search()
        now = clock.now()
        cases = list(selectors.search_requests(city=query.context["city"], now=now, **search))
        extensions = search["extensions"]
        serializer = ExtendedServiceRequestSerializer if extensions else ServiceRequestSerializer
        # expected_datetime of every open case of the answer at once (one sweep, not a query each).
        context = {"request": request, "expected": expected_for_cases(cases, now=now)}
        return Response(serializer(cases, many=True, context=context).data)

    @extend_schema(
        operation_id="requests_create",
        parameters=[FMT, NO_FORMAT_PARAM, _query("api_key", "The application's key (or send it in the form).")],
        request={
            "application/x-www-form-urlencoded": RequestInputSerializer,
            "multipart/form-data": RequestInputSerializer,
        },
        responses=answers(201, CreatedRequestSerializer(many=True), "service_requests"),
    )
    def post(self, request: Request, fmt: str = "json") -> Response:
        # The key and its city in one query; without a match, each asked on its own for the
        # error that says which is wrong (an unknown jurisdiction, or a key not of the city).
        api_key = selectors.api_key_of_jurisdiction(
            jurisdiction_id=self.param("jurisdiction_id"), raw_key=self.param("api_key")
        )
        if api_key is None:
            city = self.city()
            api_key = selectors.api_key_for(city=city, raw_key=self.param("api_key"))
            if api_key is None:
                raise Forbidden(
                    _("A valid api_key for %(city)s is required to post service requests.") % {"city": city.name}
                )
        city = api_key.city
        form = RequestInputSerializer(data=self.form(RequestInputSerializer), context={"city": city})
        form.is_valid(raise_exception=True)
        report = form.report()
        try:
            # "File only once" (the Idempotency-Key header, the same device's same report):
            # the service's own mechanism, called from here only.
            case = services.open311_request_submit(
                api_key=api_key, idempotency_key=request.headers.get("Idempotency-Key", ""), **report
            )
        except DjangoValidationError as exc:
            raise _answers_named(exc, report) from exc
        return Response(CreatedRequestSerializer([case], many=True).data, status=201)


def _answers_named(exc: DjangoValidationError, report: dict[str, Any]) -> DjangoValidationError:
    """``case_create`` names a bad answer by its question's code; the client sent it as
    ``attribute[code]``, so that is the name the error gives back."""
    if not hasattr(exc, "error_dict"):
        return exc
    service_type = report["service_type"]
    codes = set(report["attributes"]) | {a.code for a in service_type.attributes.all()}
    return DjangoValidationError(
        {
            (f"attribute[{field}]" if field in codes and field not in FIELD_NAMES else field): messages
            for field, messages in exc.message_dict.items()
        }
    )


class RequestDetailView(Open311View):
    xml_root = "service_requests"

    @extend_schema(
        operation_id="request_get",
        parameters=[FMT, JURISDICTION, NO_FORMAT_PARAM, EXTENSIONS],
        responses=answers(200, ExtendedServiceRequestSerializer(many=True), "service_requests"),
    )
    def get(self, request: Request, service_request_id: str, fmt: str = "json") -> Response:
        query = RequestReadSerializer(data=self.form(RequestReadSerializer))
        query.is_valid(raise_exception=True)
        extensions = query.validated_data["extensions"]
        case = selectors.public_request(city=self.city(), reference=service_request_id, extensions=extensions)
        serializer = ExtendedServiceRequestSerializer if extensions else ServiceRequestSerializer
        return Response(serializer([case], many=True, context={"request": request}).data)


class TokenView(Open311View):
    """``tokens/<token>``: the request id a POST's token stands for. Every report is numbered
    when it is accepted, so a token always resolves at once."""

    xml_root = "service_requests"

    @extend_schema(
        operation_id="token_get",
        parameters=[FMT, JURISDICTION, NO_FORMAT_PARAM],
        responses=answers(200, TokenSerializer(many=True), "service_requests"),
    )
    def get(self, request: Request, token: str, fmt: str = "json") -> Response:
        submission = selectors.submission_for_token(city=self.city(), token=token)
        return Response(TokenSerializer([submission], many=True).data)


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema of this API, in JSON. Each operation answers in JSON or XML."""

    renderer_classes = [OpenApiJsonRenderer]
    urlconf = "civicdesk.open311.schema"
    schema = None  # the schema does not describe itself


def _error_response(status: int, description: str, fmt: str) -> HttpResponse:
    body = [{"code": status, "description": description}]
    if fmt == "xml":
        return HttpResponse(to_xml("errors", body), status=status, content_type="text/xml; charset=utf-8")
    return HttpResponse(
        Open311JSONRenderer().render(body), status=status, content_type="application/json; charset=utf-8"
    )


@csrf_exempt
def fallback(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Anything under the API's root that no endpoint matched.

    A client whose base URL ends in a slash asks for ``/open311/v2//services.json``: the
    path is answered as if written with single slashes. Anything else is a 404 in the
    spec's error format (never Django's HTML page)."""
    collapsed = re.sub("/{2,}", "/", request.path_info)
    if collapsed != request.path_info:
        try:
            match = resolve(collapsed)
        except Resolver404:
            match = None
        if match is not None and match.func is not fallback:
            return match.func(request, *match.args, **match.kwargs)
    fmt = "xml" if request.path_info.endswith(".xml") else "json"
    return _error_response(404, _("There is no Open311 endpoint at %(path)s.") % {"path": request.path_info}, fmt)
