"""allauth's sign-up form, costing the same for a new address and a registered one."""

import time

from allauth.account.forms import SignupForm
from allauth.account.views import SignupView
from django.conf import settings
from django.contrib.auth.hashers import make_password


class EvenCostSignupForm(SignupForm):
    """With ACCOUNT_PREVENT_ENUMERATION, a registered address gets the same page as a new one,
    but allauth skips creating the account, and with it hashing the password: the one slow
    step. Hashing it anyway (and throwing the hash away) makes both take as long, so the time
    does not tell registered addresses apart either."""

    def try_save(self, request):
        if self.account_already_exists:
            make_password(self.cleaned_data.get("password1", ""))
        return super().try_save(request)


class EvenTimeSignupView(SignupView):
    """A valid sign-up answers no sooner than SIGNUP_MIN_SECONDS after the form was accepted,
    whether it created an account or only e-mailed the owner of a registered address. The
    hash above evens out the one slow step; the floor evens out the rest (the account's rows
    and the verification e-mail), which would otherwise still tell the two apart on a busy
    server."""

    def form_valid(self, form):
        started = time.monotonic()
        try:
            return super().form_valid(form)
        finally:
            left = settings.SIGNUP_MIN_SECONDS - (time.monotonic() - started)
            if left > 0:
                time.sleep(left)
