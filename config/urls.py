from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.i18n import set_language

from membership.signup import EvenTimeSignupView
from membership.views.pages import home

# The admin signs in through allauth, so staff get the same rate limits and two-factor step.
admin.site.login = login_required(admin.site.login)
admin.site.site_header = "ICMA membership portal administration"
admin.site.site_title = "ICMA portal admin"

urlpatterns = [
    path("", home, name="home"),
    # The language switch in the footer posts here (CSRF-protected); it sets the language cookie.
    path("i18n/setlang/", set_language, name="set_language"),
    # Sign-up answers in even time for new and registered addresses (membership/signup.py).
    path("accounts/signup/", EvenTimeSignupView.as_view(), name="account_signup"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("staff/", include("billing.urls_staff")),
    path("staff/", include("reports.urls")),
    path("staff/communications/", include("communications.urls_staff")),
    path("", include("membership.urls")),
    path("", include("billing.urls")),
    path("", include("membership.dues_urls")),
    path("", include("experts.urls")),
    path("", include("billing.urls_stripe")),
    path("", include("ops.urls")),
    path("", include("privacy.urls")),
    path("", include("communications.urls")),
]
