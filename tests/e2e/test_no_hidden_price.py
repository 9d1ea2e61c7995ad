"""The price a small-community manager sees on /dues/ is the price at join and at renewal,
a withheld discount is named, and "Change something" keeps what was typed: in Chromium."""

import datetime as dt
import re

import pytest
import time_machine

from billing.models import Invoice
from tests.e2e.helpers import sign_in
from tests.factories import MemberFactory, pay_invoice

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

JOIN_DAY = dt.datetime(2026, 9, 14, 14, 0, tzinfo=dt.UTC)
RENEW_DAY = dt.datetime(2027, 7, 20, 14, 0, tzinfo=dt.UTC)


def small_town_cao():
    return MemberFactory(
        full_name="Robin Hale",
        position="cao",
        annual_salary_cents=150_000_00,
        population=5_000,
        general_fund_budget_cents=5_000_000_00,
    )


def fill_facts(page, *, attest: bool):
    page.get_by_label(re.compile("Full member")).check()
    page.get_by_label("Annual salary (USD)").fill("150000")
    page.get_by_label("Jurisdiction population").fill("5000")
    page.get_by_label("General fund budget (USD)").fill("5000000")
    box = page.locator("input[name=small_community_attested]")
    box.check() if attest else box.uncheck()


def test_calculator_join_and_renewal_in_installments_quote_the_same(page, screenshot):
    member = small_town_cao()
    with time_machine.travel(JOIN_DAY):
        page.goto("/dues/")
        page.locator("select[name=category]").select_option("full")
        page.locator("select[name=position]").select_option("cao")
        page.locator("input[name=salary]").fill("150000")
        page.locator("input[name=population]").fill("5000")
        page.locator("input[name=budget]").fill("5000000")
        page.get_by_role("button", name="Calculate my dues").click()
        page.wait_for_selector("[data-quote-total]")
        assert page.locator("[data-quote-total]").first.inner_text() == "$780.00"
        screenshot("price-calculator")

        sign_in(page, member.user.email)
        page.goto("/membership/join/")
        fill_facts(page, attest=True)
        page.get_by_role("button", name="Review my dues").click()
        assert page.locator("[data-testid=quote-total]").inner_text() == "$780.00"
        assert page.locator("[aria-current=step]").inner_text() == "2. Review your dues"
        page.get_by_role("button", name="Confirm and get my invoice").click()
        page.wait_for_url(re.compile(r"/billing/invoices/INV-\d{4}-\d{6}/$"))
        joined = Invoice.objects.get(member=member)
        assert joined.total_cents == 780_00
        pay_invoice(joined, on=JOIN_DAY.date())

    with time_machine.travel(RENEW_DAY):
        sign_in(page, member.user.email)
        page.goto("/membership/renew/")
        # The confirmation given at join is remembered and ticked again.
        assert page.locator("input[name=small_community_attested]").is_checked()
        page.get_by_label(re.compile("3 installments")).check()
        page.get_by_role("button", name="Review my dues").click()
        assert page.locator("[data-testid=quote-total]").inner_text() == "$780.00"
        plan = page.locator("[data-testid=installment-plan]").inner_text()
        assert plan.count("$260.00") == 3
        screenshot("price-renew-review")
        page.set_viewport_size({"width": 390, "height": 844})
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot("price-renew-review-390")
        page.set_viewport_size({"width": 1280, "height": 900})
        page.get_by_role("button", name="Confirm and get my invoice").click()
        page.wait_for_url(re.compile(r"/billing/invoices/INV-\d{4}-\d{6}/$"))
        renewal = Invoice.objects.get(member=member, kind="renewal")
        assert renewal.total_cents == 780_00
        parts = renewal.installments.order_by("number").values_list("amount_cents", flat=True)
        assert list(parts) == [260_00, 260_00, 260_00]


def test_withdrawn_confirmation_is_explained_and_change_something_keeps_the_facts(page, screenshot):
    member = small_town_cao()
    sign_in(page, member.user.email)
    page.goto("/membership/join/")
    fill_facts(page, attest=False)
    page.get_by_role("button", name="Review my dues").click()
    notice = page.locator("[data-testid=withheld]")
    assert "A discount of $195.00 is withheld" in notice.inner_text()
    assert "did not confirm" in notice.inner_text()
    assert page.locator("[data-testid=quote-total]").inner_text() == "$975.00"
    screenshot("price-withheld")

    page.get_by_role("button", name="Change something").click()
    assert page.locator("[aria-current=step]").inner_text() == "1. Your facts"
    assert page.get_by_label("Jurisdiction population").input_value() == "5000"
    assert page.get_by_label(re.compile("Full member")).is_checked()
    page.get_by_label("Annual salary (USD)").fill("120000")
    page.locator("input[name=small_community_attested]").check()
    screenshot("price-change-something")
    page.get_by_role("button", name="Review my dues").click()
    assert page.locator("[data-testid=quote-total]").inner_text() == "$624.00"


def test_the_calculator_clears_a_stale_error_and_joins_with_the_facts_typed(page, screenshot):
    member = MemberFactory(full_name="Sam Ortiz", annual_salary_cents=None, population=None)
    sign_in(page, member.user.email)
    page.goto("/dues/")
    page.get_by_role("button", name="Calculate my dues").click()
    category_group = page.locator(".field", has=page.locator("select[name=category]"))
    assert "Choose a membership category." in category_group.inner_text()

    page.locator("select[name=category]").select_option("full")
    assert "Choose a membership category." not in category_group.inner_text()
    page.locator("select[name=position]").select_option("cao")
    page.locator("input[name=salary]").fill("150000")
    page.locator("input[name=population]").fill("5000")
    page.locator("input[name=budget]").fill("5000000")
    expect_total = page.locator("[data-quote-total]")
    expect_total.filter(has_text="$780.00").wait_for()
    screenshot("calculator-join-link")

    page.locator("[data-join-link]").click()
    page.wait_for_url(re.compile(r"/membership/join/\?"))
    assert float(page.locator("input[name=annual_salary]").input_value().replace(",", "")) == 150000
    assert page.locator("input[name=population]").input_value() == "5000"
    assert page.get_by_label(re.compile("Full member")).is_checked()
