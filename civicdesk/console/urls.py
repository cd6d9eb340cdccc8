from django.contrib.auth import views as auth_views
from django.urls import path

from civicdesk.console import views

app_name = "console"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="console/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("cases/<slug:city>/<int:number>/", views.case_detail, name="case"),
]
