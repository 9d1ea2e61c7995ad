import pghistory
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PaymentState(models.TextChoices):
    CREATED = "created", _("Created")
    PENDING = "pending", _("Pending")
    CONFIRMED = "confirmed", _("Confirmed")
    FAILED = "failed", _("Failed")
    CANCELED = "canceled", _("Canceled")
    REFUNDED = "refunded", _("Refunded")


# Snapshots of every change (see membership/history.py). `raw` (the gateway's payload, with
# the card holder's details) is left out.
@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["raw", "created_at"],
    model_name="PaymentEvent",
)
class Payment(models.Model):
    """One row per attempt to pay an invoice, whatever the gateway."""

    invoice = models.ForeignKey(
        "billing.Invoice", on_delete=models.PROTECT, related_name="payments"
    )
    installment = models.ForeignKey(
        "billing.Installment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
    )
    gateway = models.CharField(max_length=16)  # "offline", "stripe"
    state = models.CharField(
        max_length=16, choices=PaymentState.choices, default=PaymentState.CREATED
    )
    amount_cents = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="usd")
    reference = models.CharField(_("cheque or reference number"), max_length=100, blank=True)
    received_on = models.DateField(null=True, blank=True)
    # Money that arrived for something already paid: kept, never applied twice, shown to staff.
    is_overpayment = models.BooleanField(default=False)
    note = models.TextField(blank=True)
    gateway_ids = models.JSONField(default=dict, blank=True)
    # The card as the receipt names it ("Visa ending 4242"), from the charge Stripe reports.
    card_brand = models.CharField(max_length=20, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    # The employer's payment for a consolidated invoice that this section's share came from.
    remittance = models.ForeignKey(
        "billing.GroupPayment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="section_payments",
    )
    # The staff form's one-time key: the same form posted twice records one payment.
    submission_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    recorded_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gte=0), name="payment_amount_gte_0"),
        ]

    def __str__(self):
        return f"Payment {self.pk} ({self.gateway}, {self.state})"
