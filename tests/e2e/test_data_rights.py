"""A member downloads their data and closes their account in Chromium; staff produce a
member's data and close an account on request."""

import json
import re
import zipfile

import pytest

from privacy.models import AccountClosure, DataDownload
from tests.e2e.helpers import sign_in, sign_in_as_staff
from tests.factories import PASSWORD
from tests.privacy.helpers import make_marked_member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _both_widths(page, screenshot, name):
    screenshot(f"{name}-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(f"{name}-390")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_member_downloads_the_zip_and_closes_the_account(page, screenshot, tmp_path):
    marked = make_marked_member(tag="e2e1")
    sign_in(page, marked.email)

    page.goto("/profile/")
    page.get_by_role("link", name="Your data: download it or close your account").click()
    page.wait_for_url(re.compile(r"/privacy/$"))
    _both_widths(page, screenshot, "privacy-home")

    with page.expect_download() as info:
        page.get_by_role("link", name="Download my data (ZIP)").click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    assert target.name.startswith(f"icma-data-{marked.member.member_number}-")
    with zipfile.ZipFile(target) as archive:
        invoices = json.loads(archive.read("invoices.json"))
        assert [row["number"] for row in invoices] == [marked.invoice.number]
        assert json.loads(archive.read("expert_profile.json"))["id"] == marked.profile.pk
        assert json.loads(archive.read("terms.json"))
        assert any(marked.name in m["subject"] for m in json.loads(archive.read("messages.json")))
    assert DataDownload.objects.filter(member=marked.member).count() == 1

    page.get_by_role("link", name="Close my account…").click()
    page.wait_for_url(re.compile(r"/privacy/close/$"))
    _both_widths(page, screenshot, "privacy-close")
    field = page.get_by_label("Type your e-mail address or the word CLOSE to confirm")
    field.fill("not me")
    page.get_by_role("button", name="Close my account and erase my data").click()
    assert page.get_by_text("your account is still open").is_visible()
    screenshot("privacy-close-error-1280")
    assert not AccountClosure.objects.exists()
    page.get_by_label("Type your e-mail address or the word CLOSE to confirm").fill("CLOSE")
    page.get_by_role("button", name="Close my account and erase my data").click()
    page.wait_for_url(re.compile(r"/privacy/closed/$"))
    _both_widths(page, screenshot, "privacy-closed")
    assert AccountClosure.objects.filter(member=marked.member).exists()

    # The login page no longer lets them in.
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(marked.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()
    assert "/accounts/login/" in page.url
    assert page.get_by_text("not correct").count() or page.get_by_role("alert").count()


def test_staff_produce_the_data_and_close_on_request(page, screenshot, tmp_path):
    marked = make_marked_member(tag="e2e2")
    sign_in_as_staff(page)
    number = marked.member.member_number

    page.goto(f"/staff/members/{number}/")
    page.get_by_role("link", name=re.compile("Data rights")).click()
    page.wait_for_url(re.compile(rf"/staff/members/{number}/data/$"))
    _both_widths(page, screenshot, "privacy-staff")

    page.get_by_label("Reason (the member's request, how and when it was made)").first.fill(
        "Letter of 1 December"
    )
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the data (ZIP)").click()
    info.value.save_as(tmp_path / "data.zip")
    with zipfile.ZipFile(tmp_path / "data.zip") as archive:
        assert json.loads(archive.read("profile.json"))["full_name"] == marked.name
    assert DataDownload.objects.get(member=marked.member).reason == "Letter of 1 December"

    close_form = page.locator(f"form[action='/staff/members/{number}/data/close/']")
    close_form.get_by_label("Reason (the member's request, how and when it was made)").fill(
        "Phone call of 2 December, confirmed by letter"
    )
    close_form.get_by_label("Type the member number to confirm").fill(number)
    close_form.get_by_role("button", name="Close the account and erase its personal data").click()
    page.wait_for_load_state()
    assert page.get_by_text(f"Account {number} is closed").is_visible()
    _both_widths(page, screenshot, "privacy-staff-closed")
    closure = AccountClosure.objects.get(member=marked.member)
    assert closure.by_staff and closure.reason.startswith("Phone call")
