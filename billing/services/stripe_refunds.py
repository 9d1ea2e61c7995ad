"""Refunds of card payments: made by staff here, or in Stripe's dashboard and reconciled."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.gateways import provider
from billing.models import Payment, PaymentState, Refund
from membership.models import TermStatus
from membership.money import format_cents
from membership.services.lifecycle import membership_lock, term_close


def payment_refunded_cents(*, payment: Payment) -> int:
    return payment.refunds.aggregate(total=Sum("amount_cents"))["total"] or 0


def payment_refund_state_refresh(*, payment: Payment) -> None:
    """A confirmed payment whose refunds add up to its amount is `refunded`; never the other
    way round for a payment that is not confirmed (its money has not been applied yet)."""
    if payment.state not in (PaymentState.CONFIRMED, PaymentState.REFUNDED):
        return
    full = payment_refunded_cents(payment=payment) >= payment.amount_cents
    state = PaymentState.REFUNDED if full else PaymentState.CONFIRMED
    if payment.state != state:
        payment.state = state
        payment.save(update_fields=["state"])


@transaction.atomic
def card_payment_refund(
    *, payment: Payment, amount_cents: int, reason: str, by, cancel_term: bool = False
) -> Refund:
    """Give back all or part of a card payment through Stripe, with a reason. A full refund
    may also cancel the term it paid for (the term becomes `refunded`)."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the money is refunded.")})
    membership_lock(member=payment.invoice.member)
    payment = Payment.objects.select_for_update().select_related("invoice__term").get(pk=payment.pk)
    if payment.gateway != "stripe" or payment.state not in (
        PaymentState.CONFIRMED,
        PaymentState.REFUNDED,
    ):
        raise ValidationError(_("Only confirmed card payments can be refunded here."))
    refundable = payment.amount_cents - payment_refunded_cents(payment=payment)
    if not 0 < amount_cents <= refundable:
        raise ValidationError(
            {
                "amount": _("Refund between $0.01 and %(max)s, what is left of this payment.")
                % {"max": format_cents(refundable)}
            }
        )
    full = amount_cents == refundable
    if cancel_term and not full:
        raise ValidationError(
            {"cancel_term": _("Only a refund of everything that is left can cancel the term.")}
        )
    refund = Refund.objects.create(
        payment=payment, amount_cents=amount_cents, reason=reason.strip(), created_by=by
    )
    # The refund row's id is the idempotency key: a retried form post refunds once.
    result = provider("stripe").execute_refund(
        payment=payment, amount_cents=amount_cents, reason=reason, refund_id=refund.pk
    )
    refund.stripe_refund_id = result["id"]
    if cancel_term and payment.invoice.term.status == TermStatus.ACTIVE:
        term_close(
            term=payment.invoice.term,
            status=TermStatus.REFUNDED,
            reason=_("Card payment refunded: %(reason)s") % {"reason": reason.strip()},
            on=timezone.localdate(),
        )
        refund.term_cancelled = True
    refund.save(update_fields=["stripe_refund_id", "term_cancelled"])
    payment_refund_state_refresh(payment=payment)
    return refund


@transaction.atomic
def card_refunds_reconcile(*, payment: Payment, charge: dict) -> int:
    """Bring our refunds up to what a `charge.refunded` event says (refunds made in Stripe's
    dashboard). State-based: an older event with less refunded changes nothing, and the same
    event twice adds nothing. Returns the number of refunds added."""
    membership_lock(member=payment.invoice.member)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    known = set(
        payment.refunds.exclude(stripe_refund_id=None).values_list("stripe_refund_id", flat=True)
    )
    added = 0
    listed = ((charge.get("refunds") or {}).get("data")) or []
    for item in sorted(listed, key=lambda r: (r.get("created") or 0, r.get("id") or "")):
        if item.get("id") in known or item.get("status") not in ("succeeded", "pending"):
            continue
        Refund.objects.create(
            payment=payment,
            amount_cents=item["amount"],
            currency=item.get("currency") or "usd",
            reason=_("Refunded in Stripe's dashboard"),
            stripe_refund_id=item["id"],
        )
        added += 1
    missing = int(charge.get("amount_refunded") or 0) - payment_refunded_cents(payment=payment)
    if missing > 0:  # Stripe did not list the refunds: record the difference under no id
        Refund.objects.create(
            payment=payment,
            amount_cents=missing,
            reason=_("Refunded in Stripe's dashboard (no refund details in the event)"),
        )
        added += 1
    payment_refund_state_refresh(payment=payment)
    return added
