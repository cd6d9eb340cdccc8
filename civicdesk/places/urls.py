from django.urls import path

from civicdesk.places import views

app_name = "places"

urlpatterns = [
    path("search", views.search, name="search"),
    path("near", views.near, name="near"),
]
