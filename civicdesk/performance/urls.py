"""Public dashboard pages. Included before the portal, whose ``<slug:city>/`` routes would
otherwise be tried first."""

from django.urls import path

from civicdesk.performance import views

app_name = "performance"

urlpatterns = [
    # The regional comparison first: "performance" is not a city, but the portal's
    # ``<slug:city>/…`` routes would take it for one.
    path("performance/compare/", views.compare, name="compare"),
    path("performance/compare.csv", views.compare, {"fmt": "csv"}, name="compare-csv"),
    path("performance/compare.json", views.compare, {"fmt": "json"}, name="compare-json"),
    path(
        "performance/compare/<slug:measure>/<slug:city>/<str:period>/cases/",
        views.compare_cases,
        name="compare-cases",
    ),
    path("<slug:city>/performance/", views.dashboard, name="dashboard"),
    path("<slug:city>/performance.csv", views.dashboard, {"fmt": "csv"}, name="dashboard-csv"),
    path("<slug:city>/performance.json", views.dashboard, {"fmt": "json"}, name="dashboard-json"),
    path(
        "<slug:city>/performance/measures/<int:measure_id>/<str:period>/cases/",
        views.measure_cases,
        name="measure-cases",
    ),
]
