"""Stripe events: stored once by Stripe's id, then processed by state-based handlers.

Handlers look at what the event is about and at our rows, never at the order events came in:
money is applied only through `card_payment_confirm` (idempotent), refunds are brought up to
what Stripe says, and a confirmed payment is never downgraded by a late event.
"""

import datetime as dt
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.gateways import PaymentError
from billing.models import EventState, Payment, PaymentState, StripeEvent
from billing.services.stripe_checkout import (
    card_payment_close,
    card_payment_confirm,
    checkout_fulfil,
    payment_for_metadata,
    stripe_id_of,
)
from billing.services.stripe_refunds import card_refunds_reconcile

MAX_ATTEMPTS = 5


def stripe_event_record(*, event: dict) -> tuple[StripeEvent, bool]:
    """Store a verified event once and queue its processing after commit. Returns the stored
    row and whether it was new; a duplicate delivery is acknowledged and changes nothing.

    Outside a transaction (the webhook view) the insert commits on its own: one round trip, the
    unique event id turning a duplicate into an IntegrityError that leaves nothing behind."""
    from billing.tasks import process_stripe_event

    created_at = event.get("created")
    fields = {
        "stripe_id": event["id"],
        "type": str(event["type"])[:100],
        "payload": event,
        "stripe_created_at": (
            dt.datetime.fromtimestamp(created_at, tz=dt.UTC)
            if isinstance(created_at, int)
            else None
        ),
    }
    try:
        if transaction.get_connection().in_atomic_block:
            with transaction.atomic():
                stored = StripeEvent.objects.create(**fields)
        else:
            stored = StripeEvent.objects.create(**fields)
    except IntegrityError:
        return StripeEvent.objects.get(stripe_id=event["id"]), False
    transaction.on_commit(partial(process_stripe_event.delay, stored.pk))
    return stored, True


def stripe_event_process(*, event_id: int) -> str:
    """Run the handler for a stored event once. The row lock makes a second worker holding the
    same event wait and then find it done. A handler that cannot reach Stripe leaves the event
    `failed`, to be tried again (up to MAX_ATTEMPTS) by the retry task or `stripe_reconcile`."""
    with transaction.atomic():
        event = StripeEvent.objects.select_for_update().get(pk=event_id)
        if event.state not in (EventState.RECEIVED, EventState.FAILED):
            return event.state
        if event.state == EventState.FAILED and event.attempts >= MAX_ATTEMPTS:
            return event.state
        event.attempts += 1
        handler = HANDLERS.get(event.type)
        if handler is None:
            event.state, event.error = EventState.IGNORED, ""
        else:
            try:
                with transaction.atomic():
                    event.state, event.error = handler(event)
            except PaymentError as error:
                event.state, event.error = EventState.FAILED, str(error)
        event.processed_at = timezone.now()
        event.save(update_fields=["state", "error", "attempts", "processed_at", "payment"])
        return event.state


def _done(message: str = "") -> tuple[str, str]:
    return EventState.PROCESSED, message


def _flag(message: str) -> tuple[str, str]:
    return EventState.FLAGGED, message


def _on_checkout_paid(event: StripeEvent) -> tuple[str, str]:
    session = event.data_object
    event.payment = payment_for_metadata(session.get("metadata"))
    if session.get("mode") not in (None, "payment"):
        return EventState.IGNORED, _("Not a one-time payment session.")
    result = checkout_fulfil(session_id=session["id"])
    event.payment = result.payment or event.payment
    if result.outcome in ("mismatch", "overpayment"):
        return _flag(result.detail)
    if result.outcome == "unknown":
        return EventState.IGNORED, result.detail
    return _done(result.outcome)


def _on_checkout_unpaid(event: StripeEvent) -> tuple[str, str]:
    session = event.data_object
    payment = event.payment = payment_for_metadata(session.get("metadata"))
    if payment is None:
        return EventState.IGNORED, _("Not one of our payments.")
    expired = event.type == "checkout.session.expired"
    card_payment_close(
        payment_id=payment.pk,
        state=PaymentState.CANCELED if expired else PaymentState.FAILED,
        note=_("Checkout expired without payment.")
        if expired
        else _("The bank payment failed after Checkout."),
    )
    return _done()


