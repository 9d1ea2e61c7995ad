"""Reads for the member's dashboard and the invoice pages."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.http import Http404

from billing.models import (
    Installment,
    Invoice,
    InvoiceKind,
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
from membership.selectors import (
    membership_status_on,
    staff_change_last_column,
    waiver_last_column,
)

RENEWABLE = {Status.ACTIVE, Status.GRACE, Status.LAPSED}
JOINABLE = {Status.NONE, Status.CANCELLED, Status.REFUNDED}

# Why `MembershipOverview.issue_refusal` says no.
REFUSED_OPEN_INVOICE = "open_invoice"
REFUSED_NOT_RENEWABLE = "not_renewable"
REFUSED_RENEWAL_NOT_OPEN = "renewal_not_open"
REFUSED_NOT_JOINABLE = "not_joinable"


@dataclass(frozen=True)
class NextStep:
    standing: str
    owed_cents: int
    text: str
    url: str | None


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

    def issue_refusal(self, kind: str) -> str | None:
        """Why a join or renewal invoice cannot be issued today, or None when it can: the one
        rule for both, whether the member asks for it or staff issue it on their behalf.

        One open invoice at a time; members who are not in a membership join; active members
        renew once the renewal window opens, members in grace or lapsed at any time."""
        if self.open_invoice is not None:
            return REFUSED_OPEN_INVOICE
        if kind == InvoiceKind.RENEWAL:
            if self.status not in RENEWABLE:
                return REFUSED_NOT_RENEWABLE
            if self.status == Status.ACTIVE and self.on < self.renewal_opens_on:
                return REFUSED_RENEWAL_NOT_OPEN
            return None
        if self.status not in JOINABLE:
            return REFUSED_NOT_JOINABLE
        return None

    @property
    def can_renew(self) -> bool:
        return self.issue_refusal(InvoiceKind.RENEWAL) is None

    @property
    def can_join(self) -> bool:
        return self.issue_refusal(InvoiceKind.JOIN) is None

    @property
    def invoice_kind(self) -> str | None:
        """The invoice the membership calls for today: a join, a renewal, or none."""
        if self.can_join:
            return InvoiceKind.JOIN
        if self.can_renew:
            return InvoiceKind.RENEWAL
        return None

    @property
    def status_label(self) -> str:
        return Status(self.status).label

    @property
    def installments_paid(self) -> tuple[int, int] | None:
        """(paid, of) for the open invoice paid in installments, else None."""
        if self.open_invoice is None:
            return None
        parts = list(self.open_invoice.installments.all())
        if not parts:
            return None
        return sum(1 for p in parts if p.paid_at is not None), len(parts)

    @property
    def next_step(self) -> NextStep:
        """The membership's standing in words, what is owed, and the one action that matters."""
        from django.urls import reverse
        from django.utils.formats import date_format
        from django.utils.translation import gettext as _

        standing = self.status_label
        progress = self.installments_paid
        if progress and self.status == Status.ACTIVE:
            paid, of = progress
            standing = _("Active, %(paid)s of %(of)s paid") % {"paid": paid, "of": of}
        invoice = self.open_invoice
        if invoice is not None:
            owed = invoice.balance_cents
            unpaid = [p for p in invoice.installments.all() if p.paid_at is None]
            if unpaid:
                owed = unpaid[0].amount_cents
                text = _("Pay installment %(n)s of invoice %(number)s by %(day)s") % {
                    "n": unpaid[0].number,
                    "number": invoice.number,
                    "day": date_format(unpaid[0].due_on),
                }
            else:
                text = _("Pay invoice %(number)s") % {"number": invoice.number}
            return NextStep(standing, owed, text, reverse("billing:invoice", args=[invoice.number]))
        if self.status in JOINABLE:
            return NextStep(standing, 0, _("Join ICMA"), reverse("billing:join"))
        if self.status == Status.ACTIVE:
            if self.can_renew:
                text = _("Renew now: your membership ends on %(day)s") % {
                    "day": date_format(self.paid_through_on)
                }
                return NextStep(standing, 0, text, reverse("billing:renew"))
            text = _("Nothing to do. Renew from %(day)s") % {
                "day": date_format(self.renewal_opens_on)
            }
            return NextStep(standing, 0, text, None)
        if self.status == Status.GRACE:
            until = self.paid_through_on + dt.timedelta(days=self.rules.grace_days)
            text = _("In grace until %(day)s: renew now to stay a member") % {
                "day": date_format(until)
            }
            return NextStep(standing, 0, text, reverse("billing:renew"))
        if self.status == Status.LAPSED:
            target = "billing:renew" if self.can_renew else "billing:join"
            return NextStep(standing, 0, _("Your membership lapsed: rejoin"), reverse(target))
        return NextStep(standing, 0, _("See your membership"), reverse("billing:dashboard"))


