from django.urls import path

from membership.views import imports, pages, rules

app_name = "membership"

urlpatterns = [
    path("profile/", pages.profile_edit, name="profile"),
    path("members/<str:member_number>/", pages.member_detail, name="member_detail"),
    path("staff/membership-rules/", rules.rules_edit, name="staff_rules"),
    path("staff/imports/", imports.import_list, name="staff_import_list"),
    path("staff/imports/<int:pk>/", imports.import_detail, name="staff_import_detail"),
    path("staff/imports/<int:pk>/columns/", imports.import_columns, name="staff_import_columns"),
    path("staff/imports/<int:pk>/progress/", imports.import_progress, name="staff_import_progress"),
    path("staff/imports/<int:pk>/commit/", imports.import_commit, name="staff_import_commit"),
    path("staff/imports/<int:pk>/claims/", imports.import_claims, name="staff_import_claims"),
]
