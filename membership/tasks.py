from celery import shared_task

from membership.services.members import member_send_welcome


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_welcome_email(member_id: int) -> bool:
    """Idempotent: a retry or a duplicate delivery never sends a second welcome."""
    return member_send_welcome(member_id=member_id)


@shared_task(acks_late=True)
def run_membership_daily(on: str | None = None) -> dict:
    """Beat runs this once a day. Safe to run twice or concurrently: see `membership_daily`."""
    import datetime as dt

    from django.utils import timezone

    from membership.services.daily import membership_daily

    day = dt.date.fromisoformat(on) if on else timezone.localdate()
    return membership_daily(on=day)
