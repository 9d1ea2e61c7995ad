"""Seed the MOU topics and further expertise areas, the partners named in ICMA's China
agreements, and the first consent text. Staff edit all three afterwards."""

from django.db import migrations

AREAS = [
    ("city-county-management", "City/county management"),
    ("sustainable-development", "Sustainable development"),
    ("eco-friendly-urbanization", "Eco-friendly urbanization"),
    ("performance-management", "Performance management"),
    ("survey-research", "Local government survey research"),
    ("budgeting-finance", "Budgeting and finance"),
    ("economic-development", "Economic development"),
    ("emergency-management", "Emergency management"),
    ("citizen-engagement", "Citizen engagement"),
    ("public-private-partnerships", "Public-private partnerships"),
    ("training-capacity-building", "Training and capacity building"),
]

PARTNERS = [
    ("State Administration of Foreign Expert Affairs (SAFEA)", "national_agency"),
    ("China Association for International Exchange of Personnel (CAIEP)", "training"),
    ("National Academy for Mayors of China", "academic"),
    ("China University of Political Science and Law", "academic"),
    ("Yangzhou training base", "training"),
]

CONSENT_V1 = (
    "I ask ICMA to include me in its China technical-assistance expert pool. I agree that "
    "ICMA may share the expert profile I give here (my name, position, employer, country, "
    "areas of expertise, languages, experience, availability and CV) with the China "
    "Association for International Exchange of Personnel (CAIEP), the State Administration "
    "of Foreign Expert Affairs (SAFEA) and the Chinese ministries, provinces, cities and "
    "training institutions that ask ICMA for experts, for the sole purpose of arranging "
    "technical assistance. ICMA shares a profile only when it recommends me for a request. "
    "I can pause or withdraw at any time from my expert profile page; withdrawing removes "
    "me from the pool at once and deletes my CV, but cannot recall what was already shared."
)


def seed(apps, schema_editor):
    ExpertiseArea = apps.get_model("experts", "ExpertiseArea")
    PartnerOrganization = apps.get_model("experts", "PartnerOrganization")
    ConsentText = apps.get_model("experts", "ConsentText")
    for order, (slug, name) in enumerate(AREAS):
        ExpertiseArea.objects.get_or_create(
            slug=slug, defaults={"name": name, "sort_order": order * 10, "bit": order}
        )
    for name, kind in PARTNERS:
        PartnerOrganization.objects.get_or_create(name=name, defaults={"kind": kind})
    if not ConsentText.objects.exists():
        ConsentText.objects.create(version=1, body=CONSENT_V1)


class Migration(migrations.Migration):
    dependencies = [("experts", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
