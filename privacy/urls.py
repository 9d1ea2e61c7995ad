from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("privacy/", views.privacy_home, name="home"),
    path("privacy/download/", views.download, name="download"),
    path("privacy/close/", views.close, name="close"),
    path("privacy/closed/", views.closed, name="closed"),
    path("staff/members/<str:member_number>/data/", views.staff_member, name="staff_member"),
    path(
        "staff/members/<str:member_number>/data/download/",
        views.staff_download,
        name="staff_download",
    ),
    path("staff/members/<str:member_number>/data/close/", views.staff_close, name="staff_close"),
]
