from django.urls import path

from membership.views import pages

app_name = "membership"

urlpatterns = [
    path("profile/", pages.profile_edit, name="profile"),
    path("members/<str:member_number>/", pages.member_detail, name="member_detail"),
]
