from django.urls import path

from membership.views import pages, rules

app_name = "membership"

urlpatterns = [
    path("profile/", pages.profile_edit, name="profile"),
    path("members/<str:member_number>/", pages.member_detail, name="member_detail"),
    path("staff/membership-rules/", rules.rules_edit, name="staff_rules"),
]
