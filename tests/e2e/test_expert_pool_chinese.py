"""An expert switches the portal to Chinese and sees who has received their profile."""

import re

import pytest

from experts.services.requests import dossier_export_record
from tests.e2e.helpers import sign_in
from tests.experts.factories import make_expert, make_request
from tests.factories import staff_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_expert_switches_to_chinese_and_sees_the_exports_of_their_profile(page, screenshot):
    expert = make_expert()
    request = make_request(title="Performance management workshop for county leaders")
    staff = staff_user(groups=["International programs staff"])
    dossier_export_record(
        request=request, by=staff, format="print", experts=[expert], fields=["Name"]
    )
    sign_in(page, expert.member.user.email)

    page.goto("/experts/")
    page.get_by_role("heading", name="Who has received your profile").wait_for()
    assert request.partner.name in page.locator("#shares-h + p + .table-wrap").inner_text()
    screenshot("expert-shares-en-1280")
    page.get_by_label(re.compile("Language")).select_option("zh-hans")
    page.get_by_role("button", name="Change language").click()

    page.get_by_role("heading", name="哪些机构收到了您的资料").wait_for()
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert "中国技术援助专家库" in page.locator("h1").inner_text()
    assert request.title in page.locator("#shares-h + p + .table-wrap").inner_text()
    screenshot("expert-shares-zh-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("expert-shares-zh-390")
    page.get_by_label(re.compile("语言")).select_option("en")
    page.get_by_role("button", name="切换语言").click()
    page.get_by_role("heading", name="Who has received your profile").wait_for()
    screenshot("expert-shares-en-390")
