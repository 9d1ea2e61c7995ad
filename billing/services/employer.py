"""Consolidated invoices: one employer paying for several of its members.

Each section is the member's own invoice, issued by `membership_invoice_issue` (the same dues
engine and rules as a member's own checkout). The employer's money is held on the consolidated
invoice until the whole total has arrived; then each section is paid through
`invoice_apply_payment`, which activates or extends that member's term exactly once."""

import datetime as dt

import structlog
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.gateways import PaymentError
from billing.models import (
    GroupInvoice,
    GroupInvoiceStatus,
    GroupPayment,
    Invoice,
    InvoiceStatus,
    OfflineMethod,
    Payment,
    PaymentState,
)
from billing.services.invoices import DuesFacts, invoice_number_take, membership_invoice_issue
from billing.services.payments import credit_keep, invoice_apply_payment
from membership.models import Member, MembershipCategory, MembershipRules
from membership.services.lifecycle import membership_lock

log = structlog.get_logger(__name__)


def section_category(*, member: Member, membership) -> MembershipCategory:
    """The member's current category, or the first one open to their position."""
    current = membership.category if membership.category_id else None
    if current is not None and current.allows_position(member.position):
        return current
    for category in MembershipCategory.objects.filter(member_selectable=True):
        if category.allows_position(member.position):
            return category
    raise ValidationError(
        _("%(name)s: no membership category admits the position on their profile.")
        % {"name": member.display_name}
    )


def section_facts(*, member: Member) -> DuesFacts:
    """The dues facts on the member's profile, as their own checkout would prefill them."""
    return DuesFacts(
        position=member.position,
        salary_cents=member.annual_salary_cents,
        population=member.population,
        budget_cents=member.general_fund_budget_cents,
        small_community_attested=member.small_community_attested_on is not None,
    )


def _section_for(*, member: Member, on: dt.date, issued_by) -> Invoice:
    """The member's section: their open invoice if one waits unpaid, else a new one."""
    membership = membership_lock(member=member)
    open_invoice = Invoice.objects.filter(member=member, status=InvoiceStatus.OPEN).first()
    if open_invoice is not None:
        if open_invoice.group_id is not None:
            raise ValidationError(
                _("%(name)s is already billed on consolidated invoice %(number)s.")
                % {"name": member.display_name, "number": open_invoice.group.number}
            )
        if open_invoice.paid_cents or open_invoice.installment_count > 1:
            raise ValidationError(
                _(
                    "%(name)s's open invoice %(number)s has payments or installments; settle "
                    "it on its own."
                )
                % {"name": member.display_name, "number": open_invoice.number}
            )
        return open_invoice
    kind = "renewal" if membership.member_since_on else "join"
    try:
        return membership_invoice_issue(
            member=member,
            category=section_category(member=member, membership=membership),
            facts=section_facts(member=member),
            kind=kind,
            on=on,
            issued_by=issued_by,
        )
    except ValidationError as refused:
        messages = [str(m) for m in refused.messages]
        raise ValidationError(
            _("%(name)s: %(why)s") % {"name": member.display_name, "why": " ".join(messages)}
        ) from refused


@transaction.atomic
def group_invoice_issue(
    *,
    members: list[Member],
    bill_to_organisation: str,
    bill_to_address: str,
    bill_to_email: str,
    purchase_order_number: str = "",
    on: dt.date,
    issued_by,
    submission_key: str | None = None,
) -> GroupInvoice:
    """One consolidated invoice with a section per member, each section the member's own
    invoice at today's dues. The same form posted twice issues it once."""
    if len({m.pk for m in members}) < 2:
        raise ValidationError(_("Choose at least two members; bill one member on their own."))
    if not bill_to_organisation.strip():
        raise ValidationError(_("Name the organisation that pays."))
    ordered = sorted({m.pk: m for m in members}.values(), key=lambda m: m.pk)
    # Members' locks in one order, so two staff billing overlapping members never deadlock.
    for member in ordered:
        membership_lock(member=member)
    if submission_key:
        earlier = GroupInvoice.objects.filter(submission_key=submission_key).first()
        if earlier is not None:
            return earlier
    rules = MembershipRules.current()
    sections = [_section_for(member=m, on=on, issued_by=issued_by) for m in ordered]
    group = GroupInvoice.objects.create(
        number=invoice_number_take(year=on.year),
        bill_to_organisation=bill_to_organisation.strip(),
        bill_to_address=bill_to_address.strip(),
        bill_to_email=bill_to_email.strip(),
        purchase_order_number=purchase_order_number.strip(),
        total_cents=sum(s.balance_cents for s in sections),
        issued_at=timezone.now(),
        issued_on=on,
        due_on=on + dt.timedelta(days=rules.join_invoice_expiry_days),
        created_by=issued_by,
        submission_key=submission_key or None,
    )
    Invoice.objects.filter(pk__in=[s.pk for s in sections]).update(
        group=group,
        bill_to_organisation=group.bill_to_organisation,
        bill_to_address=group.bill_to_address,
        bill_to_email=group.bill_to_email,
        purchase_order_number=group.purchase_order_number,
    )
    log.info("group_invoice_issued", group_id=group.pk, sections=len(sections))
    return group


