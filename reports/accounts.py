"""Where people land after signing in: staff on their work queue, members on the home page."""

from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse

from membership.permissions import user_is_international_staff, user_is_membership_staff


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        user = request.user
        if user_is_membership_staff(user) or user_is_international_staff(user):
            return reverse("reports:staff_home")
        return super().get_login_redirect_url(request)
