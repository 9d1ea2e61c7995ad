"""E-mails of the expert pool, sent by Celery after the change that causes them commits.

Tasks take ids and reload their rows; they send nothing if the row no longer says so (an
invitation withdrawn, a profile no longer paused), so a late or repeated delivery is safe.
"""

from celery import shared_task

from experts import notifications


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_invitation_email(engagement_id: int) -> bool:
    """Sent once per invitation: the engagement records when it went out."""
    return notifications.send_invitation(engagement_id=engagement_id)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_paused_for_lapse_email(profile_id: int) -> bool:
    return notifications.send_paused_for_lapse(profile_id=profile_id)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_resumed_email(profile_id: int) -> bool:
    return notifications.send_resumed(profile_id=profile_id)
