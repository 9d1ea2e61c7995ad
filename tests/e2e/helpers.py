"""Signing in through the real login pages, for browser tests."""

import re

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import generate_totp_secret

from tests.factories import PASSWORD, staff_user
from tests.totp import fresh_totp_code


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"://[^/]+/(staff/)?$"))


def sign_in_as_staff(page, groups=("Membership staff",)):
    """A staff user with a real authenticator, signed in through both steps."""
    user = staff_user(groups=list(groups))
    secret = generate_totp_secret()
    Authenticator.objects.filter(user=user).update(data={"secret": secret})
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    code = fresh_totp_code(secret)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"://[^/]+/(staff/)?$"))
    return user
