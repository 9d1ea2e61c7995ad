"""Issuing and closing membership invoices."""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import Installment, Invoice, InvoiceLine, InvoiceNumberCounter, InvoiceStatus
from billing.services import notices
from billing.services.bill_to import bill_to_defaults
from membership.dates import add_months
from membership.models import Member, MembershipCategory, MembershipRules, TermStatus
from membership.services.dues import Quote, QuoteRefused, dues_quote, schedule_mark_used
from membership.services.lifecycle import membership_lock, term_close, term_plan


@dataclass(frozen=True)
class DuesFacts:
    """What the member confirmed at checkout; it is frozen onto the invoice."""

    position: str
    salary_cents: int | None
    population: int | None
    budget_cents: int | None
    small_community_attested: bool

    def as_dict(self) -> dict:
        return {
            "position": self.position,
            "salary_cents": self.salary_cents,
            "population": self.population,
            "budget_cents": self.budget_cents,
            "small_community_attested": self.small_community_attested,
        }


def quote_for(*, category: MembershipCategory, facts: DuesFacts, on: dt.date, staff=False) -> Quote:
    """The quote an invoice will freeze. Population and budget count only when the member
    attests they are true (they earn the small-community discount)."""
    attested = facts.small_community_attested
    return dues_quote(
        category=category.code,
        position=facts.position,
        salary_cents=facts.salary_cents,
        population=facts.population if attested else None,
        budget_cents=facts.budget_cents if attested else None,
        on=on,
        allow_staff_only=staff,
    )


@dataclass(frozen=True)
class WithheldDiscounts:
    """What the facts would earn with the community figures confirmed, and the quote lost."""

    amount_cents: int
    labels: tuple[str, ...]
    total_if_confirmed_cents: int


def withheld_discounts(
    *, category: MembershipCategory, facts: DuesFacts, quote: Quote, on: dt.date
) -> WithheldDiscounts | None:
    """The discounts the member's own population and budget would earn but that the quote
    leaves out because the figures were not confirmed; None when nothing is withheld."""
    if facts.small_community_attested or (facts.population is None and facts.budget_cents is None):
        return None
    confirmed = DuesFacts(**{**facts.as_dict(), "small_community_attested": True})
    try:
        full = quote_for(category=category, facts=confirmed, on=on)
    except QuoteRefused:
        return None
    if full.total_cents >= quote.total_cents:
        return None
    have = {line.label for line in quote.lines}
    return WithheldDiscounts(
        amount_cents=quote.total_cents - full.total_cents,
        labels=tuple(
            line.label for line in full.lines if line.amount_cents < 0 and line.label not in have
        ),
        total_if_confirmed_cents=full.total_cents,
    )


def invoice_number_take(*, year: int) -> str:
    """`INV-2026-000123`: numbers run per year with no gaps between committed invoices."""
    counter, _created = InvoiceNumberCounter.objects.get_or_create(year=year)
    counter = InvoiceNumberCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"INV-{year}-{counter.last:06d}"


def installment_plan(*, total_cents: int, count: int, start_on: dt.date, term_months: int):
    """Split a total into `count` parts due at equal steps across the term; the first part
    carries the odd cents, so the parts always add up to the total."""
    base, remainder = divmod(total_cents, count)
    step = term_months // count
    return [
        (n + 1, add_months(start_on, step * n), base + (remainder if n == 0 else 0))
        for n in range(count)
    ]


