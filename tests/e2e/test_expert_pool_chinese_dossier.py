"""In Chinese from start to finish: a member volunteers with the portal set to Chinese, reads the
consent in both languages and agrees; staff export the bilingual dossier, whose PDF carries the
expert's Chinese name and the partner's Chinese name in an embedded CJK font."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from fontTools.ttLib import TTCollection

from experts.models import ExpertConsent, ExpertProfile, PartnerOrganization
from experts.selectors import current_consent_text
from experts.services.requests import (
    engagement_invite,
    engagement_recommend,
    engagement_respond,
    engagement_shortlist,
)
from tests.e2e.helpers import sign_in, sign_in_as_staff
from tests.experts.factories import make_request
from tests.factories import MemberFactory, activate_membership
from tests.pdf_support import pdf_pages_png, pdf_text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
CAIEP_ZH = "中国国际人才交流协会"
NAME_ZH = "陈艾维"
SUMMARY_ZH = "二十年城市管理经验，曾主持绩效管理改革。"


def _cjk(text: str) -> set[str]:
    return {ch for ch in text if "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"}


def test_a_member_volunteers_in_chinese_and_staff_export_the_bilingual_dossier(
    page, browser, live_server, screenshot
):
    member = activate_membership(MemberFactory(full_name="Avery Chen"))
    consent_text = current_consent_text()
    assert consent_text.body_zh, "the seeded consent text has its Chinese version"
    sign_in(page, member.user.email)

    page.goto("/experts/volunteer/")
    page.get_by_label(re.compile("Language")).select_option("zh-hans")
    page.get_by_role("button", name="Change language").click()
    page.wait_for_function("document.documentElement.lang === 'zh-Hans'")
    assert "中国技术援助专家库" in page.locator("main").inner_text()
    chinese_consent = page.locator("section.consent-text[lang=zh-Hans]")
    assert consent_text.body_zh.split()[0][:12] in chinese_consent.inner_text()
    assert page.locator("section.consent-text").count() == 2  # English beside Chinese
    form_text = page.locator("main form").inner_text()
    # The form itself speaks Chinese: labels, languages, engagement kinds and area names.
    for words in ("专业领域", "专业简介", "普通话", "会议演讲", "城市与县域管理", "我同意以上内容"):
        assert words in form_text, words
    screenshot("expert-volunteer-zh-1280")

    page.locator("input[name=areas]").first.check()
    page.locator("input[name=years_in_local_government]").fill("20")
    page.locator("textarea[name=summary]").fill("City manager who led a performance reform.")
    page.locator("input[name=name_zh]").fill(NAME_ZH)
    page.locator("textarea[name=summary_zh]").fill(SUMMARY_ZH)
    page.locator("select[name=lang_cmn]").select_option(index=2)
    page.locator("input[name=engagement_types]").first.check()
    page.locator("input[name=consent]").check()
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("expert-volunteer-zh-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/experts/$"))

    profile = ExpertProfile.objects.get(member=member)
    assert (profile.name_zh, profile.summary_zh) == (NAME_ZH, SUMMARY_ZH)
    consent = ExpertConsent.objects.filter(profile=profile).latest("pk")
    assert set(consent.texts_shown) == {"en", "zh-hans"}

    # Staff put the expert forward for a CAIEP request and download the dossier, both languages.
    caiep = PartnerOrganization.objects.get(name_zh=CAIEP_ZH)
    staff_context = browser.new_context(base_url=live_server.url, accept_downloads=True)
    staff_page = staff_context.new_page()
    try:
        staff = sign_in_as_staff(staff_page, groups=("International programs staff",))
        request = make_request(title="Performance management workshop", by=staff)
        request.partner = caiep
        request.save()
        engagement = engagement_shortlist(request=request, profile=profile, by=staff)
        engagement_invite(engagement=engagement, by=staff)
        engagement_respond(engagement=engagement, accept=True)
        engagement_recommend(engagement=engagement, by=staff)

        staff_page.goto(reverse("experts:staff_request", args=[request.pk]))
        staff_page.locator("input[name=lang][value=both]").check()
        with staff_page.expect_download() as download:
            staff_page.get_by_role("button", name="Download PDF").click()
        pdf = Path(download.value.path()).read_bytes()
    finally:
        staff_context.close()

    text = pdf_text(pdf)
    assert NAME_ZH in text and CAIEP_ZH in text and SUMMARY_ZH in text
    assert "Avery Chen" in text
    fonts = subprocess.run(
        [shutil.which("pdffonts") or "pdffonts", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    cjk_fonts = [line for line in fonts.splitlines() if "NotoSansCJK" in line.replace("-", "")]
    assert cjk_fonts and all(" yes " in line for line in cjk_fonts), fonts
    # No missing-glyph box: every Chinese character printed is one the embedded font draws.
    covered = set()
    for font in TTCollection(str(CJK_FONT)).fonts:
        covered |= {chr(code) for code in font.getBestCmap()}
    assert _cjk(text) and _cjk(text) <= covered
    pages = pdf_pages_png(pdf, dpi=90, keep_as="dossier-zh-journey")
    assert pages
