from celery import shared_task

from billing.services import notices
from membership.history import (
    SOURCE_SAVED_CARD_CHARGE,
    SOURCE_STRIPE_EVENT,
    history_context,
)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_invoice_email(invoice_id: int) -> None:
    """Sent once after the invoice is committed; a retry re-sends the same invoice."""
    notices.invoice_email_send(invoice_id=invoice_id)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_receipt_email(payment_id: int) -> None:
    notices.receipt_email_send(payment_id=payment_id)


@shared_task(acks_late=True)
@history_context(source=SOURCE_STRIPE_EVENT)
def process_stripe_event(event_id: int) -> str:
    """Process one stored Stripe event. Idempotent: a redelivered task finds the event done."""
    from billing.services.stripe_events import stripe_event_process

    return stripe_event_process(event_id=event_id)


@shared_task(acks_late=True)
@history_context(source=SOURCE_STRIPE_EVENT)
def retry_failed_stripe_events() -> int:
    """Beat runs this every few minutes: events whose handler could not reach Stripe."""
    from billing.models import EventState, StripeEvent
    from billing.services.stripe_events import MAX_ATTEMPTS, stripe_event_process

    ids = StripeEvent.objects.filter(
        state=EventState.FAILED, attempts__lt=MAX_ATTEMPTS
    ).values_list("pk", flat=True)
    return sum(stripe_event_process(event_id=pk) == EventState.PROCESSED for pk in list(ids))


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
@history_context(source=SOURCE_SAVED_CARD_CHARGE)
def charge_saved_card(charge_id: int, on: str) -> str:
    """One attempt at a saved-card charge on day `on`. A retry reuses the same payment row and
    so the same idempotency key: Stripe never charges twice for one attempt."""
    import datetime as dt

    from billing.services.stripe_charges import scheduled_charge_run

    return scheduled_charge_run(charge_id=charge_id, on=dt.date.fromisoformat(on))


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_card_charge_notice(charge_id: int, what: str) -> None:
    notices.card_charge_notice_send(charge_id=charge_id, what=what)
