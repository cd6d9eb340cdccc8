from django.contrib.auth import views as auth_views
from django.urls import path

from civicdesk.console import collaborative, reports, views

app_name = "console"

case = "cases/<slug:city>/<int:number>/"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="console:login"), name="logout"),
    path("", views.home, name="home"),
    path("new/", views.new_case, name="new"),
    path("new/questions/", views.new_case_questions, name="new_questions"),
    path("new/similar/", views.new_case_similar, name="new_similar"),
    path("overdue/", views.overdue, name="overdue"),
    path("likely-late/", views.likely_late, name="likely_late"),
    path("not-placed/", views.not_placed, name="not_placed"),
    path("bulk-assign/", views.bulk_assign, name="bulk_assign"),
    path("boundary.json", views.boundary, name="boundary"),
    path(case, views.case_detail, name="case"),
    path(case + "note/", views.case_note, name="case_note"),
    path(case + "photos/", views.case_photos, name="case_photos"),
    path(case + "assign/", views.case_assign, name="case_assign"),
    path(case + "type/", views.case_type, name="case_type"),
    path(case + "status/", views.case_status, name="case_status"),
    path(case + "close/", views.case_close, name="case_close"),
    path(case + "reopen/", views.case_reopen, name="case_reopen"),
    path(case + "duplicate/", views.case_duplicate, name="case_duplicate"),
    path(case + "follow/", views.case_follow, name="case_follow"),
    path(case + "call/", views.case_call, name="case_call"),
    path(case + "place/", views.case_place, name="case_place"),
    # Across member cities (console/collaborative.py).
    path(case + "transfer/", views.case_transfer, name="case_transfer"),
    path("new/<slug:city>/<int:number>/entered/", collaborative.entered_elsewhere, name="entered_elsewhere"),
    path("transfers/", collaborative.transfer_list, name="transfers"),
    path("transfers/<int:pk>/accept/", collaborative.transfer_accept, name="transfer_accept"),
    path("transfers/<int:pk>/refuse/", collaborative.transfer_refuse, name="transfer_refuse"),
    path("agreements/", collaborative.agreement_list, name="agreements"),
    path("agreements/<int:pk>/billing/", collaborative.agreement_billing, name="agreement_billing"),
    path("agreements/<int:pk>/<slug:decision>/", collaborative.agreement_decide, name="agreement_decide"),
    path("region/", collaborative.region, name="region"),
    path("reports/", reports.reports, name="reports"),
]
