"""A member joins and later renews by cheque; staff record both cheques: in Chromium."""

import datetime as dt
import re

import pytest
import time_machine

from membership.dates import add_months
from membership.models import Membership, MembershipTerm, TermStatus
from tests.e2e.helpers import sign_in, sign_in_as_staff
from tests.factories import MemberFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

JOIN_DAY = dt.datetime(2026, 9, 14, 14, 0, tzinfo=dt.UTC)
RENEW_DAY = dt.datetime(2027, 7, 20, 14, 0, tzinfo=dt.UTC)  # 56 days before the end


def choose_and_confirm(page, screenshot, name):
    screenshot(f"{name}-form")
    page.get_by_label(re.compile("Full member")).check()
    page.get_by_role("button", name="Review my dues").click()
    page.wait_for_selector("[data-testid=quote-total]")
    screenshot(f"{name}-quote")
    total = page.locator("[data-testid=quote-total]").inner_text()
    page.get_by_role("button", name="Confirm and get my invoice").click()
    page.wait_for_url(re.compile(r"/billing/invoices/INV-\d{4}-\d{6}/$"))
    screenshot(f"{name}-invoice")
    return total, page.url.rstrip("/").rsplit("/", 1)[-1]


def record_cheque(staff_page, screenshot, member, number, cheque, name):
    staff_page.goto(f"/staff/members/{member.member_number}/")
    staff_page.get_by_role("link", name="Record a cheque").first.click()
    staff_page.get_by_label("Cheque number").fill(cheque)
    staff_page.get_by_role("button", name="Record the cheque").click()
    staff_page.wait_for_url(re.compile(rf"/staff/members/{member.member_number}/$"))
    screenshot(f"{name}-staff-recorded")


def test_join_pay_by_cheque_then_renew_inside_the_window(browser, live_server, screenshot, page):
    member = MemberFactory(full_name="Morgan Ellis", annual_salary_cents=150_000_00)
    staff_context = browser.new_context(base_url=live_server.url)
    staff_page = staff_context.new_page()
    try:
        with time_machine.travel(JOIN_DAY):
            sign_in(page, member.user.email)
            page.get_by_role("link", name="My membership").click()
            screenshot("journey-dashboard-new")
            page.get_by_role("link", name="Join ICMA").last.click()
            total, number = choose_and_confirm(page, screenshot, "journey-join")
            assert total == "$975.00"
            assert page.locator("[data-testid=invoice-status]").inner_text() == "Open"

            sign_in_as_staff(staff_page)
            record_cheque(staff_page, screenshot, member, number, "100234", "journey-join")

            page.goto("/membership/")
            screenshot("journey-dashboard-active")
            assert page.locator("[data-testid=membership-status]").inner_text() == "Active"
            first_end = add_months(JOIN_DAY.date(), 12)
            assert (
                first_end.strftime("%B %-d, %Y")
                in page.locator("[data-testid=paid-through]").inner_text()
            )
            page.get_by_role("link", name="View").first.click()
            assert page.locator("[data-testid=receipt-paid]").inner_text() == "$975.00"
            screenshot("journey-receipt")

        with time_machine.travel(RENEW_DAY):
            sign_in(page, member.user.email)  # the old session has expired by now
            page.goto("/membership/")
            page.get_by_role("link", name="Renew my membership").click()
            _total, renewal = choose_and_confirm(page, screenshot, "journey-renew")
            assert renewal != number

            sign_in_as_staff(staff_page)
            record_cheque(staff_page, screenshot, member, renewal, "100987", "journey-renew")

            page.goto("/membership/")
            screenshot("journey-dashboard-renewed")
            second_end = add_months(first_end, 12)
            assert (
                second_end.strftime("%B %-d, %Y")
                in page.locator("[data-testid=paid-through]").inner_text()
            )
    finally:
        staff_context.close()

    terms = MembershipTerm.objects.filter(membership__member=member, status=TermStatus.ACTIVE)
    assert sorted((t.start_on, t.end_on) for t in terms) == [
        (JOIN_DAY.date(), first_end),
        (first_end, second_end),
    ]
    assert Membership.objects.get(member=member).paid_through_on == second_end
