from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from membership.permissions import user_group_names

STAFF_PATH_PREFIXES = ("/staff/", "/admin/")


def user_needs_two_factor(user) -> bool:
    """Staff (Django `is_staff`, superusers or any staff group member) must have TOTP set up."""
    if not settings.STAFF_REQUIRE_2FA or not user.is_authenticated:
        return False
    is_staffish = user.is_staff or user.is_superuser or bool(user_group_names(user))
    if not is_staffish:
        return False
    from allauth.mfa.models import Authenticator

    return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class StaffTwoFactorMiddleware:
    """Sends staff without TOTP to set it up before any staff page or the admin opens."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(STAFF_PATH_PREFIXES) and user_needs_two_factor(request.user):
            from django.contrib import messages

            messages.warning(
                request,
                "Staff screens need two-factor authentication. Set up an authenticator app "
                "below, then open the staff page again.",
            )
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
