"""Billing's tasks. They take ids and call one service, imported inside the task."""

from celery import shared_task

from config.celery import RETRY, transient_errors
from membership.history import (
    SOURCE_SAVED_CARD_CHARGE,
    SOURCE_STRIPE_EVENT,
    history_context,
)


@shared_task(acks_late=True, autoretry_for=transient_errors(), **RETRY)
@history_context(source=SOURCE_STRIPE_EVENT)
def process_stripe_event(event_id: int) -> str:
    """Process one stored Stripe event. Idempotent: a redelivered task finds the event done or
    claimed. If the database is away the task is retried; the sweep is the backstop."""
    from billing.services.stripe_events import stripe_event_process

    return stripe_event_process(event_id=event_id)


@shared_task(acks_late=True, autoretry_for=transient_errors(), **RETRY)
@history_context(source=SOURCE_STRIPE_EVENT)
def drain_stripe_events() -> int:
    """Process stored events in batches until none is left. Beat sends one every second or two
    and a burst of webhooks may ring for one sooner; drains at once split the events (SKIP
    LOCKED), and one that finds nothing costs two short queries."""
    from billing.services.stripe_events import stripe_events_drain

    done, more = stripe_events_drain()
    if more:  # a storm outlasted this task's share of time: hand on to a fresh task
        drain_stripe_events.delay()
    return done


@shared_task(acks_late=True, autoretry_for=transient_errors(), **RETRY)
def stripe_events_sweep() -> int:
    """Beat runs this every minute: events left `received` or `processing` too long, and
    failed ones whose retry is due, are queued again."""
    from billing.services.stripe_events import stripe_events_sweep as sweep

    return sweep()


@shared_task(acks_late=True, autoretry_for=transient_errors(), **RETRY)
@history_context(source=SOURCE_SAVED_CARD_CHARGE)
def charge_saved_card(charge_id: int, on: str) -> str:
    """One attempt at a saved-card charge on day `on`. A retry reuses the same payment row and
    so the same idempotency key: Stripe never charges twice for one attempt."""
    import datetime as dt

    from billing.services.stripe_charges import scheduled_charge_run

    return scheduled_charge_run(charge_id=charge_id, on=dt.date.fromisoformat(on))


# Under the broker's visibility timeout (600 s): a running export is never handed out twice.
@shared_task(acks_late=True, soft_time_limit=540, time_limit=580)
def member_export_task(export_id: int) -> str:
    """Write one member export. A redelivery (the worker died) starts the file again from the
    first member; a job already finished is left alone. Failures are recorded on the row."""
    from billing.services.member_exports import member_export_run

    return member_export_run(export_id=export_id)


@shared_task(acks_late=True, autoretry_for=transient_errors(), **RETRY)
def member_exports_sweep_task() -> int:
    """Beat runs this daily: exports older than MEMBER_EXPORT_KEEP_DAYS are deleted."""
    from billing.services.member_exports import member_exports_sweep

    return member_exports_sweep()
