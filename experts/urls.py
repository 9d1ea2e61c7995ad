from django.urls import path

from experts.views import member, staff_matching, staff_pool, staff_requests

app_name = "experts"

urlpatterns = [
    # The member's own pages: no ids in the URL except their own invitations.
    path("experts/", member.mine, name="mine"),
    path("experts/volunteer/", member.volunteer, name="volunteer"),
    path("experts/consent/", member.consent, name="consent"),
    path("experts/pause/", member.pause, name="pause"),
    path("experts/resume/", member.resume, name="resume"),
    path("experts/withdraw/", member.withdraw, name="withdraw"),
    path("experts/cv/", member.cv_own, name="cv"),
    path("experts/invitations/<int:pk>/", member.invitation, name="invitation"),
    # International programs staff.
    path("staff/experts/", staff_pool.overview, name="staff_overview"),
    path("staff/experts/search/", staff_pool.search, name="staff_search"),
    path("staff/experts/profiles/<int:pk>/", staff_pool.profile_detail, name="staff_profile"),
    path("staff/experts/profiles/<int:pk>/cv/", staff_pool.profile_cv, name="staff_profile_cv"),
    path("staff/experts/consent/", staff_pool.consent_texts, name="staff_consent"),
    path("staff/experts/exports/", staff_pool.exports_log, name="staff_exports"),
    path("staff/experts/requests/", staff_requests.request_list, name="staff_requests"),
    path("staff/experts/requests/new/", staff_requests.request_edit, name="staff_request_new"),
    path("staff/experts/requests/<int:pk>/", staff_requests.request_detail, name="staff_request"),
    path(
        "staff/experts/requests/<int:pk>/edit/",
        staff_requests.request_edit,
        name="staff_request_edit",
    ),
    path(
        "staff/experts/requests/<int:pk>/matches/",
        staff_matching.request_matches,
        name="staff_request_matches",
    ),
    path(
        "staff/experts/requests/<int:pk>/shortlist/",
        staff_requests.engagement_add,
        name="staff_shortlist",
    ),
    path(
        "staff/experts/requests/<int:pk>/engagements/<int:engagement_pk>/<slug:action>/",
        staff_requests.engagement_action,
        name="staff_engagement_action",
    ),
    path(
        "staff/experts/requests/<int:pk>/dossier.csv",
        staff_requests.dossier_csv,
        name="staff_dossier_csv",
    ),
    path(
        "staff/experts/requests/<int:pk>/dossier/",
        staff_requests.dossier_print,
        name="staff_dossier_print",
    ),
    path(
        "staff/experts/requests/<int:pk>/dossier.pdf",
        staff_requests.dossier_pdf,
        name="staff_dossier_pdf",
    ),
]
