"""What we keep about card payments made through Stripe."""

import pghistory
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class StripeCustomer(models.Model):
    """One Stripe Customer per member, reused for every Checkout and off-session charge."""

    member = models.OneToOneField(
        "membership.Member", on_delete=models.CASCADE, related_name="stripe_customer"
    )
    customer_id = models.CharField(max_length=64, unique=True)
    # The card saved at Checkout for off-session charges (auto-renew, later installments).
    payment_method_id = models.CharField(max_length=64, blank=True)
    card_label = models.CharField(max_length=64, blank=True)  # "visa •••• 4242"
    auto_renew = models.BooleanField(default=False)
    auto_renew_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.customer_id

    @property
    def can_charge_off_session(self) -> bool:
        return bool(self.payment_method_id)


class EventState(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored")
    FLAGGED = "flagged", _("Flagged for staff")
    FAILED = "failed", _("Failed, will be retried")


class StripeEvent(models.Model):
    """Every webhook event received (or fetched by reconciliation), once, by Stripe's id."""

    stripe_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField()
    state = models.CharField(
        max_length=16, choices=EventState.choices, default=EventState.RECEIVED, db_index=True
    )
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The payment the event is about, once a handler has found it (for the staff event log).
    payment = models.ForeignKey(
        "billing.Payment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stripe_events",
    )
    stripe_created_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return f"{self.stripe_id} ({self.type}, {self.state})"

    @property
    def data_object(self) -> dict:
        return (self.payload.get("data") or {}).get("object") or {}


# Snapshots of every change (see membership/history.py).
@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["created_at"],
    model_name="RefundEvent",
)
class Refund(models.Model):
    """Money given back on a card payment, by staff here or in Stripe's dashboard."""

    payment = models.ForeignKey("billing.Payment", on_delete=models.PROTECT, related_name="refunds")
    amount_cents = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="usd")
    reason = models.TextField()
    stripe_refund_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # True when the refund also cancelled the term it paid for.
    term_cancelled = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="refund_amount_gt_0"),
        ]

    def __str__(self):
        return f"Refund {self.stripe_refund_id or self.pk}: {self.amount_cents}"


class ChargeKind(models.TextChoices):
    RENEWAL = "renewal", _("Automatic renewal")
    INSTALLMENT = "installment", _("Installment")


class ChargeState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    NOTICED = "noticed", _("Notice sent")
    RETRYING = "retrying", _("Failed, will retry")
    ACTION_REQUIRED = "action_required", _("Needs the member to confirm")
    PAID = "paid", _("Paid")
    STOPPED = "stopped", _("Stopped after failures")
    CANCELLED = "cancelled", _("Cancelled")


class ScheduledCharge(models.Model):
    """A charge of the saved card on a date: an automatic renewal or a later installment.

    `key` makes each one unique (`renewal-<member>-<end date>`, `installment-<id>`), so the
    daily job can run any number of times and schedule it once."""

    key = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=16, choices=ChargeKind.choices)
    member = models.ForeignKey(
        "membership.Member", on_delete=models.CASCADE, related_name="scheduled_charges"
    )
    invoice = models.ForeignKey(
        "billing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    installment = models.OneToOneField(
        "billing.Installment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    charge_on = models.DateField()
    amount_cents = models.BigIntegerField()
    state = models.CharField(
        max_length=16, choices=ChargeState.choices, default=ChargeState.SCHEDULED
    )
    notice_sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_on = models.DateField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["charge_on", "id"]
        indexes = [models.Index(fields=["state", "next_attempt_on"])]

    def __str__(self):
        return f"{self.key} ({self.state})"
