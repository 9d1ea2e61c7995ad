"""Reads for the member's dashboard and the invoice pages."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.http import Http404

from billing.models import (
    Installment,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentState,
    Refund,
    RefundState,
)
from membership.models import (
    ImportedPayment,
    Member,
    Membership,
    MembershipRules,
    MembershipTerm,
    Status,
)
from membership.permissions import invoice_check
from membership.selectors import membership_status_on

RENEWABLE = {Status.ACTIVE, Status.GRACE, Status.LAPSED}
JOINABLE = {Status.NONE, Status.CANCELLED, Status.REFUNDED}


@dataclass
class MembershipOverview:
    member: Member
    membership: Membership | None
    status: str
    on: dt.date
    rules: MembershipRules
    terms: list = field(default_factory=list)
    open_invoice: Invoice | None = None
    invoices: list = field(default_factory=list)
    payments: list = field(default_factory=list)
    # Payments the old system recorded, brought over by the member import: history only.
    imported_payments: list = field(default_factory=list)

    @property
    def paid_through_on(self):
        return self.membership.paid_through_on if self.membership else None

    @property
    def days_left(self) -> int | None:
        if self.status != Status.ACTIVE or self.paid_through_on is None:
            return None
        return (self.paid_through_on - self.on).days

    @property
    def renewal_opens_on(self):
        if self.paid_through_on is None:
            return None
        return self.paid_through_on - dt.timedelta(days=self.rules.renewal_window_days)

    @property
    def can_renew(self) -> bool:
        if self.open_invoice is not None or self.status not in RENEWABLE:
            return False
        return self.status != Status.ACTIVE or self.on >= self.renewal_opens_on

    @property
    def can_join(self) -> bool:
        return self.open_invoice is None and self.status in JOINABLE

    @property
    def status_label(self) -> str:
        return Status(self.status).label


def membership_overview(*, member: Member, on: dt.date) -> MembershipOverview:
    """Everything the dashboard shows, in a fixed number of queries however long the history."""
    rules = MembershipRules.current()
    membership = Membership.objects.filter(member=member).select_related("category").first()
    if membership is None:
        return MembershipOverview(
            member=member, membership=None, status=Status.NONE, on=on, rules=rules
        )
    invoices = list(
        Invoice.objects.filter(member=member).prefetch_related(
            "lines", Prefetch("installments", queryset=Installment.objects.order_by("number"))
        )
    )
    open_invoice = next((i for i in invoices if i.status == InvoiceStatus.OPEN), None)
    terms = list(MembershipTerm.objects.filter(membership=membership).select_related("category"))
    payments = list(
        Payment.objects.filter(
            invoice__member=member, state__in=[PaymentState.CONFIRMED, PaymentState.REFUNDED]
        ).select_related("invoice")
    )
    imported_payments = list(ImportedPayment.objects.filter(member=member))
    status = membership_status_on(membership=membership, on=on)
    return MembershipOverview(
        member=member,
        membership=membership,
        status=status,
        on=on,
        rules=rules,
        terms=terms,
        open_invoice=open_invoice,
        invoices=invoices,
        payments=payments,
        imported_payments=imported_payments,
    )


def invoice_visible_to(*, user, number: str) -> Invoice:
    """The invoice, if `user` may see it (`invoice_visible`: the invoiced member, or membership
    staff after the two-factor step); otherwise 404."""
    invoice = (
        Invoice.objects.select_related("member__user")
        .prefetch_related("lines", "installments", "payments")
        .filter(number=number)
        .first()
    )
    if invoice is None:
        raise Http404
    invoice_check(user=user, invoice=invoice)
    return invoice


def invoice_refunds_made(*, invoice: Invoice) -> list[Refund]:
    """The refunds a receipt lists: succeeded ones only. A pending refund may never happen and a
    failed one did not, so neither is money given back (both the web page and the PDF use this)."""
    return list(
        Refund.objects.filter(payment__invoice=invoice, state=RefundState.SUCCEEDED)
        .select_related("payment")
        .order_by("id")
    )