def _on_intent_succeeded(event: StripeEvent) -> tuple[str, str]:
    intent = event.data_object
    payment = event.payment = payment_for_metadata(intent.get("metadata"))
    if payment is None:
        return EventState.IGNORED, _("Not one of our payments.")
    session_id = payment.gateway_ids.get("checkout_session")
    if session_id:  # Checkout payments have one fulfilment path, through the session
        result = checkout_fulfil(session_id=session_id)
    else:
        result = card_payment_confirm(
            payment_id=payment.pk,
            amount_cents=intent.get("amount_received") or intent.get("amount"),
            currency=intent.get("currency") or "",
            payment_intent_id=intent["id"],
            charge_id=stripe_id_of(intent.get("latest_charge")),
        )
    if result.outcome in ("mismatch", "overpayment"):
        return _flag(result.detail)
    return _done(result.outcome)


def _on_intent_failed(event: StripeEvent) -> tuple[str, str]:
    intent = event.data_object
    payment = event.payment = payment_for_metadata(intent.get("metadata"))
    if payment is None:
        return EventState.IGNORED, _("Not one of our payments.")
    if payment.gateway_ids.get("checkout_session"):
        # On Stripe's page the member can try another card: the session decides the outcome.
        return _done(_("Attempt on the Checkout page failed; the member can try again."))
    error = (intent.get("last_payment_error") or {}).get("message") or ""
    card_payment_close(payment_id=payment.pk, state=PaymentState.FAILED, note=error)
    return _done()


def _payment_for_charge(charge: dict) -> Payment | None:
    payment = payment_for_metadata(charge.get("metadata"))
    if payment is None and charge.get("payment_intent"):
        payment = Payment.objects.filter(
            gateway="stripe", gateway_ids__payment_intent=charge["payment_intent"]
        ).first()
    return payment


def _on_charge_refunded(event: StripeEvent) -> tuple[str, str]:
    charge = event.data_object
    payment = event.payment = _payment_for_charge(charge)
    if payment is None:
        return _flag(_("A refund in Stripe for a charge we do not know: check it in Stripe."))
    added = card_refunds_reconcile(payment=payment, charge=charge)
    return _done(_("%(n)s refund(s) recorded.") % {"n": added})


def _on_dispute(event: StripeEvent) -> tuple[str, str]:
    dispute = event.data_object
    event.payment = (
        Payment.objects.filter(
            gateway="stripe", gateway_ids__charge=dispute.get("charge") or "-"
        ).first()
        or Payment.objects.filter(
            gateway="stripe", gateway_ids__payment_intent=dispute.get("payment_intent") or "-"
        ).first()
    )
    return _flag(
        _(
            "The cardholder disputed a payment of %(amount)s (reason: %(reason)s). Answer the "
            "dispute in Stripe's dashboard before its deadline."
        )
        % {
            "amount": f"${(dispute.get('amount') or 0) / 100:,.2f}",
            "reason": dispute.get("reason") or "?",
        }
    )


HANDLERS = {
    "checkout.session.completed": _on_checkout_paid,
    "checkout.session.async_payment_succeeded": _on_checkout_paid,
    "checkout.session.async_payment_failed": _on_checkout_unpaid,
    "checkout.session.expired": _on_checkout_unpaid,
    "payment_intent.succeeded": _on_intent_succeeded,
    "payment_intent.payment_failed": _on_intent_failed,
    "charge.refunded": _on_charge_refunded,
    "charge.dispute.created": _on_dispute,
}


@transaction.atomic
def stripe_event_resolve(*, event: StripeEvent, by) -> StripeEvent:
    """Staff mark a flagged event as dealt with."""
    event = StripeEvent.objects.select_for_update().get(pk=event.pk)
    if event.resolved_at is None:
        event.resolved_at = timezone.now()
        event.resolved_by = by
        event.save(update_fields=["resolved_at", "resolved_by"])
    return event
