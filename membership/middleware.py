from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from membership.permissions import TwoFactorRequired, user_needs_two_factor

__all__ = ["StaffTwoFactorMiddleware", "user_needs_two_factor"]

STAFF_PATH_PREFIXES = ("/staff/", "/admin/")

TWO_FACTOR_MESSAGE = (
    "Staff screens need two-factor authentication. Set up an authenticator app below, then "
    "open the staff page again."
)


class StaffTwoFactorMiddleware:
    """Sends staff without TOTP to set it up before any staff page or the admin opens.

    The prefixes are a first wall only: data shown outside them (a member's page, an invoice)
    is guarded by the access rules in membership/permissions.py, which raise
    `TwoFactorRequired`; this middleware answers that with the same redirect. `path_info` is
    the path inside the site, so the check holds when the portal is mounted under a prefix
    (SCRIPT_NAME), where `path` would start with that prefix instead."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(STAFF_PATH_PREFIXES) and user_needs_two_factor(
            request.user
        ):
            return self._to_setup(request)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, TwoFactorRequired):
            return self._to_setup(request)
        return None

    @staticmethod
    def _to_setup(request):
        messages.warning(request, TWO_FACTOR_MESSAGE)
        return redirect(reverse("mfa_activate_totp"))
