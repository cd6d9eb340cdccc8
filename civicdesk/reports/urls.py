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

urlpatterns += [
    path("reports/operations/", views.operations, name="operations"),
    path("reports/operations.csv", views.operations, {"fmt": "csv"}, name="operations-csv"),
    path("<slug:city>/reports/operations/", views.city_operations, name="city-operations"),
    path("<slug:city>/reports/operations.csv", views.city_operations, {"fmt": "csv"}, name="city-operations-csv"),
    path("<slug:city>/reports/overdue/", views.city_overdue, name="city-overdue"),
]
