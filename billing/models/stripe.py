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
    PROCESSING = "processing", _("Processing")
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored")
    FLAGGED = "flagged", _("Flagged for staff")
    FAILED = "failed", _("Failed, will be retried")


class StripeEvent(models.Model):
    """Every webhook event received (or fetched by reconciliation), once, by Stripe's id."""

    # Unique by a constraint, not `unique=True`: that would add a second (LIKE) index to every
    # webhook's INSERT. The state has one partial index, over the events still to be done or
    # seen to (the only states anything looks up by): a processed event leaves it.
    stripe_id = models.CharField(max_length=255)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    state = models.CharField(max_length=16, choices=EventState.choices, default=EventState.RECEIVED)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When a worker claimed it (`processing`), and when a failed event is due to be tried again.
    processing_started_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # The payment the event is about, once a handler has found it (for the staff event log).
    payment = models.ForeignKey(
        "billing.Payment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stripe_events",
        db_index=False,  # a partial index below: an event is stored without one
    )
    stripe_created_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        "auth.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # a partial index below: almost no event is resolved by hand
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["stripe_id"], name="stripeevent_stripe_id_unique"),
        ]
        indexes = [
            models.Index(
                fields=["state", "id"],
                condition=Q(
                    state__in=[
                        EventState.RECEIVED,
                        EventState.PROCESSING,
                        EventState.FAILED,
                        EventState.FLAGGED,
                    ]
                ),
                name="stripeevent_open_state",
            ),
            # The foreign keys are looked up by value only (the staff event log, SET NULL on a
            # delete): storing an event, which has neither yet, adds no entry to them.
            models.Index(
                fields=["payment"],
                condition=Q(payment__isnull=False),
                name="stripeevent_payment",
            ),
            models.Index(
                fields=["resolved_by"],
                condition=Q(resolved_by__isnull=False),
                name="stripeevent_resolved_by",
            ),
        ]

    def __str__(self):
        return f"{self.stripe_id} ({self.type}, {self.state})"

    @property
    def data_object(self) -> dict:
        return (self.payload.get("data") or {}).get("object") or {}


class RefundState(models.TextChoices):
    # `created`: the row is committed before Stripe is asked; it stays so while the outcome is
    # unknown (no answer), and its amount is reserved until staff retry it.
    CREATED = "created", _("Pending: outcome at Stripe unknown")
    SUCCEEDED = "succeeded", _("Refunded")
    FAILED = "failed", _("Refused by Stripe")


# Snapshots of every change (see membership/history.py).
@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["created_at"],
    model_name="RefundEvent",
)
class Refund(models.Model):
    """Money given back on a card payment, by staff here or in Stripe's dashboard.

    A staff refund is a row (`created`) before it is a call to Stripe; the call's outcome makes
    it `succeeded` or `failed`. Its id is the idempotency key and Stripe's metadata `refund_id`,
    so a retry or a `charge.refunded` event finds this row instead of adding one."""

    payment = models.ForeignKey("billing.Payment", on_delete=models.PROTECT, related_name="refunds")
    amount_cents = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="usd")
    reason = models.TextField()
    state = models.CharField(
        max_length=16, choices=RefundState.choices, default=RefundState.CREATED, db_index=True
    )
    # Why the last attempt did not succeed (Stripe's refusal, or why the outcome is unknown).
    error = models.TextField(blank=True)
    stripe_refund_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # Staff asked that the refund also cancel the term; done when the refund succeeds.
    cancel_term_requested = models.BooleanField(default=False)
    # True when the refund also cancelled the term it paid for.
    term_cancelled = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="refund_amount_gt_0"),
            models.CheckConstraint(
                condition=Q(state__in=RefundState.values), name="refund_state_known"
            ),
            # A term is cancelled only by a refund that went through.
            models.CheckConstraint(
                condition=Q(term_cancelled=False) | Q(state=RefundState.SUCCEEDED),
                name="refund_term_cancelled_only_when_succeeded",
            ),
        ]

    def __str__(self):
        return f"Refund {self.stripe_refund_id or self.pk}: {self.amount_cents} ({self.state})"

    @property
    def is_pending(self) -> bool:
        return self.state == RefundState.CREATED

    @property
    def idempotency_key(self) -> str:
        return f"refund-{self.pk}"


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
