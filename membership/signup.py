"""allauth's sign-up form, costing the same for a new address and a registered one."""

from allauth.account.forms import SignupForm
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
