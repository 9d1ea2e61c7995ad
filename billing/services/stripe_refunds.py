"""Refunds of card payments: made by staff here, or in Stripe's dashboard and reconciled.

A staff refund is a row before it is a call to Stripe. The `Refund` row is committed `created`
first (its money reserved), Stripe is called outside any transaction with the row's id as the
idempotency key and in its metadata, and the answer then makes the row `succeeded` or `failed`.
Without a definite answer the row stays `created` with the error recorded, for staff to retry;
a retry reuses the row, so a lost answer can never turn into a second refund.
"""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from billing.gateways import PaymentError, provider
from billing.models import Payment, PaymentState, Refund, RefundState
from membership.models import TermStatus
from membership.money import format_cents
from membership.services.lifecycle import membership_lock, term_close

logger = logging.getLogger(__name__)

# What Stripe calls a refund that is made (`pending` ones settle without further action).
STRIPE_REFUND_MADE = ("succeeded", "pending")
STRIPE_REFUND_FAILED = ("failed", "canceled")


def _sum_cents(refunds) -> int:
    return refunds.aggregate(total=Sum("amount_cents"))["total"] or 0


def payment_refunded_cents(*, payment: Payment) -> int:
    """Money given back on `payment`: succeeded refunds only."""
    return _sum_cents(payment.refunds.filter(state=RefundState.SUCCEEDED))


def payment_refundable_cents(*, payment: Payment) -> int:
    """What can still be refunded: the amount less succeeded and pending refunds. A pending
    refund may have been made at Stripe, so its money stays reserved until its outcome is known."""
    held = payment.refunds.filter(state__in=[RefundState.SUCCEEDED, RefundState.CREATED])
    return payment.amount_cents - _sum_cents(held)


def payment_pending_refund(*, payment: Payment) -> Refund | None:
    """The refund of `payment` whose outcome at Stripe is not known yet, if any."""
    return payment.refunds.filter(state=RefundState.CREATED).order_by("id").first()


def payment_refund_state_refresh(*, payment: Payment) -> None:
    """A confirmed payment whose succeeded refunds add up to its amount is `refunded`; never the
    other way round for a payment that is not confirmed (its money has not been applied yet)."""
    if payment.state not in (PaymentState.CONFIRMED, PaymentState.REFUNDED):
        return
    full = payment_refunded_cents(payment=payment) >= payment.amount_cents
    state = PaymentState.REFUNDED if full else PaymentState.CONFIRMED
    if payment.state != state:
        payment.state = state
        payment.save(update_fields=["state"])


def refund_amount_check(*, payment: Payment, amount_cents: int, cancel_term: bool) -> None:
    """What any refund of a payment must respect, by card or offline: no more than is left,
    and only a refund of everything left may cancel the term."""
    refundable = payment_refundable_cents(payment=payment)
    if not 0 < amount_cents <= refundable:
        raise ValidationError(
            {
                "amount": _("Refund between $0.01 and %(max)s, what is left of this payment.")
                % {"max": format_cents(refundable)}
            }
        )
    if cancel_term and amount_cents != refundable:
        raise ValidationError(
            {"cancel_term": _("Only a refund of everything that is left can cancel the term.")}
        )


def refund_term_close(*, refund: Refund, payment: Payment, reason: str) -> None:
    """Once a refund has succeeded: cancel the term it paid for if staff asked and the term is
    still active (the caller saves `refund.term_cancelled`)."""
    term = payment.invoice.term
    if refund.cancel_term_requested and term is not None and term.status == TermStatus.ACTIVE:
        term_close(term=term, status=TermStatus.REFUNDED, reason=reason, on=timezone.localdate())
        refund.term_cancelled = True


