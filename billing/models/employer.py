"""Employer billing: a consolidated invoice for several members of one employer, the money an
employer sends for it, credits kept from overpayments, and credit notes.

A consolidated invoice does not duplicate the member invoice: each of its sections *is* a member
invoice (`Invoice.group`), issued by the same dues engine, and money is applied to the sections
through the same `invoice_apply_payment` that activates a term, once."""

import pghistory
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class OfflineMethod(models.TextChoices):
    CHEQUE = "cheque", _("Cheque")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer (wire or ACH)")


class GroupInvoiceStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    model_name="GroupInvoiceEvent",
)
class GroupInvoice(models.Model):
    """One document and one number for an employer paying for several members; one section per
    member, each a member invoice. Money is held here until the whole total has arrived, then
    applied to every section at once: a partial payment activates no one's term."""

    number = models.CharField(max_length=20, unique=True)
    status = models.CharField(
        max_length=16, choices=GroupInvoiceStatus.choices, default=GroupInvoiceStatus.OPEN
    )
    bill_to_organisation = models.CharField(_("organisation"), max_length=200)
    bill_to_address = models.TextField(_("billing address"), blank=True)
    bill_to_email = models.EmailField(_("accounts-payable e-mail"), blank=True)
    purchase_order_number = models.CharField(_("purchase-order number"), max_length=60, blank=True)
    purchase_order_received_on = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3, default="usd")
    total_cents = models.BigIntegerField()
    # Money received toward the total (never more than the total: the rest is a credit).
    paid_cents = models.BigIntegerField(default=0)
    issued_at = models.DateTimeField()
    issued_on = models.DateField()
    due_on = models.DateField()
    paid_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The staff form's one-time key: the same form posted twice issues one invoice.
    submission_key = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(paid_cents__gte=0) & Q(paid_cents__lte=F("total_cents")),
                name="group_invoice_paid_within_total",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def balance_cents(self) -> int:
        return self.total_cents - self.paid_cents


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    model_name="GroupPaymentEvent",
)
class GroupPayment(models.Model):
    """Money an employer sent for a consolidated invoice: a cheque or a bank transfer, as it
    arrived. `applied_cents` counts toward the invoice; anything beyond is kept as a credit."""

    group = models.ForeignKey(GroupInvoice, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(max_length=16, choices=OfflineMethod.choices)
    amount_cents = models.BigIntegerField()
    applied_cents = models.BigIntegerField(default=0)
    reference = models.CharField(_("cheque or transfer reference"), max_length=100, blank=True)
    received_on = models.DateField()
    recorded_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submission_key = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_cents__gt=0)
                & Q(applied_cents__gte=0)
                & Q(applied_cents__lte=F("amount_cents")),
                name="group_payment_applied_within_amount",
            ),
        ]

    def __str__(self):
        return f"Group payment {self.pk} ({self.method})"

    @property
    def credit_cents(self) -> int:
        return self.amount_cents - self.applied_cents


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    model_name="CreditEvent",
)
class Credit(models.Model):
    """Money received beyond what was owed. Kept, never applied twice: staff refund it (an
    offline refund, with a reason) or apply it to the member's next invoice."""

    member = models.ForeignKey(
        "membership.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="credits"
    )
    # A consolidated invoice's credit belongs to the employer that paid it.
    group = models.ForeignKey(
        GroupInvoice, null=True, blank=True, on_delete=models.PROTECT, related_name="credits"
    )
    source_payment = models.OneToOneField(
        "billing.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="credit"
    )
    source_group_payment = models.OneToOneField(
        GroupPayment, null=True, blank=True, on_delete=models.PROTECT, related_name="credit"
    )
    amount_cents = models.BigIntegerField()
    applied_cents = models.BigIntegerField(default=0)
    refunded_cents = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    refunded_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    refund_method = models.CharField(max_length=16, choices=OfflineMethod.choices, blank=True)
    refund_reference = models.CharField(max_length=100, blank=True)
    refund_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_cents__gt=0)
                & Q(applied_cents__gte=0)
                & Q(refunded_cents__gte=0)
                & Q(amount_cents__gte=F("applied_cents") + F("refunded_cents")),
                name="credit_used_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(member__isnull=False) | Q(group__isnull=False),
                name="credit_has_an_owner",
            ),
        ]

    def __str__(self):
        return f"Credit {self.pk}: {self.amount_cents}"

    @property
    def remaining_cents(self) -> int:
        return self.amount_cents - self.applied_cents - self.refunded_cents


class CreditNoteNumberCounter(models.Model):
    """The last credit-note number used in a year; locked while a number is taken."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    model_name="CreditNoteEvent",
)
class CreditNote(models.Model):
    """A document of its own (`CN-2026-000001`) that reduces what an issued invoice asks for;
    the invoice's frozen lines and total never change, its balance does."""

    number = models.CharField(max_length=20, unique=True)
    invoice = models.ForeignKey(
        "billing.Invoice", on_delete=models.PROTECT, related_name="credit_notes"
    )
    amount_cents = models.BigIntegerField()
    reason = models.TextField()
    issued_at = models.DateTimeField()
    issued_on = models.DateField()
    issued_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["issued_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="credit_note_amount_gt_0"),
        ]

    def __str__(self):
        return self.number
