from django.urls import path

from membership.views import dues_public, dues_staff, dues_staff_more

app_name = "dues"

urlpatterns = [
    path("dues/", dues_public.dues_calculator, name="calculator"),
    path("api/dues/quote", dues_public.dues_quote_api, name="quote_api"),
    path("staff/dues/", dues_staff.schedule_list, name="staff_schedules"),
    path("staff/dues/history/", dues_staff_more.audit_history, name="staff_history"),
    path("staff/dues/categories/", dues_staff_more.category_list, name="staff_categories"),
    path(
        "staff/dues/categories/<int:pk>/edit/",
        dues_staff_more.category_edit,
        name="staff_category_edit",
    ),
    path("staff/dues/<int:pk>/", dues_staff.schedule_detail, name="staff_schedule"),
    path("staff/dues/<int:pk>/edit/", dues_staff.schedule_edit, name="staff_schedule_edit"),
    path("staff/dues/<int:pk>/clone/", dues_staff.schedule_clone_view, name="staff_schedule_clone"),
    path(
        "staff/dues/<int:pk>/preview/", dues_staff.schedule_preview, name="staff_schedule_preview"
    ),
    path(
        "staff/dues/<int:pk>/preview/<int:run_id>/progress/",
        dues_staff.schedule_preview_progress,
        name="staff_schedule_preview_progress",
    ),
    path(
        "staff/dues/<int:pk>/publish/",
        dues_staff.schedule_publish_view,
        name="staff_schedule_publish",
    ),
    path("staff/dues/<int:pk>/delete/", dues_staff.schedule_delete, name="staff_schedule_delete"),
]
