"""Report pages. Included before the portal, whose ``<slug:city>/`` routes would otherwise be
tried first."""

from django.urls import path

from civicdesk.reports import views

app_name = "reports"

urlpatterns = [
    path("reports/service-requests/", views.service_requests, name="service-requests"),
    path("reports/service-requests.pdf", views.service_requests, {"fmt": "pdf"}, name="service-requests-pdf"),
    path("reports/service-requests.csv", views.service_requests, {"fmt": "csv"}, name="service-requests-csv"),
    path("<slug:city>/reports/service-requests/", views.city_service_requests, name="city-service-requests"),
    path(
        "<slug:city>/reports/service-requests.pdf",
        views.city_service_requests,
        {"fmt": "pdf"},
        name="city-service-requests-pdf",
    ),
    path(
        "<slug:city>/reports/service-requests.csv",
        views.city_service_requests,
        {"fmt": "csv"},
        name="city-service-requests-csv",
    ),
]
