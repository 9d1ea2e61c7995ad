"""Refunds get a state: a row is committed `created` before Stripe is called.

Every refund recorded before this migration is `succeeded`: the old code committed a staff
refund only together with Stripe's answer (its refund id), and refunds reconciled from
`charge.refunded` were made at Stripe already. So existing totals and receipts do not change.
New rows default to `created`."""

from django.db import migrations, models
from django.db.models import F


def updated_at_from_created_at(apps, schema_editor):
    apps.get_model("billing", "Refund").objects.update(updated_at=F("created_at"))


STATES = [
    ("created", "Pending: outcome at Stripe unknown"),
    ("succeeded", "Refunded"),
    ("failed", "Refused by Stripe"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0003_stripe_event_processing"),
    ]

    operations = [
        migrations.AddField(
            model_name="refund",
            name="state",
            field=models.CharField(
                choices=STATES, db_index=True, default="succeeded", max_length=16
            ),
        ),
        migrations.AlterField(
            model_name="refund",
            name="state",
            field=models.CharField(
                choices=STATES, db_index=True, default="created", max_length=16
            ),
        ),
        migrations.AddField(
            model_name="refund",
            name="error",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="refund",
            name="cancel_term_requested",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="refund",
            name="updated_at",
            field=models.DateTimeField(auto_now=True),
        ),
        migrations.RunPython(updated_at_from_created_at, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="refund",
            constraint=models.CheckConstraint(
                condition=models.Q(("state__in", ["created", "succeeded", "failed"])),
                name="refund_state_known",
            ),
        ),
        migrations.AddConstraint(
            model_name="refund",
            constraint=models.CheckConstraint(
                condition=models.Q(("term_cancelled", False), ("state", "succeeded"), _connector="OR"),
                name="refund_term_cancelled_only_when_succeeded",
            ),
        ),
    ]
