"""Staff edit the 30-day reminder, preview it for a member, save it; the daily job sends it
and the member's file lists it: in Chromium."""

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.e2e.helpers import sign_in_as_staff
from tests.factories import MemberFactory, activate_membership

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_staff_edit_preview_and_save_a_template_then_read_it_on_the_member_file(page, screenshot):
    end = dt.date.today() + dt.timedelta(days=40)
    member = activate_membership(MemberFactory(full_name="Imogen Tarrant"), end_on=end)
    sign_in_as_staff(page)

    page.goto(reverse("communications_staff:template_list"))
    page.get_by_role("link", name="Renewal reminder, 30 days before").click()
    page.get_by_label("Subject").fill("{{ member.display_name }}: {{ days_left }} days to renew")
    page.get_by_label("Preview for member number").fill(member.member_number)
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#preview")
    assert "Imogen Tarrant: 30 days to renew" in preview.inner_text()
    screenshot("template-editor")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("template-editor-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})

    # A variable outside the list is refused with a message; nothing is saved.
    body = page.get_by_label("Plain-text body")
    good_body = body.input_value()
    body.fill("{{ member.user.password }}")
    page.get_by_role("button", name="Save as the version in use").click()
    assert "cannot be used in this template" in page.get_by_role("alert").inner_text()
    body.fill(good_body)
    page.get_by_role("button", name="Save as the version in use").click()
    assert "Saved." in page.locator("body").inner_text()
    assert "(in use)" in page.locator("section[aria-labelledby='versions-h']").inner_text()

    call_command(
        "membership_daily", on=(end - dt.timedelta(days=30)).isoformat(), stdout=io.StringIO()
    )
    page.goto(reverse("billing_staff:member_detail", args=[member.member_number]))
    page.wait_for_url(re.compile(rf"/staff/members/{member.member_number}/$"))
    messages = page.locator("section[aria-labelledby='messages-h']")
    messages.scroll_into_view_if_needed()
    assert "Imogen Tarrant: 30 days to renew" in messages.inner_text()
    screenshot("template-member-file-messages")
