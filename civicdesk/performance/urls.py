"""Public dashboard pages. Included before the portal, whose ``<slug:city>/`` routes would
otherwise be tried first."""

from django.urls import path

from civicdesk.performance import views

app_name = "performance"

urlpatterns = [
    path("<slug:city>/performance/", views.dashboard, name="dashboard"),
    path("<slug:city>/performance.csv", views.dashboard, {"fmt": "csv"}, name="dashboard-csv"),
    path("<slug:city>/performance.json", views.dashboard, {"fmt": "json"}, name="dashboard-json"),
    path(
        "<slug:city>/performance/measures/<int:measure_id>/<str:period>/cases/",
        views.measure_cases,
        name="measure-cases",
    ),
]