@transaction.atomic
def group_payment_record(
    *,
    group: GroupInvoice,
    amount_cents: int,
    method: str,
    reference: str,
    received_on: dt.date,
    recorded_by,
    submission_key: str | None = None,
) -> GroupPayment:
    """Record the employer's cheque or transfer as it arrived.

    Less than the balance leaves the rest due and activates no one's term. The payment that
    completes the total pays every section at once (each term activated or extended once).
    Money beyond the total, or for an invoice already paid (a second identical transfer), is
    kept as the employer's credit and never extends anyone twice."""
    if amount_cents <= 0:
        raise PaymentError(_("Enter the amount received, more than $0.00."))
    if method not in OfflineMethod.values:
        raise PaymentError(_("Choose cheque or bank transfer."))
    group = GroupInvoice.objects.select_for_update().get(pk=group.pk)
    if submission_key:
        earlier = GroupPayment.objects.filter(submission_key=submission_key).first()
        if earlier is not None:
            return earlier
    if group.status == GroupInvoiceStatus.CANCELLED:
        raise PaymentError(
            _("Consolidated invoice %(number)s is cancelled and cannot take payments.")
            % {"number": group.number}
        )
    applied_cents = min(amount_cents, group.balance_cents)
    payment = GroupPayment.objects.create(
        group=group,
        method=method,
        amount_cents=amount_cents,
        applied_cents=applied_cents,
        reference=reference.strip(),
        received_on=received_on,
        recorded_by=recorded_by,
        submission_key=submission_key or None,
    )
    if amount_cents > applied_cents:
        credit_keep(
            group=group, amount_cents=amount_cents - applied_cents, source_group_payment=payment
        )
    if applied_cents:
        group.paid_cents += applied_cents
        if group.paid_cents == group.total_cents:
            group.status = GroupInvoiceStatus.PAID
            group.paid_at = timezone.now()
        group.save(update_fields=["paid_cents", "status", "paid_at"])
        if group.status == GroupInvoiceStatus.PAID:
            _sections_pay(group=group, remittance=payment)
    log.info(
        "group_payment_recorded",
        group_id=group.pk,
        group_payment_id=payment.pk,
        outcome="paid"
        if applied_cents and group.status == "paid"
        else "partial"
        if applied_cents
        else "credit",
    )
    return payment


def _sections_pay(*, group: GroupInvoice, remittance: GroupPayment) -> None:
    """Pay each section's balance from the completed consolidated invoice. The caller holds the
    consolidated invoice's lock; each member's lock is taken in member order."""
    sections = Invoice.objects.filter(group=group).order_by("member_id", "pk")
    for section in sections:
        membership_lock(member=section.member)
        invoice = Invoice.objects.select_for_update().get(pk=section.pk)
        if invoice.status != InvoiceStatus.OPEN or invoice.balance_cents <= 0:
            continue
        payment = Payment.objects.create(
            invoice=invoice,
            gateway="offline",
            state=PaymentState.CONFIRMED,
            amount_cents=invoice.balance_cents,
            reference=remittance.reference,
            received_on=remittance.received_on,
            recorded_by=remittance.recorded_by,
            confirmed_at=timezone.now(),
            gateway_ids={"method": remittance.method, "group": group.number},
            remittance=remittance,
        )
        invoice_apply_payment(invoice=invoice, payment=payment, paid_on=remittance.received_on)