@transaction.atomic
def membership_invoice_issue(
    *,
    member: Member,
    category: MembershipCategory,
    facts: DuesFacts,
    kind: str,
    on: dt.date,
    installment_count: int = 1,
    issued_by=None,
    quote_on: dt.date | None = None,
    email_member: bool = True,
) -> Invoice:
    """Freeze the quote of `on` into an invoice for a pending term. A member has at most one
    open invoice; later dues changes never alter this one. Staff issuing it on the member's
    behalf (`issued_by`) may use a staff-only category and may keep it from being e-mailed."""
    rules = MembershipRules.current()
    membership = membership_lock(member=member)
    if Invoice.objects.filter(member=member, status=InvoiceStatus.OPEN).exists():
        raise ValidationError(
            _("You already have an open invoice. Pay it or ask membership staff to cancel it.")
        )
    if installment_count != 1:
        if kind != "renewal" or membership.member_since_on is None:
            raise ValidationError(_("New members pay in full; installments are for renewals."))
        if category.code not in rules.installment_categories:
            names = MembershipCategory.objects.filter(code__in=rules.installment_categories)
            raise ValidationError(
                _("Installments are offered to these categories only: %(names)s.")
                % {"names": ", ".join(c.name for c in names)}
            )
        if installment_count not in rules.installment_counts:
            raise ValidationError(
                _("Choose %(counts)s installments, or pay in full.")
                % {"counts": _(" or ").join(map(str, rules.installment_counts))}
            )
    try:
        quote = quote_for(
            category=category, facts=facts, on=quote_on or on, staff=issued_by is not None
        )
    except QuoteRefused as refused:
        raise ValidationError(refused.errors) from refused
    term = term_plan(member=member, category=category, kind=kind, created_by=issued_by)
    now = timezone.now()
    invoice = Invoice.objects.create(
        number=invoice_number_take(year=on.year),
        member=member,
        term=term,
        kind=kind,
        category_name=category.name,
        schedule_id_used=quote.schedule_id,
        schedule_name=quote.schedule_name,
        schedule_effective_from=quote.schedule_effective_from,
        facts=facts.as_dict(),
        total_cents=quote.total_cents,
        installment_count=installment_count,
        issued_at=now,
        issued_on=on,
        due_on=on + dt.timedelta(days=rules.join_invoice_expiry_days),
        **bill_to_defaults(member=member),
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(invoice=invoice, position=i, label=line.label, amount_cents=line.amount_cents)
        for i, line in enumerate(quote.lines)
    )
    if installment_count > 1:
        Installment.objects.bulk_create(
            Installment(invoice=invoice, number=n, due_on=due, amount_cents=amount)
            for n, due, amount in installment_plan(
                total_cents=quote.total_cents,
                count=installment_count,
                start_on=on,
                term_months=rules.term_months,
            )
        )
    schedule_mark_used(schedule_id=quote.schedule_id)
    if email_member:
        notices.invoice_email_queue(invoice=invoice)
    return invoice


@transaction.atomic
def invoice_cancel(*, invoice: Invoice, reason: str, by, expired: bool = False) -> Invoice:
    """Close an unpaid invoice with a reason; its pending term is cancelled with it."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the invoice is cancelled.")})
    membership_lock(member=invoice.member)
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.OPEN:
        raise ValidationError(
            _("Invoice %(number)s is %(status)s; only open invoices can be cancelled.")
            % {"number": invoice.number, "status": invoice.get_status_display().lower()}
        )
    if invoice.group_id is not None:
        raise ValidationError(
            _("Invoice %(number)s is a section of consolidated invoice %(group)s.")
            % {"number": invoice.number, "group": invoice.group.number}
        )
    if invoice.paid_cents:
        raise ValidationError(
            _("Invoice %(number)s has payments recorded; refund them before cancelling.")
            % {"number": invoice.number}
        )
    invoice.status = InvoiceStatus.EXPIRED if expired else InvoiceStatus.CANCELLED
    invoice.close_reason = reason.strip()
    invoice.closed_at = timezone.now()
    invoice.closed_by = by
    invoice.save(update_fields=["status", "close_reason", "closed_at", "closed_by"])
    if invoice.term.status == TermStatus.PENDING:
        term_close(
            term=invoice.term, status=TermStatus.CANCELLED, reason=reason, on=timezone.localdate()
        )
    return invoice


def invoice_amount_due(invoice: Invoice) -> tuple[int, Installment | None]:
    """What the next payment must be: the next unpaid installment, or the whole balance."""
    if invoice.installment_count > 1:
        for installment in invoice.installments.all():
            if installment.paid_at is None:
                return installment.amount_cents, installment
        return 0, None
    return invoice.balance_cents, None
