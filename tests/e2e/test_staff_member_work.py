"""Membership staff do a member's work in Chromium: add a member by hand, change their dues
facts, issue the renewal invoice on their behalf and correct a term's dates."""

import datetime as dt
import re

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from django.utils.formats import date_format

from billing.models import Invoice
from membership.dates import add_months
from membership.models import AuditEntry, Member, Membership, MembershipTerm
from tests.e2e.helpers import sign_in, sign_in_as_staff
from tests.factories import PASSWORD, activate_membership

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_staff_add_a_member_edit_facts_renew_for_them_and_adjust_a_term(page, screenshot):
    sign_in_as_staff(page)
    today = timezone.localdate()

    # Add the member by hand; the claim e-mail is offered, ticked.
    page.goto("/staff/members/")
    page.get_by_role("link", name="Add a member…").click()
    page.get_by_label(re.compile(r"^E-mail")).fill("dana.whitlock@cedarbluff.gov")
    page.get_by_label("Full name").fill("Dana Whitlock")
    page.get_by_label("Position").select_option("cao")
    page.get_by_label("Employer or jurisdiction").fill("City of Cedar Bluff")
    page.get_by_label("Jurisdiction population").fill("6,400")
    page.get_by_label("General fund budget (USD)").fill("abc")
    page.get_by_label("Annual salary (USD)").fill("140,000")
    assert page.get_by_label(re.compile("E-mail the member a link")).is_checked()
    page.get_by_role("button", name="Add the member").click()
    page.wait_for_selector("text=Enter an amount in US dollars")
    screenshot("staff-member-new-error")
    # Nothing typed is lost.
    assert page.get_by_label("Employer or jurisdiction").input_value() == "City of Cedar Bluff"
    page.get_by_label("General fund budget (USD)").fill("6,900,000")
    page.get_by_role("button", name="Add the member").click()
    page.wait_for_selector("text=The claim e-mail is on its way")
    member = Member.objects.get(full_name="Dana Whitlock")
    page.wait_for_url(re.compile(rf"/staff/members/{member.member_number}/$"))
    screenshot("staff-member-new-done")

    # A second account for the same address is refused, pointing at this one.
    page.goto("/staff/members/new/")
    page.get_by_label(re.compile(r"^E-mail")).fill("DANA.WHITLOCK@cedarbluff.gov")
    page.get_by_label("Full name").fill("Dana W.")
    page.get_by_label("Position").select_option("cao")
    page.get_by_role("button", name="Add the member").click()
    duplicate = page.get_by_test_id("duplicate-member")
    assert member.member_number in duplicate.inner_text()
    screenshot("staff-member-new-duplicate")
    duplicate.get_by_role("link").click()
    page.wait_for_url(re.compile(rf"/staff/members/{member.member_number}/$"))

    # The member has a term ending in five weeks (say, from the old system).
    activate_membership(member, category="full", end_on=today + dt.timedelta(days=35))

    # Edit the dues facts: the salary rose.
    page.reload()
    page.get_by_role("link", name="Edit profile and dues facts…").click()
    salary = page.get_by_label("Annual salary (USD)")
    assert salary.input_value() == "140000.00"
    salary.fill("150,000")
    screenshot("staff-member-edit")
    page.get_by_role("button", name="Save the changes").click()
    page.wait_for_selector("text=will see on their profile")
    changes = page.locator("#staff-changes-h").locator("xpath=..")
    assert "changed (amount not recorded)" in changes.inner_text()
    assert AuditEntry.objects.filter(action="staff_update", object_id=str(member.pk)).exists()

    # Issue the renewal on the member's behalf: review the quote, then issue.
    page.get_by_role("link", name="Issue a renewal invoice…").click()
    assert page.get_by_label("Annual salary (USD)").input_value() == "150000.00"
    page.get_by_label(re.compile("The member confirms")).check()
    page.get_by_label("E-mail the invoice to the member").uncheck()
    screenshot("staff-member-invoice-facts")
    page.get_by_role("button", name="Review the dues").click()
    total = page.get_by_test_id("quote-total").inner_text()
    assert total == "$780.00"  # 0.52 % of $150,000: the small-community rate
    assert "Small community" in page.get_by_test_id("quote-lines").inner_text()
    screenshot("staff-member-invoice-review")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("staff-member-invoice-review-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Issue the invoice for $780.00").click()
    page.wait_for_selector("text=it was not e-mailed")
    invoice = Invoice.objects.get(member=member)
    assert invoice.kind == "renewal" and invoice.total_cents == 780_00
    screenshot("staff-member-invoice-issued")

    # Correct the term's dates: the old system had the end a month short.
    term = MembershipTerm.objects.get(membership__member=member, status="active")
    new_end = add_months(term.end_on, 1)
    page.goto(f"/staff/members/{member.member_number}/")
    page.get_by_role("link", name="Adjust dates").click()
    page.get_by_label("Ends on").fill(new_end.isoformat())
    page.get_by_role("button", name="Review the change").click()
    page.wait_for_selector("text=Say why the dates change.")
    page.get_by_label("Reason").fill("The old system cut the term a month short.")
    page.get_by_role("button", name="Review the change").click()
    preview = page.get_by_test_id("term-preview").inner_text()
    assert date_format(new_end) in preview
    screenshot("staff-term-dates-review")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("staff-term-dates-review-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Save the new dates").click()
    page.wait_for_selector("text=The term now runs from")
    assert (
        "The old system cut the term a month short."
        in page.locator("#terms-h").locator("xpath=..").inner_text()
    )
    screenshot("staff-member-after-work")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("staff-member-after-work-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    assert Membership.objects.get(member=member).paid_through_on == new_end

    # The member, signed in, is told that staff changed their facts.
    member.user.set_password(PASSWORD)
    member.user.save()
    EmailAddress.objects.filter(user=member.user).update(verified=True)
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, member.user.email)
    page.goto("/profile/")
    notice = page.get_by_test_id("staff-change-notice").inner_text()
    assert "Your salary and community facts were updated by ICMA membership staff" in notice
    screenshot("member-profile-staff-change")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/membership/")
    assert page.get_by_test_id("staff-change-notice").is_visible()
    screenshot("member-dashboard-staff-change-phone")
