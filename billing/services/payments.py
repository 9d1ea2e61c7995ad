"""Recording money received and applying it to invoices, exactly once."""

import datetime as dt
from functools import partial

import structlog
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.gateways import PaymentError
from billing.models import Credit, Invoice, InvoiceStatus, OfflineMethod, Payment, PaymentState
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
    method: str = OfflineMethod.CHEQUE,
    submission_key: str | None = None,
) -> Payment:
    """Staff record a cheque or bank transfer as it arrived.

    Less than the balance is a partial payment: it is applied and the rest stays due (the term
    activates when the invoice is fully paid). More than the balance pays it and the rest is
    kept as a credit. Money for an invoice already paid (a duplicate, two posted at once) is
    kept whole as a credit and never extends the membership a second time. An installment
    invoice takes its installments to the cent, as before. The same form posted twice
    (`submission_key`) records one payment."""
    if amount_cents <= 0:
        raise PaymentError(_("Enter the amount received, more than $0.00."))
    membership_lock(member=invoice.member)
    if submission_key:
        earlier = Payment.objects.filter(submission_key=submission_key).first()
        if earlier is not None:
            return earlier
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.group_id is not None:
        raise PaymentError(
            _(
                "Invoice %(number)s is a section of consolidated invoice %(group)s; record the "
                "employer's payment on the consolidated invoice."
            )
            % {"number": invoice.number, "group": invoice.group.number}
        )
    money = partial(
        Payment.objects.create,
        invoice=invoice,
        gateway="offline",
        state=PaymentState.CONFIRMED,
        reference=reference,
        received_on=received_on,
        recorded_by=recorded_by,
        confirmed_at=timezone.now(),
        gateway_ids={"method": method},
    )
    if invoice.status == InvoiceStatus.PAID:
        payment = money(
            amount_cents=amount_cents,
            submission_key=submission_key or None,
            is_overpayment=True,
            note=_("Invoice was already paid: kept as a credit to refund or apply."),
        )
        credit_keep(member=invoice.member, amount_cents=amount_cents, source_payment=payment)
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
    if installment is not None and amount_cents != due_cents:
        raise PaymentError(
            _(
                "The amount due on %(number)s is %(due)s (installment %(n)s), but %(amount)s was "
                "entered. Installments are recorded to the cent; return a payment for another "
                "amount to the member."
            )
            % {
                "number": invoice.number,
                "due": format_cents(due_cents),
                "n": installment.number,
                "amount": format_cents(amount_cents),
            }
        )
    applied_cents = min(amount_cents, due_cents)
    payment = money(
        amount_cents=applied_cents, installment=installment, submission_key=submission_key or None
    )
    activated = invoice_apply_payment(invoice=invoice, payment=payment, paid_on=received_on)
    if amount_cents > applied_cents:
        extra = money(
            amount_cents=amount_cents - applied_cents,
            is_overpayment=True,
            note=_("More than the balance due: the rest is kept as a credit."),
        )
        credit_keep(member=invoice.member, amount_cents=extra.amount_cents, source_payment=extra)
    log.info(
        "payment_recorded",
        payment_id=payment.pk,
        invoice_id=invoice.pk,
        gateway="offline",
        outcome="activated" if activated else "applied",
    )
    return payment


@transaction.atomic
def invoice_settle_nothing_owed(*, invoice: Invoice, on: dt.date, recorded_by) -> Payment:
    """An invoice for $0.00 (Life issued by staff, say) is settled at once so its term starts:
    a confirmed $0.00 row, named "No dues owed" on the receipt, never a cheque."""
    membership_lock(member=invoice.member)
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.total_cents != 0 or invoice.status != InvoiceStatus.OPEN:
        raise PaymentError(
            _("Invoice %(number)s has dues to pay; record the payment instead.")
            % {"number": invoice.number}
        )
    payment = Payment.objects.create(
        invoice=invoice,
        gateway="none",
        state=PaymentState.CONFIRMED,
        amount_cents=0,
        received_on=on,
        recorded_by=recorded_by,
        confirmed_at=timezone.now(),
    )
    invoice_apply_payment(invoice=invoice, payment=payment, paid_on=on)
    log.info("payment_recorded", payment_id=payment.pk, invoice_id=invoice.pk, gateway="none")
    return payment


def credit_keep(
    *, amount_cents: int, member=None, group=None, source_payment=None, source_group_payment=None
) -> Credit:
    """Keep money that was not owed as a credit, for staff to refund or apply."""
    credit = Credit.objects.create(
        member=member,
        group=group,
        amount_cents=amount_cents,
        source_payment=source_payment,
        source_group_payment=source_group_payment,
    )
    log.info("credit_kept", credit_id=credit.pk, amount_cents=amount_cents)
    return credit


def invoice_apply_payment(*, invoice: Invoice, payment: Payment, paid_on: dt.date) -> bool:
    """Apply a confirmed payment to a locked invoice. The term activates when the invoice is
    fully paid, or, on an installment invoice, with the first installment.

    The caller holds the member's lock and the invoice's row lock. Returns True when the term
    was activated by this payment (`term_activate` is idempotent: a pending term starts once)."""
    first_money = invoice.paid_cents == 0
    invoice.paid_cents += payment.amount_cents
    if payment.installment_id:
        payment.installment.paid_at = timezone.now()
        payment.installment.save(update_fields=["paid_at"])
    if invoice.paid_cents + invoice.credited_cents >= invoice.total_cents:
        invoice.status = InvoiceStatus.PAID
        invoice.paid_at = timezone.now()
    invoice.save(update_fields=["paid_cents", "status", "paid_at"])
    activated = False
    by_installments = invoice.installment_count > 1
    if (by_installments and first_money) or invoice.status == InvoiceStatus.PAID:
        activated = term_activate(term_id=invoice.term_id, paid_on=paid_on)
    notices.receipt_email_queue(payment=payment)
    return activated
