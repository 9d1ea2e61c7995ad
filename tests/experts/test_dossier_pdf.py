"""The partner's dossier as a PDF in English and Chinese side by side, CJK fonts embedded."""

import shutil
import subprocess

import pytest
from django.urls import reverse

from experts.models import DossierExport, PartnerOrganization
from tests.experts.factories import make_request
from tests.experts.test_dossier import recommended
from tests.pdf_support import pdf_pages_png, pdf_text

pytestmark = pytest.mark.django_db


def test_bilingual_pdf_has_the_chinese_name_partner_and_embedded_cjk_font(
    intl_client, international_staff
):
    caiep = PartnerOrganization.objects.get(name__contains="(CAIEP)")
    assert caiep.name_zh == "中国国际人才交流协会"  # filled by the data migration
    request = make_request()
    request.partner = caiep
    request.save()
    expert = recommended(request, international_staff, full_name="Avery Chen")
    expert.name_zh = "陈艾维"
    expert.summary_zh = "二十年城市管理经验。"
    expert.save()

    response = intl_client.get(
        reverse("experts:staff_dossier_pdf", args=[request.pk]), {"lang": "both"}
    )

    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "陈艾维" in text and "中国国际人才交流协会" in text
    assert "Avery Chen" in text and "二十年城市管理经验。" in text
    fonts = subprocess.run(
        [shutil.which("pdffonts") or "pdffonts", "-"],
        input=response.content,
        capture_output=True,
        check=True,
    ).stdout.decode()
    cjk = [line for line in fonts.splitlines() if "NotoSansCJK" in line.replace("-", "")]
    assert cjk and all(" yes " in line for line in cjk), fonts
    pdf_pages_png(response.content, keep_as="dossier-both")
    export = DossierExport.objects.get(request=request)
    assert (export.format, export.language) == ("pdf", "both")
    assert "Name in Chinese" in export.fields and "Summary in Chinese" in export.fields
