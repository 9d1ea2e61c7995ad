import datetime

from django.db import migrations
from django.utils import timezone

# ICMA's dues from 2026-07-01 (see docs DUES.md); staff change them afterwards in the portal.
# (category, positions, method, amount_cents, percent_bp, cap_cents)
RATES = [
    ("full", ["cao", "acao", "senior_staff"], "salary_percent", 0, 65, 1_200_00),
    ("affiliate", ["department_head"], "flat", 200_00, 0, None),
    ("affiliate", [], "flat", 150_00, 0, None),
    ("academic", [], "flat", 150_00, 0, None),
    ("student", [], "flat", 25_00, 0, None),
    ("retired", [], "flat", 100_00, 0, None),
    ("life", [], "flat", 0, 0, None),
]


def seed(apps, schema_editor):
    Schedule = apps.get_model("membership", "DuesSchedule")
    Rate = apps.get_model("membership", "DuesRate")
    Discount = apps.get_model("membership", "DuesDiscount")
    Category = apps.get_model("membership", "MembershipCategory")
    start = datetime.date(2026, 7, 1)
    if Schedule.objects.filter(status="published", effective_from=start).exists():
        return
    schedule = Schedule.objects.create(
        name="ICMA dues from July 2026",
        effective_from=start,
        status="published",
        published_at=timezone.now(),
    )
    categories = {c.code: c for c in Category.objects.all()}
    for code, positions, method, amount, percent, cap in RATES:
        Rate.objects.create(
            schedule=schedule,
            category=categories[code],
            positions=positions,
            method=method,
            amount_cents=amount,
            percent_bp=percent,
            cap_cents=cap,
        )
    Discount.objects.create(
        schedule=schedule,
        label="Small community discount",
        max_population=7_500,
        max_budget_cents=7_800_000_00,
        categories=["full"],
        positions=["cao", "acao", "senior_staff"],
        percent_off_bp=2_000,
        replacement_cap_cents=940_00,
        priority=10,
    )


class Migration(migrations.Migration):
    dependencies = [("membership", "0005_dues_schedules")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
