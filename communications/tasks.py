"""Outbox tasks. They take ids; services are imported inside the task (one-way imports)."""

from celery import shared_task

from config.celery import RETRY, transient_errors


@shared_task(acks_late=True, autoretry_for=transient_errors(), **RETRY)
def send_message(message_id: int) -> str:
    """Send one queued message. A duplicate delivery finds it claimed or sent and does
    nothing; a database error before the claim leaves the row for the sweep."""
    from communications.services.outbox import message_send

    return message_send(message_id=message_id)


@shared_task(acks_late=True, autoretry_for=transient_errors(), **RETRY)
def send_messages(message_ids: list[int]) -> int:
    """Queue one `send_message` per id: a job that queues thousands of messages publishes one
    task per chunk, and workers fan it out. A retry or a duplicate delivery queues some sends
    twice, which `send_message` ignores; an id never queued is picked up by the sweep."""
    for message_id in message_ids:
        send_message.delay(message_id)
    return len(message_ids)


@shared_task(acks_late=True, autoretry_for=transient_errors(), **RETRY)
def sweep_outbox() -> int:
    """Beat runs this every minute: messages that are due and that no task is working on."""
    from communications.services.campaigns import campaigns_resume
    from communications.services.outbox import outbox_sweep

    campaigns_resume()
    return outbox_sweep()


@shared_task(acks_late=True, autoretry_for=transient_errors(), **RETRY)
def send_campaign_step(campaign_id: int) -> None:
    """One chunk of a bulk message; queues the next after the throttle's pause."""
    from communications.services.campaigns import campaign_step

    delay = campaign_step(campaign_id=campaign_id)
    if delay is not None:
        send_campaign_step.apply_async((campaign_id,), countdown=delay)
