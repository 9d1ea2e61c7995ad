from django.urls import path

from communications.views import staff_campaigns, staff_templates

app_name = "communications_staff"

urlpatterns = [
    path("templates/", staff_templates.template_list, name="template_list"),
    path("templates/<slug:key>/", staff_templates.template_edit, name="template_edit"),
    path(
        "templates/<slug:key>/revert/<int:version_id>/",
        staff_templates.template_revert_view,
        name="template_revert",
    ),
    path("campaigns/", staff_campaigns.campaign_list, name="campaign_list"),
    path("campaigns/new/", staff_campaigns.campaign_new, name="campaign_new"),
    path("campaigns/<int:campaign_id>/", staff_campaigns.campaign_detail, name="campaign_detail"),
    path(
        "campaigns/<int:campaign_id>/progress/",
        staff_campaigns.campaign_progress_json,
        name="campaign_progress",
    ),
    path(
        "campaigns/<int:campaign_id>/stop/",
        staff_campaigns.campaign_stop_view,
        name="campaign_stop",
    ),
]
