from django.urls import path

from communications.views import staff_templates

app_name = "communications_staff"

urlpatterns = [
    path("templates/", staff_templates.template_list, name="template_list"),
    path("templates/<slug:key>/", staff_templates.template_edit, name="template_edit"),
    path(
        "templates/<slug:key>/revert/<int:version_id>/",
        staff_templates.template_revert_view,
        name="template_revert",
    ),
]
