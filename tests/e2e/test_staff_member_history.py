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


def test_staff_see_a_members_messages_and_resend_a_failed_one(page):
    from django.core import mail
    from django.utils import timezone

    from communications.models import MessageState, OutgoingMessage

    member = MemberFactory(full_name="Morgan O'Brien", employer="Town of Eastfield")
    invoice = issue_invoice(member)  # its invoice e-mail goes through the outbox
    failed = OutgoingMessage.objects.create(
        to=member.user.email,
        user=member.user,
        template="billing/email/receipt",
        subject=f"Your ICMA receipt for {invoice.number}",
        body_text="Thank you.",
        state=MessageState.FAILED,
        attempts=8,
        last_error="SMTPRecipientsRefused: 452 mailbox temporarily over quota",
        next_attempt_at=timezone.now(),
    )
    sign_in_as_staff(page)
    page.goto(reverse("billing_staff:member_detail", args=[member.member_number]))
    section = page.locator("section[aria-labelledby='messages-h']")
    section.scroll_into_view_if_needed()
    text = section.inner_text()
    assert f"ICMA invoice {invoice.number}" in text
    assert "452 mailbox temporarily over quota" in text
    section.screenshot(path=str(SCREENSHOT_DIR / "staff-member-messages.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    section.screenshot(path=str(SCREENSHOT_DIR / "staff-member-messages-phone.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    mail.outbox.clear()
    section.get_by_role("button", name="Resend").click()
    page.wait_for_url(re.compile(rf"/staff/members/{member.member_number}/"))
    assert "is queued again" in page.locator("main").inner_text()
    failed.refresh_from_db()
    assert failed.state == MessageState.SENT
    assert [m.subject for m in mail.outbox] == [failed.subject]
