"""The OpenAPI schema of the Open311 API alone, whatever else the project serves."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [path("open311/v2/", include("civicdesk.open311.urls"))]
