"""Membership staff sign in with two-factor, find a member, record a cheque: in Chromium."""

import re

import pytest

from billing.models import InvoiceStatus
from membership.models import Membership, Status
from membership.money import cents_to_dollars, format_cents
from membership.services.lifecycle import waiver_request
from tests.e2e.helpers import sign_in_as_staff
from tests.factories import MemberFactory, issue_invoice

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_staff_find_a_member_and_record_the_cheque(page, screenshot):
    member = MemberFactory(full_name="Riley Okafor", employer="Village of Juniper Falls")
    invoice = issue_invoice(member)
    MemberFactory(full_name="Riley Someone-Else", employer="Town of Elsewhere")
    sign_in_as_staff(page)

    page.get_by_role("link", name="Members", exact=True).click()
    page.get_by_label("Search").fill("Juniper")
    page.get_by_role("button", name="Search").click()
    screenshot("staff-member-search")
    results = page.locator("table tbody tr")
    assert results.count() == 1
    assert "Pending payment" in results.inner_text()

    page.get_by_role("link", name="Riley Okafor").click()
    page.wait_for_url(re.compile(rf"/staff/members/{member.member_number}/$"))
    screenshot("staff-member-page-pending")
    page.get_by_role("link", name="Record a cheque").first.click()

    amount = page.get_by_label("Amount (USD)")
    assert amount.input_value() == str(cents_to_dollars(invoice.total_cents))
    # A cheque for part of the amount: recorded, the rest stays due, no term starts yet.
    page.get_by_label("Cheque number").fill("004511")
    amount.fill("100")
    page.get_by_role("button", name="Record the cheque").click()
    page.wait_for_url(re.compile(rf"/staff/members/{member.member_number}/$"))
    balance = format_cents(invoice.total_cents - 100_00)
    page.wait_for_selector(f"text={balance} is still due")
    screenshot("staff-record-cheque-partial")
    assert Membership.objects.get(member=member).paid_through_on is None

    page.get_by_role("link", name="Record a cheque").first.click()
    assert amount.input_value() == str(cents_to_dollars(invoice.total_cents - 100_00))
    page.get_by_label("Cheque number").fill("004512")
    page.get_by_role("button", name="Record the cheque").click()
    page.wait_for_url(re.compile(rf"/staff/members/{member.member_number}/$"))
    page.wait_for_selector("text=Cheque 004512 for")
    screenshot("staff-member-page-active")
    assert page.locator(".page-title .badge").inner_text() == "Active"
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("staff-member-page-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # tables scroll inside
    page.goto("/staff/members/?q=Riley")
    screenshot("staff-member-search-phone")

    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert Membership.objects.get(member=member).status == Status.ACTIVE


def test_staff_approve_a_waiver_and_cancel_an_invoice(page, screenshot):
    waiting = MemberFactory(full_name="Quinn Transition")
    waiver_request(member=waiting, reason="The council eliminated the assistant manager post.")
    owing = MemberFactory(full_name="Harper Owing")
    invoice = issue_invoice(owing)
    sign_in_as_staff(page)

    page.goto("/staff/waivers/")
    screenshot("staff-waiver-queue")
    page.get_by_role("button", name=re.compile("Approve")).click()
    page.wait_for_selector("text=Waiver approved for Quinn Transition")
    screenshot("staff-waiver-approved")

    page.goto(f"/staff/invoices/{invoice.number}/")
    screenshot("staff-invoice")
    page.get_by_role("link", name="Cancel the invoice").click()
    page.get_by_role("button", name=f"Cancel invoice {invoice.number}").click()
    page.wait_for_selector("text=Say why the invoice is cancelled.")
    screenshot("staff-cancel-invoice-errors")
    page.get_by_label("Reason").fill("Member asked to withdraw the application")
    page.get_by_label(re.compile("Yes, cancel this invoice")).check()
    page.get_by_role("button", name=f"Cancel invoice {invoice.number}").click()
    page.wait_for_selector(f"text=Invoice {invoice.number} is cancelled")
    screenshot("staff-member-page-cancelled")

    page.goto("/staff/members/?q=zzz-nobody")
    screenshot("staff-member-search-empty")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.CANCELLED
