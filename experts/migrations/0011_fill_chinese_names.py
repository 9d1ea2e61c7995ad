"""Give the seeded partners and expertise areas their Chinese names, and the seeded consent
text its Chinese version. Rows staff renamed or filled in already are left alone."""

from django.db import migrations

PARTNERS_ZH = {
    "State Administration of Foreign Expert Affairs (SAFEA)": "国家外国专家局",
    "China Association for International Exchange of Personnel (CAIEP)": "中国国际人才交流协会",
    "National Academy for Mayors of China": "全国市长研修学院",
    "China University of Political Science and Law": "中国政法大学",
    "Yangzhou training base": "扬州市",
}

AREAS_ZH = {
    "city-county-management": "城市与县域管理",
    "sustainable-development": "可持续发展",
    "eco-friendly-urbanization": "生态城镇化",
    "performance-management": "绩效管理",
    "survey-research": "地方政府调查研究",
    "budgeting-finance": "预算与财政",
    "economic-development": "经济发展",
    "emergency-management": "应急管理",
    "citizen-engagement": "公众参与",
    "public-private-partnerships": "政府和社会资本合作",
    "training-capacity-building": "培训与能力建设",
}

# The seeded English text of version 1 (0002_seed_pool_vocabularies.CONSENT_V1).
CONSENT_V1_START = "I ask ICMA to include me in its China technical-assistance expert pool."
CONSENT_V1_ZH = (
    "我请求 ICMA 将我纳入其中国技术援助专家库。我同意 ICMA 将我在此提供的专家资料（我的姓名、职务、"
    "工作单位、国家、专业领域、语言、经验、可参与时间和简历）提供给中国国际人才交流协会（CAIEP）、"
    "国家外国专家局（SAFEA）以及向 ICMA 征求专家的中国各部委、省、市和培训机构，仅用于安排技术援助。"
    "ICMA 仅在为某项需求推荐我时才会提供我的资料。我可以随时在我的专家资料页面暂停或退出；"
    "退出后我将立即从专家库中移除，我的简历也将被删除，但已经提供的资料无法收回。"
)


def fill(apps, schema_editor):
    PartnerOrganization = apps.get_model("experts", "PartnerOrganization")
    ExpertiseArea = apps.get_model("experts", "ExpertiseArea")
    ConsentText = apps.get_model("experts", "ConsentText")
    for name, name_zh in PARTNERS_ZH.items():
        PartnerOrganization.objects.filter(name=name, name_zh="").update(name_zh=name_zh)
    for slug, name_zh in AREAS_ZH.items():
        ExpertiseArea.objects.filter(slug=slug, name_zh="").update(name_zh=name_zh)
    # A translation of the same words, not a new version: members need not consent again.
    ConsentText.objects.filter(
        version=1, body__startswith=CONSENT_V1_START, body_zh=""
    ).update(body_zh=CONSENT_V1_ZH)


class Migration(migrations.Migration):
    dependencies = [("experts", "0010_bilingual_pool")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
