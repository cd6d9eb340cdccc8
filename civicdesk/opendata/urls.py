"""Open-data pages. Included before the portal, whose ``<slug:city>/`` routes would otherwise
be tried first."""

from django.urls import path

from civicdesk.opendata import views

app_name = "opendata"

urlpatterns = [
    path("open-data/", views.page, name="collaborative"),
    path("open-data/<str:name>", views.download, name="collaborative-file"),
    path("<slug:city>/open-data/", views.page, name="city"),
    path("<slug:city>/open-data/<str:name>", views.download, name="city-file"),
]
