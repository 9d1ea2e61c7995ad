"""Sign up, verify by the e-mailed link, log in, edit the profile: in a real Chromium."""

import re

import pytest
from django.core import mail

from membership.models import Member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_signup_verify_login_and_edit_profile(page, screenshot):
    page.goto("/accounts/signup/")
    page.get_by_label("Email").fill("casey.newmember@example.org")
    page.locator("#id_password1").fill("a-long-passphrase-2026")
    page.locator("#id_password2").fill("a-long-passphrase-2026")
    page.get_by_label("Full name").fill("Casey Newmember")
    page.get_by_label("Position").select_option("acao")
    page.get_by_label("Employer or jurisdiction").fill("Town of Oak Grove")
    screenshot("signup-form")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/"))
    assert "verify" in page.content().lower()

    confirmation = next(m for m in mail.outbox if "casey.newmember@example.org" in m.to)
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", confirmation.body).group(0)
    page.goto(link)
    screenshot("confirm-email")
    page.get_by_role("button", name="Confirm").click()

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("casey.newmember@example.org")
    page.locator("#id_password").fill("a-long-passphrase-2026")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/$"))
    assert "Welcome, Casey Newmember" in page.content()
    screenshot("home-member")

    page.goto("/profile/")
    page.get_by_label("Annual salary (USD)").fill("131,500")
    page.get_by_label("Jurisdiction population").fill("7500")
    page.get_by_label("Job title").fill("Deputy Town Manager")
    page.get_by_role("button", name="Save profile").click()
    page.wait_for_selector("text=Your profile has been saved.")
    screenshot("profile-saved")
    assert page.get_by_label("Job title").input_value() == "Deputy Town Manager"
    assert page.get_by_label("Annual salary (USD)").input_value() == "131500.00"

    member = Member.objects.get(user__email="casey.newmember@example.org")
    assert member.annual_salary_cents == 131_500_00
    assert member.population == 7500
    # The welcome e-mail follows the verification (Celery runs eagerly in this test).
    assert any("Welcome to ICMA" in m.subject for m in mail.outbox)


def test_profile_errors_are_shown_in_the_browser(page, screenshot):
    from tests.factories import PASSWORD, MemberFactory

    member = MemberFactory()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(member.user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/profile/")
    page.get_by_label("Annual salary (USD)").fill("-12")
    page.get_by_role("button", name="Save profile").click()
    page.wait_for_selector("text=The amount cannot be negative.")
    screenshot("profile-error")
    assert page.get_by_label("Annual salary (USD)").input_value() == "-12"
