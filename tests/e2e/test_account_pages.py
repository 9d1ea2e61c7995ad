"""A member manages the account from the header's "Account" link: e-mail, password, two-factor."""

import re

import pytest
from allauth.mfa.models import Authenticator

from tests.e2e.helpers import sign_in
from tests.factories import PASSWORD, MemberFactory
from tests.totp import fresh_totp_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _confirm_password_if_asked(page):
    if "reauthenticate/" in page.url:
        page.locator("#id_password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()


def test_a_member_turns_two_factor_on_and_off_from_the_account_pages(page, screenshot):
    member = MemberFactory(full_name="Maria Garcia")
    sign_in(page, member.user.email)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    page.wait_for_url(re.compile(r"/accounts/email/$"))
    account_nav = page.get_by_role("navigation", name="Account")
    assert account_nav.get_by_role("link", name="E-mail").get_attribute("aria-current") == "page"
    # The portal's own page: its header, card and button styles, not allauth's bare HTML.
    assert page.locator("header.site-header").count() == 1
    assert page.locator("form.card").count() >= 1
    assert page.locator("main button.button").count() >= 1
    screenshot("account-email")

    account_nav.get_by_role("link", name="Password").click()
    page.wait_for_url(re.compile(r"/accounts/password/change/$"))
    assert page.get_by_label("Current Password").count() == 1
    screenshot("account-password")

    account_nav.get_by_role("link", name="Two-factor authentication").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/$"))
    screenshot("account-two-factor-off")
    page.get_by_role("link", name="Activate").click()
    _confirm_password_if_asked(page)
    page.wait_for_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    screenshot("account-two-factor-activate")
    secret = page.locator("#authenticator_secret").input_value()
    code = fresh_totp_code(secret)
    page.get_by_label("Authenticator code").fill(code)
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/recovery-codes/"))
    screenshot("account-recovery-codes")
    assert Authenticator.objects.filter(user=member.user, type=Authenticator.Type.TOTP).exists()

    page.goto("/accounts/2fa/")
    page.get_by_role("link", name="Deactivate").click()
    _confirm_password_if_asked(page)
    page.wait_for_url(re.compile(r"/accounts/2fa/totp/deactivate/$"))
    deactivate = page.get_by_role("button", name="Deactivate")
    assert "button-danger" in deactivate.get_attribute("class")
    deactivate.click()
    page.wait_for_url(re.compile(r"/accounts/2fa/$"))
    assert not Authenticator.objects.filter(user=member.user, type=Authenticator.Type.TOTP).exists()
