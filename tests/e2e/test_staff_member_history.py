"""Membership staff read a member's history after recording a cheque: in Chromium."""

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from membership.money import cents_to_dollars
from tests.conftest import SCREENSHOT_DIR
from tests.e2e.helpers import sign_in_as_staff
from tests.factories import MemberFactory, issue_invoice

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="history triggers need PostgreSQL"
    ),
]


def test_staff_see_who_changed_what_in_the_history(page, screenshot):
    member = MemberFactory(full_name="Avery Lindqvist", employer="City of Harbour Point")
    invoice = issue_invoice(member)
    staff = sign_in_as_staff(page)

    page.goto(reverse("billing_staff:invoice_record_payment", args=[invoice.number]))
    page.get_by_label("Cheque number").fill("008812")
    page.get_by_label("Amount (USD)").fill(str(cents_to_dollars(invoice.total_cents)))
    page.get_by_role("button", name="Record the cheque").click()
    page.wait_for_url(re.compile(rf"/staff/members/{member.member_number}/$"))
    # A year and more later the daily job moves the membership on by a bulk update.
    call_command(
        "membership_daily",
        on=(dt.date.today() + dt.timedelta(days=370)).isoformat(),
        stdout=io.StringIO(),
    )

    page.reload()
    history = page.locator("section[aria-labelledby='history-h']")
    history.scroll_into_view_if_needed()
    text = history.inner_text()
    assert "daily job" in text
    assert staff.email in text
    assert "008812" in text
    screenshot("staff-member-history")
    history.screenshot(path=str(SCREENSHOT_DIR / "staff-member-history-section.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("staff-member-history-phone")
    history.screenshot(path=str(SCREENSHOT_DIR / "staff-member-history-section-phone.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
