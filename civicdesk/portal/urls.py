from django.urls import path

from civicdesk.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("track/<str:token>/", views.track, name="track"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("<slug:city>/", views.city_home, name="city"),
    path("<slug:city>/requests/<int:number>/", views.case_detail, name="case"),
]