def card_payment_refund(
    *, payment: Payment, amount_cents: int, reason: str, by, cancel_term: bool = False
) -> Refund:
    """Give back all or part of a card payment through Stripe, with a reason. A full refund
    may also cancel the term it paid for (once the refund has succeeded).

    The row is committed before Stripe is called and Stripe is called outside any transaction,
    so the refund comes back in its outcome's state: `succeeded`, `failed` (Stripe refused,
    nothing was refunded) or still `created` (no definite answer: retry it with
    `card_refund_retry`). Raises `ValidationError` when the refund is not allowed."""
    refund = card_refund_open(
        payment=payment, amount_cents=amount_cents, reason=reason, by=by, cancel_term=cancel_term
    )
    return _card_refund_attempt(refund_id=refund.pk)


@transaction.atomic
def card_refund_open(
    *, payment: Payment, amount_cents: int, reason: str, by, cancel_term: bool = False
) -> Refund:
    """Commit a `created` refund row for a confirmed card payment, reserving its amount. While
    one refund of a payment is pending no other is opened: its outcome decides what is left."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the money is refunded.")})
    membership_lock(member=payment.invoice.member)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.gateway != "stripe" or payment.state not in (
        PaymentState.CONFIRMED,
        PaymentState.REFUNDED,
    ):
        raise ValidationError(_("Only confirmed card payments can be refunded here."))
    pending = payment_pending_refund(payment=payment)
    if pending is not None:
        raise ValidationError(
            _(
                "A refund of %(amount)s from %(date)s is still pending: Stripe's answer was lost. "
                "Retry that refund on this page first; then refund what is left, if anything."
            )
            % {
                "amount": format_cents(pending.amount_cents),
                "date": date_format(timezone.localtime(pending.created_at), "DATETIME_FORMAT"),
            }
        )
    refund_amount_check(payment=payment, amount_cents=amount_cents, cancel_term=cancel_term)
    return Refund.objects.create(
        payment=payment,
        amount_cents=amount_cents,
        reason=reason.strip(),
        created_by=by,
        cancel_term_requested=cancel_term,
        state=RefundState.CREATED,
    )


def card_refund_retry(*, refund: Refund) -> Refund:
    """Ask Stripe again for a pending refund, with the same row and idempotency key: never a new
    row, and a refund Stripe already made for this row is adopted rather than made again. Only
    a `created` refund can be retried."""
    state = Refund.objects.values_list("state", flat=True).get(pk=refund.pk)
    if state != RefundState.CREATED:
        raise ValidationError(
            _("This refund is no longer pending (it is %(state)s): there is nothing to retry.")
            % {"state": RefundState(state).label}
        )
    return _card_refund_attempt(refund_id=refund.pk)


def _card_refund_attempt(*, refund_id: int) -> Refund:
    """One call to Stripe for a committed refund row, then its outcome recorded. Runs outside
    any transaction of its own: no row lock is held while Stripe is asked."""
    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    try:
        made = provider("stripe").execute_refund(refund)
    except PaymentError as error:
        return _card_refund_outcome_record(refund_id=refund_id, error=error)
    except Exception as error:
        # A failure of ours: Stripe may have acted, so the row stays pending, with the error.
        _card_refund_outcome_record(refund_id=refund_id, error=error)
        raise
    return _card_refund_outcome_record(refund_id=refund_id, made=made)


@transaction.atomic
def _card_refund_outcome_record(
    *, refund_id: int, made: dict | None = None, error: Exception | None = None
) -> Refund:
    """Record what came of one attempt. A definite refusal fails the refund; no definite answer
    (or an error of ours) leaves it `created` with the error, its money still reserved. A refund
    that is no longer `created` (a `charge.refunded` event got there first) is left as it is."""
    unlocked = Refund.objects.select_related("payment__invoice__member").get(pk=refund_id)
    membership_lock(member=unlocked.payment.invoice.member)
    payment = (
        Payment.objects.select_for_update()
        .select_related("invoice__term")
        .get(pk=unlocked.payment_id)
    )
    refund = Refund.objects.select_for_update().get(pk=refund_id)
    if refund.state != RefundState.CREATED:
        return refund
    if error is not None:
        refund.error = str(error) or error.__class__.__name__
        if isinstance(error, PaymentError) and not error.outcome_unknown:
            refund.state = RefundState.FAILED
        refund.save(update_fields=["state", "error", "updated_at"])
        logger.warning(
            "Refund %s of payment %s: %s", refund.pk, payment.pk, refund.get_state_display()
        )
        return refund
    if made.get("status") in STRIPE_REFUND_FAILED:
        _card_refund_fail(refund=refund, stripe_refund=made)
    else:
        _card_refund_succeed(refund=refund, payment=payment, stripe_refund_id=made["id"])
    logger.info("Refund %s of payment %s: %s", refund.pk, payment.pk, refund.state)
    return refund


def _card_refund_fail(*, refund: Refund, stripe_refund: dict) -> None:
    refund.state = RefundState.FAILED
    refund.stripe_refund_id = stripe_refund.get("id") or None
    refund.error = _("Stripe could not make the refund (%(reason)s).") % {
        "reason": stripe_refund.get("failure_reason") or stripe_refund.get("status")
    }
    refund.save(update_fields=["state", "stripe_refund_id", "error", "updated_at"])


def _card_refund_succeed(*, refund: Refund, payment: Payment, stripe_refund_id: str) -> None:
    """Mark a pending refund made at Stripe; the caller holds the member, payment and refund
    locks. The term is cancelled only now, and only if staff asked and it is still active."""
    refund.state = RefundState.SUCCEEDED
    refund.stripe_refund_id = stripe_refund_id
    refund.error = ""
    refund_term_close(
        refund=refund,
        payment=payment,
        reason=_("Card payment refunded: %(reason)s") % {"reason": refund.reason},
    )
    refund.save(
        update_fields=["state", "stripe_refund_id", "error", "term_cancelled", "updated_at"]
    )
    payment_refund_state_refresh(payment=payment)


@transaction.atomic
def card_refunds_reconcile(*, payment: Payment, charge: dict) -> int:
    """Bring our refunds up to what a `charge.refunded` event says. A listed refund whose
    metadata names one of our pending rows completes that row (never a second row); others
    (made in Stripe's dashboard) are added as succeeded. State-based: an older event with less
    refunded changes nothing, and the same event twice adds nothing. Returns the number of
    refunds recorded (added, or ours completed)."""
    membership_lock(member=payment.invoice.member)
    payment = Payment.objects.select_for_update().select_related("invoice__term").get(pk=payment.pk)
    known = set(
        payment.refunds.exclude(stripe_refund_id=None).values_list("stripe_refund_id", flat=True)
    )
    pending = {
        str(refund.pk): refund
        for refund in Refund.objects.select_for_update().filter(
            payment=payment, state=RefundState.CREATED
        )
    }
    recorded = 0
    listed = ((charge.get("refunds") or {}).get("data")) or []
    for item in sorted(listed, key=lambda r: (r.get("created") or 0, r.get("id") or "")):
        if item.get("id") in known:
            continue
        ours = pending.pop(str((item.get("metadata") or {}).get("refund_id")), None)
        if ours is not None and item.get("status") in STRIPE_REFUND_MADE:
            _card_refund_succeed(refund=ours, payment=payment, stripe_refund_id=item["id"])
            recorded += 1
        elif ours is not None and item.get("status") in STRIPE_REFUND_FAILED:
            _card_refund_fail(refund=ours, stripe_refund=item)
        elif ours is None and item.get("status") in STRIPE_REFUND_MADE:
            Refund.objects.create(
                payment=payment,
                amount_cents=item["amount"],
                currency=item.get("currency") or "usd",
                reason=_("Refunded in Stripe's dashboard"),
                stripe_refund_id=item["id"],
                state=RefundState.SUCCEEDED,
            )
            recorded += 1
    missing = int(charge.get("amount_refunded") or 0) - payment_refunded_cents(payment=payment)
    if missing > 0:  # Stripe did not list the refunds: record the difference under no id
        Refund.objects.create(
            payment=payment,
            amount_cents=missing,
            reason=_("Refunded in Stripe's dashboard (no refund details in the event)"),
            state=RefundState.SUCCEEDED,
        )
        recorded += 1
    payment_refund_state_refresh(payment=payment)
    return recorded
