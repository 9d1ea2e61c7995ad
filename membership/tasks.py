from celery import shared_task

from membership.services.members import member_send_welcome


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_welcome_email(member_id: int) -> bool:
    """Idempotent: a retry or a duplicate delivery never sends a second welcome."""
    return member_send_welcome(member_id=member_id)
