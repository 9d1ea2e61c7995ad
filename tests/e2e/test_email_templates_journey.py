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


def _both_widths(page, screenshot, name):
    screenshot(name)
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(f"{name}-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
    page.set_viewport_size({"width": 1280, "height": 900})


def test_staff_write_to_a_segment_preview_send_and_read_it_on_the_member_file(page, screenshot):
    from communications.services.suppressions import unsubscribe, unsubscribe_token

    reader = MemberFactory(full_name="Quentin Alder", employer="City of Alderbrook")
    other = MemberFactory(full_name="Rosa Alder", employer="City of Alderbrook")
    opted_out = MemberFactory(full_name="Sam Optout", employer="City of Alderbrook")
    MemberFactory(full_name="Tess Elsewhere", employer="Town of Birch")
    unsubscribe(user=opted_out.user)
    sign_in_as_staff(page)

    # From the member search, filtered by employer, to the compose page with the same filters.
    page.goto(reverse("billing_staff:member_list"))
    page.get_by_text("More filters").click()
    page.get_by_label("Employer contains").fill("Alderbrook")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Write to these members").click()
    counted = page.locator(".segment-count").inner_text()
    assert "2 members will receive it." in counted
    assert "1 more matches but unsubscribed" in counted
    assert "Quentin Alder" in counted and "Tess Elsewhere" not in counted

    page.get_by_label("Subject").fill("Alderbrook members: the regional meeting")
    page.locator("#id_body_text").fill("Dear {{ member.display_name }},\n\nSee you on Friday.")
    page.get_by_label("Messages per minute").fill("120")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#preview").inner_text()
    assert "Dear " in preview and "Alder," in preview and "/unsubscribe/" in preview
    _both_widths(page, screenshot, "campaign-compose")
    page.get_by_label(re.compile("Yes, send this message")).check()
    page.get_by_role("button", name="Send", exact=True).click()

    page.wait_for_url(re.compile(r"/staff/communications/campaigns/\d+/$"))
    figures = page.locator("#campaign-figures")
    figures.filter(has_text="100 %").wait_for(timeout=20_000)
    assert "2 of 2 sent" in figures.inner_text()
    _both_widths(page, screenshot, "campaign-detail")
    page.goto(reverse("communications_staff:campaign_list"))
    assert "Alderbrook members: the regional meeting" in page.locator("table").inner_text()
    _both_widths(page, screenshot, "campaign-list")

    page.goto(reverse("billing_staff:member_detail", args=[reader.member_number]))
    messages = page.locator("section[aria-labelledby='messages-h']")
    messages.scroll_into_view_if_needed()
    assert "Alderbrook members: the regional meeting" in messages.inner_text()
    page.goto(reverse("billing_staff:member_detail", args=[opted_out.member_number]))
    history = page.locator("section[aria-labelledby='messages-h']").inner_text()
    assert "regional meeting" not in history

    # The unsubscribe page a member reaches from the message's link.
    page.context.clear_cookies()
    page.goto(reverse("communications:unsubscribe", args=[unsubscribe_token(other.user_id)]))
    _both_widths(page, screenshot, "unsubscribe-confirm")
    page.get_by_role("button", name="Unsubscribe").click()
    assert "You are unsubscribed" in page.locator("h1").inner_text()
    _both_widths(page, screenshot, "unsubscribe-done")
