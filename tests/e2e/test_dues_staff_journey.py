"""Acceptance 3 in Chromium: staff lower the small-community cap in a draft, preview the
impact, publish it from tomorrow, and find the change in the history."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import PASSWORD, MemberFactory, activate_membership, staff_user
from tests.totp import fresh_totp_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_code() -> str:
    return fresh_totp_code(TOTP_SECRET)


def sign_in_as_membership_staff(page):
    from allauth.mfa.models import Authenticator

    user = staff_user(groups=["Membership staff"])
    Authenticator.objects.filter(user=user).update(data={"secret": TOTP_SECRET})
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.locator("#id_code").fill(totp_code())
    page.get_by_role("button", name=re.compile("Sign In|Authenticate", re.I)).click()
    page.wait_for_url(re.compile(r"://[^/]+/(staff/)?$"))
    return user


def quote_total(page, on=None) -> int:
    query = "category=full&position=cao&salary=200000&population=3000&budget=2000000"
    if on:
        query += f"&on={on.isoformat()}"
    return page.request.get(f"/api/dues/quote?{query}").json()["total_cents"]


def test_staff_lower_the_small_community_cap_and_publish_it_from_tomorrow(page, screenshot):
    for salary in (150_000_00, 190_000_00, 250_000_00):
        activate_membership(
            MemberFactory(
                annual_salary_cents=salary,
                population=5_000,
                general_fund_budget_cents=4_000_000_00,
            )
        )
    activate_membership(MemberFactory(annual_salary_cents=160_000_00))  # a large city
    user = sign_in_as_membership_staff(page)
    tomorrow = timezone.localdate() + timedelta(days=1)

    page.get_by_role("link", name="Dues schedules").click()
    screenshot("dues-schedules")
    page.get_by_role("button", name=re.compile("New draft from")).click()
    page.wait_for_url(re.compile(r"/staff/dues/\d+/edit/"))
    page.locator("#id_discounts-0-replacement_cap").fill("800")
    screenshot("dues-edit-draft")
    page.get_by_role("button", name="Save the draft").click()
    page.wait_for_selector("text=The draft has been saved.")
    screenshot("dues-draft-saved")

    page.get_by_role("link", name="Preview the impact on members").click()
    assert page.locator('[data-stat="less"] .stat-value').inner_text() == "2"
    assert page.locator('[data-stat="same"] .stat-value').inner_text() == "2"
    assert (
        page.locator('[data-total="change"]').inner_text() == "−$280.00"
    )  # two members from $940 to $800
    assert page.locator("svg.chart rect").count() >= 1
    screenshot("dues-preview")

    page.get_by_role("link", name="Publish…").click()
    page.get_by_label("Effective from").fill(tomorrow.isoformat())
    page.get_by_role("button", name="Continue").click()
    screenshot("dues-publish-confirm")
    page.get_by_role("button", name="Yes, publish it").click()
    page.wait_for_selector("text=is published; it applies from")
    screenshot("dues-published")

    assert quote_total(page) == 940_00
    assert quote_total(page, on=tomorrow) == 800_00

    page.get_by_role("link", name="History").click()
    row = page.locator("tr", has_text="replacement cap")
    assert user.email in row.inner_text()
    assert "$940.00" in row.inner_text() and "$800.00" in row.inner_text()
    screenshot("dues-history")


def test_the_calculator_updates_live_as_a_visitor_types(page, screenshot):
    page.goto("/dues/")
    page.get_by_label("Membership category").select_option("full")
    page.get_by_label("Your position").select_option("acao")
    page.get_by_label("Annual salary (USD)").fill("120000")
    page.get_by_label("Jurisdiction population").fill("5000")
    page.get_by_label("General fund budget (USD)").fill("5000000")
    # Not wait_for_function: it evaluates a string, which the policy (rightly) refuses.
    expect(page.locator("[data-quote-total]")).to_have_text("$624.00", timeout=15_000)
    assert "Small community discount" in page.locator("[data-dues-result]").inner_text()
    screenshot("dues-calculator-live")


def test_the_calculator_posts_without_javascript(browser, live_server, screenshot):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto("/dues/")
        page.get_by_label("Membership category").select_option("full")
        page.get_by_label("Your position").select_option("cao")
        page.get_by_label("Annual salary (USD)").fill("220000")
        page.get_by_role("button", name="Calculate my dues").click()
        page.wait_for_selector("text=Capped at $1,200.00")
        assert page.locator("[data-quote-total]").inner_text() == "$1,200.00"
    finally:
        context.close()


def test_staff_find_the_schedule_in_effect_locked_and_edit_a_category(page, screenshot):
    sign_in_as_membership_staff(page)
    page.goto("/staff/dues/")
    page.get_by_role("link", name="ICMA dues from July 2026").click()
    assert "Clone it into a draft" in page.locator(".message-warning").inner_text()
    assert page.get_by_role("link", name="Edit rates and discounts").count() == 0
    screenshot("dues-schedule-in-effect")

    page.get_by_role("link", name="Categories").click()
    screenshot("dues-categories")
    page.get_by_role("link", name="Retired member").click()
    page.get_by_label("Who it is for").fill("Aged 55 or over and retired from full-time work.")
    screenshot("dues-category-edit")
    page.get_by_role("button", name="Save the category").click()
    page.wait_for_selector("text=“Retired member” was saved.")

    page.goto("/dues/")
    assert "Aged 55 or over and retired from full-time work." in page.content()
