from django.db import migrations


def seed(apps, schema_editor):
    # DUES.md's assumed defaults; staff change them afterwards.
    Rules = apps.get_model("membership", "MembershipRules")
    if not Rules.objects.exists():
        Rules.objects.create(
            term_months=12,
            renewal_window_days=90,
            grace_days=60,
            reminder_days=[60, 30, 7],
            installment_counts=[2, 3, 4],
            installment_categories=["full", "affiliate"],
            installment_notice_days=21,
            installment_overdue_days=60,
            join_invoice_expiry_days=30,
            waiver_months=6,
            waiver_max_months=36,
        )


class Migration(migrations.Migration):
    dependencies = [("membership", "0008_waiver_requests")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
