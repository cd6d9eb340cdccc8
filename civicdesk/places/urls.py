from django.urls import path

from civicdesk.places import views

app_name = "places"

urlpatterns = [
    path("search", views.search, name="search"),
    path("near", views.near, name="near"),
    path("streets/<int:z>/<int:x>/<int:y>.geojson", views.street_tile, name="street-tile"),
]
