from django.urls import path

from civicdesk.notifications.feeds import case_feed
from civicdesk.portal import alerts, confidential, views

app_name = "portal"

# Fixed paths first: the <slug:city>/ routes below would otherwise take "report" for a city.
urlpatterns = [
    path("", views.home, name="home"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service-worker"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("offline/", views.offline, name="offline"),
    path("boundaries.geojson", views.boundaries, name="boundaries"),
    path("report/", views.report, name="report"),
    path("report/questions/", views.report_questions, name="report-questions"),
    path("report/nearby/", views.report_nearby, name="report-nearby"),
    path("report/sent/<str:token>/", views.report_sent, name="report-sent"),
    path("track/<str:token>/", views.track, name="track"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("confidential/", confidential.confidential_access, name="confidential"),
    path("alerts/confirm/<str:token>/", alerts.alert_confirm, name="alert-confirm"),
    path("alerts/unsubscribe/<str:token>/", alerts.alert_unsubscribe, name="alert-unsubscribe"),
    path("<slug:city>/", views.city_home, name="city"),
    path("<slug:city>/boundary.geojson", views.boundaries, name="boundary"),
    path("<slug:city>/report/", views.report, name="city-report"),
    path("<slug:city>/requests/", views.browse, name="browse"),
    path("<slug:city>/alerts/", alerts.alerts_page, name="alerts"),
    path("<slug:city>/alerts/district/", alerts.alerts_district, name="alerts-district"),
    path("<slug:city>/alerts/link/", alerts.your_alerts_link, name="your-alerts-link"),
    path("<slug:city>/alerts/yours/<str:token>/", alerts.your_alerts, name="your-alerts"),
    path("<slug:city>/alerts/yours/<str:token>/<int:pk>/change/", alerts.alert_change, name="alert-change"),
    path("<slug:city>/feeds/<slug:kind>.<slug:fmt>", case_feed, name="feed"),
    path("<slug:city>/requests/<int:number>/", views.case_detail, name="case"),
    path("<slug:city>/requests/<int:number>/follow/", views.case_follow_view, name="follow"),
]
