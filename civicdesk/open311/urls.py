"""Open311 GeoReport v2 routes. Codes and ids use slug-style converters, which stop at a
dot, so ``services/001.xml`` is service ``001`` in XML, not service ``001.xml``."""

from __future__ import annotations

from django.urls import path, re_path, register_converter

from civicdesk.core.pagecache import public_page
from civicdesk.open311 import views


class FormatConverter:
    regex = "json|xml"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "open311_format")

app_name = "open311"

urlpatterns = [
    path("discovery.<open311_format:fmt>", views.DiscoveryView.as_view(), name="discovery"),
    path("services.<open311_format:fmt>", views.ServiceListView.as_view(), name="services"),
    path(
        "services/<slug:service_code>.<open311_format:fmt>",
        views.ServiceDefinitionView.as_view(),
        name="service-definition",
    ),
    # The old `open311` Python client asks for service/<code>.xml.
    path(
        "service/<slug:service_code>.<open311_format:fmt>",
        views.ServiceDefinitionAliasView.as_view(),
        name="service-definition-alias",
    ),
    # A GET of the list, the same for every app, is kept a few seconds (core/pagecache.py);
    # a POST (a new report) always goes through.
    path("requests.<open311_format:fmt>", public_page(views.RequestListView.as_view()), name="requests"),
    path(
        "requests/<slug:service_request_id>.<open311_format:fmt>",
        views.RequestDetailView.as_view(),
        name="request",
    ),
    path("tokens/<slug:token>.<open311_format:fmt>", views.TokenView.as_view(), name="token"),
    # The schema of this API (its own paths only), for client generators and schemathesis.
    path("openapi.json", views.SchemaView.as_view(), name="openapi"),
    # Any character, newlines included: "." alone would leave a path with %0A to Django's HTML 404.
    re_path(r"^(?P<rest>[\s\S]*)\Z", views.fallback, name="fallback"),
]