def _membership_of(member: Member) -> Membership | None:
    """The member's membership, from the member row when the caller joined it in
    (`member_for_user(..., with_membership=True)`), else in one query."""
    if Member.membership.related.is_cached(member):
        try:
            return member.membership
        except Membership.DoesNotExist:
            return None
    return Membership.objects.filter(member=member).select_related("category").first()


def member_for_dashboard(*, user) -> Member:
    """The user's member for the dashboard, in one query: the membership and its category, the
    saved card, and as JSON columns the rules (`rules_row`), the latest waiver request
    (`waiver_row`) and the latest change staff made to the profile (`staff_change_row`).
    Read them with `MembershipRules.from_column`, `waiver_from_column` and
    `staff_change_from_column`."""
    return (
        Member.objects.select_related("user", "membership__category", "stripe_customer")
        .annotate(
            rules_row=MembershipRules.column(),
            waiver_row=waiver_last_column(),
            staff_change_row=staff_change_last_column(),
        )
        .get(user=user)
    )


def membership_overview(
    *, member: Member, on: dt.date, detail: bool = True, rules: MembershipRules | None = None
) -> MembershipOverview:
    """Everything the dashboard shows, in a fixed number of queries however long the history.
    `detail=False` reads only what the standing and the next step need (the home page): the
    membership and the open invoice with its installments, not every invoice, term and
    payment. Pass `rules` when the caller read them already. The invoices come without their
    lines: no page of the overview shows them."""
    rules = rules or MembershipRules.current()
    membership = _membership_of(member)
    if membership is None:
        return MembershipOverview(
            member=member, membership=None, status=Status.NONE, on=on, rules=rules
        )
    installments = Prefetch("installments", queryset=Installment.objects.order_by("number"))
    if detail:
        invoices = list(Invoice.objects.filter(member=member).prefetch_related(installments))
        terms = list(
            MembershipTerm.objects.filter(membership=membership).select_related("category")
        )
        payments = list(
            Payment.objects.filter(
                invoice__member=member, state__in=[PaymentState.CONFIRMED, PaymentState.REFUNDED]
            ).select_related("invoice")
        )
        imported_payments = list(ImportedPayment.objects.filter(member=member))
    else:
        invoices = list(
            Invoice.objects.filter(member=member, status=InvoiceStatus.OPEN).prefetch_related(
                installments
            )
        )
        terms = payments = imported_payments = []
    open_invoice = next((i for i in invoices if i.status == InvoiceStatus.OPEN), None)
    status = membership_status_on(
        membership=membership, on=on, rules=rules, terms=terms if detail else None
    )
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
        Invoice.objects.select_related("member__user", "group")
        .prefetch_related("lines", "installments", "payments", "credit_notes")
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


def credit_note_visible_to(*, user, number: str):
    """A credit note, to whoever may see the invoice it reduces; otherwise 404."""
    from billing.models import CreditNote

    note = CreditNote.objects.select_related("invoice__member__user").filter(number=number).first()
    if note is None:
        raise Http404
    invoice_check(user=user, invoice=note.invoice)
    return note
