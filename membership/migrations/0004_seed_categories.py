from django.db import migrations

# ICMA's categories (icma.org/membership-categories); staff edit them afterwards.
CATEGORIES = [
    ("full", "Full member",
     "Chief administrative officers (CAO), assistant or deputy CAOs, and senior staff reporting "
     "to a CAO.", ["cao", "acao", "senior_staff"], True, "Yes"),
    ("affiliate", "Affiliate member",
     "Everyone else in or around local government: department heads, other staff, the private "
     "sector.", ["department_head", "other_local_government", "non_local_government"], True,
     "After 5 years in local government and 5 years of membership"),
    ("academic", "Academic member", "Full-time faculty not working in local government.",
     ["faculty"], True, "No"),
    ("student", "Student member", "Students.", ["student"], True, "No"),
    ("retired", "Retired member",
     "Aged 55 or over and retired from full-time work (part-time and consulting allowed).",
     ["retired"], True, "Keeps a Full member's vote"),
    ("life", "Life member",
     "A Full member aged 65+ with 15 years of service, or 25 years at any age. Conferred by "
     "staff.", [], False, "Yes"),
]


def seed(apps, schema_editor):
    Category = apps.get_model("membership", "MembershipCategory")
    for order, (code, name, desc, positions, selectable, voting) in enumerate(CATEGORIES):
        Category.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "description": desc,
                "eligible_positions": positions,
                "member_selectable": selectable,
                "voting": voting,
                "sort_order": order * 10,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("membership", "0003_membership_category")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
