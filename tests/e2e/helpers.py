"""Signing in through the real login pages, for browser tests."""

import re
import time

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, generate_totp_secret, hotp_value

from tests.factories import PASSWORD, staff_user


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/$"))


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
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/$"))
    return user
