"""Recording money received and applying it to invoices, exactly once."""

import datetime as dt
from functools import partial

import structlog
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.gateways import PaymentError
from billing.models import Invoice, InvoiceStatus, Payment, PaymentState
from billing.services import notices
from billing.services.invoices import invoice_amount_due
from membership.money import format_cents
from membership.services.lifecycle import membership_lock, term_activate

log = structlog.get_logger(__name__)


@transaction.atomic
def payment_record_offline(
    *,
    invoice: Invoice,
    amount_cents: int,
    reference: str,
    received_on: dt.date,
    recorded_by,
) -> Payment:
    """Staff record a cheque. It must match the amount due to the cent. A cheque for an invoice
    that is already paid (two posted at once, a duplicate) is kept as an overpayment for staff
    to return, and never extends the membership a second time."""
    membership_lock(member=invoice.member)
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    cheque = partial(
        Payment.objects.create,
        invoice=invoice,
        gateway="offline",
        state=PaymentState.CONFIRMED,
        amount_cents=amount_cents,
        reference=reference,
        received_on=received_on,
        recorded_by=recorded_by,
        confirmed_at=timezone.now(),
    )
    if invoice.status == InvoiceStatus.PAID:
        payment = cheque(
            is_overpayment=True,
            note=_("Invoice was already paid: return or refund this payment."),
        )
        log.info(
            "payment_recorded",
            payment_id=payment.pk,
            invoice_id=invoice.pk,
            gateway="offline",
            outcome="overpayment",
        )
        return payment
    if invoice.status != InvoiceStatus.OPEN:
        raise PaymentError(
            _("Invoice %(number)s is %(status)s and cannot take payments. Issue a new invoice.")
            % {"number": invoice.number, "status": invoice.get_status_display().lower()}
        )
    due_cents, installment = invoice_amount_due(invoice)
    if amount_cents != due_cents:
        raise PaymentError(
            _(
                "The amount due on %(number)s is %(due)s, but %(amount)s was entered. Record "
                "the exact amount due; return a cheque for another amount to the member."
            )
            % {
                "number": invoice.number,
                "due": format_cents(due_cents),
                "amount": format_cents(amount_cents),
            }
        )
    payment = cheque(installment=installment)
    activated = invoice_apply_payment(invoice=invoice, payment=payment, paid_on=received_on)
    log.info(
        "payment_recorded",
        payment_id=payment.pk,
        invoice_id=invoice.pk,
        gateway="offline",
        outcome="activated" if activated else "applied",
    )
    return payment


def invoice_apply_payment(*, invoice: Invoice, payment: Payment, paid_on: dt.date) -> bool:
    """Apply a confirmed payment to a locked invoice; the first money on it activates the term.

    The caller holds the member's lock and the invoice's row lock. Returns True when the term
    was activated by this payment."""
    first_money = invoice.paid_cents == 0
    invoice.paid_cents += payment.amount_cents
    if payment.installment_id:
        payment.installment.paid_at = timezone.now()
        payment.installment.save(update_fields=["paid_at"])
    if invoice.paid_cents >= invoice.total_cents:
        invoice.status = InvoiceStatus.PAID
        invoice.paid_at = timezone.now()
    invoice.save(update_fields=["paid_cents", "status", "paid_at"])
    activated = False
    if first_money:
        activated = term_activate(term_id=invoice.term_id, paid_on=paid_on)
    notices.receipt_email_queue(payment=payment)
    return activated
