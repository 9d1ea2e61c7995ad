from celery import shared_task

from config.celery import RETRY, transient_errors
from membership.services.members import member_send_welcome


@shared_task(acks_late=True, autoretry_for=transient_errors(), **RETRY)
def send_welcome_email(member_id: int) -> bool:
    """Idempotent: a retry or a duplicate delivery never queues a second welcome."""
    return member_send_welcome(member_id=member_id)


@shared_task(acks_late=True, autoretry_for=transient_errors(), **RETRY)
def run_membership_daily(on: str | None = None) -> list[str]:
    """Beat runs this once a day: it queues each part of the day's work as a task of its own,
    so one part that fails is retried without holding back the others."""
    import datetime as dt

    from django.utils import timezone

    from membership.services.daily import daily_part_names

    day = (dt.date.fromisoformat(on) if on else timezone.localdate()).isoformat()
    names = daily_part_names()
    for name in names:
        run_daily_part.delay(name, day)
    return names


@shared_task(bind=True, acks_late=True, max_retries=6)
def run_daily_part(self, name: str, on: str) -> dict:
    """One part of the daily job. Any failure is retried with backoff (each part is safe to run
    again); after the last retry the error stays in the worker's log."""
    import datetime as dt

    from membership.services.daily import daily_part_run

    try:
        return daily_part_run(name=name, on=dt.date.fromisoformat(on))
    except Exception as error:
        raise self.retry(exc=error, countdown=min(30 * 2**self.request.retries, 1800)) from error


@shared_task(acks_late=True, autoretry_for=transient_errors(), **RETRY)
def send_dues_change_notices(schedule_id: int) -> int:
    """Each notice is keyed by schedule and member, so a retry never sends one twice."""
    from membership.services.dues_notices import dues_change_notices_queue

    return dues_change_notices_queue(schedule_id=schedule_id)


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900)
def member_import_commit_task(import_id: int) -> None:
    """Safe to run again: imported legacy ids are skipped, so a retry or a redelivery after a
    worker died resumes where the last committed chunk ended. A failure is recorded on the
    import row (state `failed`, the error) and staff start the commit again."""
    from membership.imports.services import member_import_run

    member_import_run(import_id=import_id)


@shared_task(acks_late=True, autoretry_for=transient_errors(), **RETRY)
def member_import_claims_task(import_id: int, limit: int) -> int:
    """Queues at most `limit` claim e-mails; members already sent one are skipped."""
    from membership.imports.claim import claims_queue

    return claims_queue(import_id=import_id, limit=limit)


# Under the broker's visibility timeout (600 s): a running preview is never handed out twice.
@shared_task(acks_late=True, soft_time_limit=540, time_limit=580)
def dues_impact_task(run_id: int) -> str:
    """Compute one impact preview. A redelivery computes it again from the first member; a
    finished run is left alone. A failure is recorded on the run."""
    from membership.services.dues_preview_runs import impact_run_compute

    return impact_run_compute(run_id=run_id)
