import pghistory
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class InvoiceKind(models.TextChoices):
    JOIN = "join", _("Join")
    RENEWAL = "renewal", _("Renewal")


class InvoiceStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Closed unpaid")


class InvoiceNumberCounter(models.Model):
    """The last invoice number used in a year; locked while a number is taken."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"


# Snapshots of every change (see membership/history.py). `facts` is left out: it is frozen
# at issue and holds the member's salary, which the history must not copy.
@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["facts"],
    model_name="InvoiceEvent",
)
class Invoice(models.Model):
    """A frozen copy of a dues quote: later price changes never alter an issued invoice."""

    number = models.CharField(max_length=20, unique=True)
    member = models.ForeignKey(
        "membership.Member", on_delete=models.PROTECT, related_name="invoices"
    )
    # The term this invoice pays for (billing points at membership, never the other way).
    term = models.ForeignKey(
        "membership.MembershipTerm", on_delete=models.PROTECT, related_name="invoices"
    )
    kind = models.CharField(max_length=16, choices=InvoiceKind.choices)
    status = models.CharField(
        max_length=16, choices=InvoiceStatus.choices, default=InvoiceStatus.OPEN
    )
    category_name = models.CharField(max_length=100)
    schedule_id_used = models.PositiveBigIntegerField()
    schedule_name = models.CharField(max_length=200)
    schedule_effective_from = models.DateField()
    facts = models.JSONField(default=dict)  # the member facts the quote used
    currency = models.CharField(max_length=3, default="usd")
    total_cents = models.BigIntegerField()
    paid_cents = models.BigIntegerField(default=0)
    installment_count = models.PositiveSmallIntegerField(default=1)
    issued_at = models.DateTimeField()
    issued_on = models.DateField()
    due_on = models.DateField()
    paid_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.TextField(blank=True)
    closed_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who the invoice is addressed to, for an accounts-payable office: filled from the member's
    # profile when issued and editable while open (a purchase-order number, a billing address).
    # Not part of the frozen quote: amounts and lines never change.
    bill_to_organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    bill_to_address = models.TextField(_("billing address"), blank=True)
    bill_to_email = models.EmailField(_("accounts-payable e-mail"), blank=True)
    purchase_order_number = models.CharField(_("purchase-order number"), max_length=60, blank=True)
    # A purchase order is a promise to pay, not a payment: the invoice stays open.
    purchase_order_received_on = models.DateField(null=True, blank=True)
    # A section of a consolidated invoice (one employer paying for several members).
    group = models.ForeignKey(
        "billing.GroupInvoice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sections",
    )
    # What credit notes took off the balance; the frozen total and lines never change.
    credited_cents = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["status", "kind", "issued_on"]),
            # The reports' category list reads its distinct values by skipping along it.
            models.Index(fields=["category_name"], name="invoice_category_name"),
            # Receivables aging on a day reads the invoices paid or closed after it.
            models.Index(fields=["paid_at"], name="invoice_paid_at", condition=Q(status="paid")),
            models.Index(
                fields=["closed_at"],
                name="invoice_closed_at",
                condition=Q(status__in=["cancelled", "expired"]),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total_cents__gte=0), name="invoice_total_gte_0"),
            models.CheckConstraint(
                condition=Q(paid_cents__gte=0)
                & Q(credited_cents__gte=0)
                & Q(total_cents__gte=F("paid_cents") + F("credited_cents")),
                name="invoice_paid_within_total",
            ),
            models.CheckConstraint(
                condition=Q(installment_count__gte=1, installment_count__lte=12),
                name="invoice_installments_in_range",
            ),
            # One open join or renewal invoice per member at a time.
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(status="open"),
                name="one_open_invoice_per_member",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def balance_cents(self) -> int:
        return self.total_cents - self.paid_cents - self.credited_cents

    @property
    def amount_owed_cents(self) -> int:
        """The total less credit notes: what the invoice asks for once reduced."""
        return self.total_cents - self.credited_cents


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=300)
    amount_cents = models.BigIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_position")
        ]

    def __str__(self):
        return f"{self.label}: {self.amount_cents}"


class Installment(models.Model):
    """One of the 2–4 parts of a renewal invoice paid in installments."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="installments")
    number = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    amount_cents = models.BigIntegerField()
    paid_at = models.DateTimeField(null=True, blank=True)
    notice_sent_at = models.DateTimeField(null=True, blank=True)
    overdue_handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "number"], name="installment_number"),
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="installment_amount_gt_0"),
        ]

    def __str__(self):
        return f"{self.invoice_id} #{self.number} due {self.due_on}"
