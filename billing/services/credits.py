"""Credits (money received beyond what was owed), purchase orders and credit notes."""

import datetime as dt

import structlog
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import (
    Credit,
    CreditNote,
    CreditNoteNumberCounter,
    GroupInvoice,
    Invoice,
    InvoiceStatus,
    OfflineMethod,
    Payment,
    PaymentState,
)
from billing.services.payments import invoice_apply_payment
from membership.money import format_cents
from membership.services.lifecycle import membership_lock

log = structlog.get_logger(__name__)


def _credit_locked(credit: Credit) -> Credit:
    return Credit.objects.select_for_update().get(pk=credit.pk)


def credit_owner_members(credit: Credit) -> set[int]:
    """The members whose invoices a credit may pay: its member, or the members of the
    consolidated invoice it came from."""
    if credit.member_id:
        return {credit.member_id}
    return set(Invoice.objects.filter(group_id=credit.group_id).values_list("member_id", flat=True))


@transaction.atomic
def credit_apply(*, credit: Credit, invoice: Invoice, by) -> Payment:
    """Apply what is left of a credit to an open invoice of the member it belongs to (for an
    employer's credit, one of the members it paid for); never more than the balance due."""
    if invoice.member_id not in credit_owner_members(credit):
        raise ValidationError(
            _("Invoice %(number)s is not for a member this credit belongs to.")
            % {"number": invoice.number}
        )
    membership_lock(member=invoice.member)
    credit = _credit_locked(credit)
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.OPEN or invoice.group_id is not None:
        raise ValidationError(
            _("Invoice %(number)s is not open on its own; apply the credit to an open invoice.")
            % {"number": invoice.number}
        )
    if invoice.installment_count > 1:
        raise ValidationError(_("Installment invoices are paid installment by installment."))
    amount_cents = min(credit.remaining_cents, invoice.balance_cents)
    if amount_cents <= 0:
        raise ValidationError(_("Nothing is left of this credit to apply."))
    payment = Payment.objects.create(
        invoice=invoice,
        gateway="credit",
        state=PaymentState.CONFIRMED,
        amount_cents=amount_cents,
        received_on=timezone.localdate(),
        recorded_by=by,
        confirmed_at=timezone.now(),
        gateway_ids={"credit": credit.pk},
    )
    credit.applied_cents += amount_cents
    credit.save(update_fields=["applied_cents"])
    invoice_apply_payment(invoice=invoice, payment=payment, paid_on=timezone.localdate())
    log.info("credit_applied", credit_id=credit.pk, invoice_id=invoice.pk, payment_id=payment.pk)
    return payment


@transaction.atomic
def credit_refund_record(*, credit: Credit, method: str, reference: str, reason: str, by) -> Credit:
    """Record that what is left of a credit was returned offline (a cheque or transfer back),
    with the reason; the credit can then no longer be applied."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the money is returned.")})
    if method not in OfflineMethod.values:
        raise ValidationError(_("Choose cheque or bank transfer."))
    credit = _credit_locked(credit)
    if credit.remaining_cents <= 0:
        raise ValidationError(_("Nothing is left of this credit to refund."))
    credit.refunded_cents += credit.remaining_cents
    credit.refunded_at = timezone.now()
    credit.refunded_by = by
    credit.refund_method = method
    credit.refund_reference = reference.strip()
    credit.refund_reason = reason.strip()
    credit.save()
    log.info("credit_refunded", credit_id=credit.pk)
    return credit


@transaction.atomic
def purchase_order_record(
    *, document: Invoice | GroupInvoice, number: str, received_on: dt.date
) -> Invoice | GroupInvoice:
    """A purchase order is a promise to pay, not a payment: its number and the day it came are
    noted on the invoice, which stays open and owes the same."""
    if not number.strip():
        raise ValidationError({"number": _("Enter the purchase-order number.")})
    model = type(document)
    document = model.objects.select_for_update().get(pk=document.pk)
    if document.status != "open":
        raise ValidationError(
            _("%(number)s is %(status)s; a purchase order is noted on open invoices only.")
            % {"number": document.number, "status": document.get_status_display().lower()}
        )
    document.purchase_order_number = number.strip()
    document.purchase_order_received_on = received_on
    document.save(update_fields=["purchase_order_number", "purchase_order_received_on"])
    if model is GroupInvoice:
        Invoice.objects.filter(group=document).update(
            purchase_order_number=document.purchase_order_number,
            purchase_order_received_on=received_on,
        )
    return document


def credit_note_number_take(*, year: int) -> str:
    """`CN-2026-000001`: numbered per year, apart from invoices."""
    counter, _created = CreditNoteNumberCounter.objects.get_or_create(year=year)
    counter = CreditNoteNumberCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"CN-{year}-{counter.last:06d}"


@transaction.atomic
def credit_note_issue(*, invoice: Invoice, amount_cents: int, reason: str, by) -> CreditNote:
    """Reduce what an open invoice asks for, with a credit note of its own number; the frozen
    lines and total stay as issued. A reduction that leaves only what was already paid settles
    the invoice (and activates its term); money already paid is refunded, not credited here."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the invoice is reduced.")})
    membership_lock(member=invoice.member)
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status != InvoiceStatus.OPEN:
        raise ValidationError(
            _("Invoice %(number)s is %(status)s; only an open invoice can be reduced.")
            % {"number": invoice.number, "status": invoice.get_status_display().lower()}
        )
    if invoice.group_id is not None or invoice.installment_count > 1:
        raise ValidationError(
            _(
                "Invoice %(number)s is a consolidated section or paid in installments; cancel "
                "it and issue a new one instead."
            )
            % {"number": invoice.number}
        )
    if not 0 < amount_cents <= invoice.balance_cents:
        raise ValidationError(
            {
                "amount": _("Enter an amount up to the balance due, %(balance)s.")
                % {"balance": format_cents(invoice.balance_cents)}
            }
        )
    if amount_cents == invoice.balance_cents and not invoice.paid_cents:
        raise ValidationError(
            {"amount": _("Nothing would be left to pay: cancel the invoice instead.")}
        )
    now = timezone.now()
    note = CreditNote.objects.create(
        number=credit_note_number_take(year=timezone.localdate().year),
        invoice=invoice,
        amount_cents=amount_cents,
        reason=reason.strip(),
        issued_at=now,
        issued_on=timezone.localdate(),
        issued_by=by,
    )
    invoice.credited_cents += amount_cents
    fields = ["credited_cents"]
    if invoice.balance_cents == 0:
        invoice.status = InvoiceStatus.PAID
        invoice.paid_at = now
        fields += ["status", "paid_at"]
    invoice.save(update_fields=fields)
    if invoice.status == InvoiceStatus.PAID:
        from membership.services.lifecycle import term_activate

        term_activate(term_id=invoice.term_id, paid_on=timezone.localdate())
    log.info("credit_note_issued", credit_note_id=note.pk, invoice_id=invoice.pk)
    return note
