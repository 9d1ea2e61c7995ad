"""Money given back on a cheque or bank transfer: ICMA returns it by cheque or transfer of its
own, and staff record that here with a reason. Nothing is called outside, so the refund is
made when it is recorded; a full refund may also end the term the payment paid for."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from billing.models import Payment, PaymentState, Refund, RefundState
from billing.services.stripe_refunds import (
    payment_refund_state_refresh,
    payment_refundable_cents,
    refund_amount_check,
    refund_term_close,
)
from membership.services.lifecycle import membership_lock


def offline_refund_refusal(payment: Payment) -> str:
    """Why this payment cannot be refunded here, or "" when it can."""
    if payment.gateway != "offline":
        return _("Only cheques and bank transfers are refunded here.")
    if payment.is_overpayment:
        return _("This money was kept as a credit: refund it from the credit's page.")
    if payment.state not in (PaymentState.CONFIRMED, PaymentState.REFUNDED):
        return _("Only a payment that was applied to the invoice can be refunded.")
    if payment_refundable_cents(payment=payment) <= 0:
        return _("Everything this payment brought has been refunded already.")
    return ""


@transaction.atomic
def offline_payment_refund(
    *, payment: Payment, amount_cents: int, reason: str, by, cancel_term: bool = False
) -> Refund:
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the money is refunded.")})
    membership_lock(member=payment.invoice.member)
    payment = Payment.objects.select_for_update().select_related("invoice__term").get(pk=payment.pk)
    refusal = offline_refund_refusal(payment)
    if refusal:
        raise ValidationError(refusal)
    refund_amount_check(payment=payment, amount_cents=amount_cents, cancel_term=cancel_term)
    refund = Refund.objects.create(
        payment=payment,
        amount_cents=amount_cents,
        reason=reason.strip(),
        created_by=by,
        cancel_term_requested=cancel_term,
        state=RefundState.SUCCEEDED,
    )
    refund_term_close(
        refund=refund,
        payment=payment,
        reason=_("Payment refunded: %(reason)s") % {"reason": refund.reason},
    )
    if refund.term_cancelled:
        refund.save(update_fields=["term_cancelled", "updated_at"])
    payment_refund_state_refresh(payment=payment)
    return refund
