"""Bulk mail to a segment of members, sent in the background in chunks at a rate staff set.

Rules:
- A segment is the member search's filters (billing MemberFilters, the same query as the
  staff member list), less every suppressed address (unsubscribes, hard bounces).
- Subject and body are checked like every staff-written template (BULK_SPEC's variables only)
  before anything is saved; a refused template sends nothing.
- A step locks the campaign, writes the next chunk's outbox rows and moves the cursor in one
  transaction, so a worker killed mid-step redoes the chunk from the same place; one row per
  campaign and member (a unique constraint) makes a redone chunk write nothing twice.
- The step then sends the rows it claims (queued → sending) over one SMTP connection, each
  marked sent as soon as the server accepts it. A row left `sending` by a dead worker is
  re-queued by the outbox sweep, like any other message.
- Throttle: a chunk is at most `rate_per_minute` messages and the next step waits until
  chunk × 60 / rate seconds have passed since this one began.
"""

import datetime as dt
import time

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.db.models.functions import Lower
from django.template import Context
from django.utils import timezone

from billing.staff_selectors import MemberFilters, grace_days_now, members_search
from communications.models import (
    Campaign,
    CampaignState,
    MessageState,
    OutgoingMessage,
    Suppression,
)
from communications.services.outbox import message_email, record_failure
from communications.services.suppressions import list_unsubscribe_headers, unsubscribe_url
from communications.signals import message_sent
from communications.templating.registry import BULK_SPEC
from communications.templating.sandbox import ENGINE, TemplateRefused, template_check

CHUNK_MAX = 500
MAX_RATE_PER_MINUTE = 100_000
SAMPLE_SIZE = 10
TEMPLATE = "communications/bulk"

FOOTER = (
    "\n\n--\nYou receive this because you are a member of ICMA. "
    "To stop these messages, open {url}\n"
)


def segment_members(filters: MemberFilters, *, on: dt.date | None = None):
    """Members matching the filters whose address is not suppressed, in member-id order."""
    on = on or timezone.localdate()
    suppressed = Suppression.objects.filter(email=Lower(OuterRef("user__email")))
    return (
        members_search(filters=filters, on=on, grace_days=grace_days_now())
        .filter(user__is_active=True)
        .exclude(Exists(suppressed))
        .order_by("pk")
    )


def segment_preview(filters: MemberFilters, *, sample: int = SAMPLE_SIZE) -> dict:
    """How many members a campaign would reach now, how many the suppression list holds
    back, and a sample of names (two queries for the counts, one for the sample)."""
    on = timezone.localdate()
    reached = segment_members(filters, on=on)
    matching = members_search(filters=filters, on=on, grace_days=grace_days_now()).filter(
        user__is_active=True
    )
    count = reached.count()
    return {
        "count": count,
        "suppressed": matching.count() - count,
        "sample": list(reached[:sample]),
    }


def campaign_check(subject: str, body_text: str) -> None:
    subject = " ".join(subject.split())
    if not subject or not body_text.strip():
        raise TemplateRefused("A bulk message needs a subject and a body.")
    template_check(BULK_SPEC, subject, body_text)


def _values(member) -> dict:
    return {
        "site_url": settings.SITE_URL,
        "member": {"display_name": member.display_name, "member_number": member.member_number},
        "unsubscribe_url": unsubscribe_url(member.user_id),
    }


class _Compiled:
    """Subject and body compiled once per chunk, rendered per member with plain values."""

    def __init__(self, subject: str, body_text: str):
        self.subject = ENGINE.from_string(subject)
        self.body = ENGINE.from_string(body_text)

    def render(self, member) -> tuple[str, str, dict]:
        values = _values(member)
        context = Context(values, autoescape=False)
        subject = " ".join(self.subject.render(context).split())
        body = self.body.render(context).rstrip() + FOOTER.format(url=values["unsubscribe_url"])
        return subject, body, values


def campaign_preview(*, subject: str, body_text: str, member) -> tuple[str, str]:
    campaign_check(subject, body_text)
    rendered_subject, body, _values_used = _Compiled(subject, body_text).render(member)
    return rendered_subject, body


@transaction.atomic
def campaign_start(
    *, filters: MemberFilters, subject: str, body_text: str, rate_per_minute: int, user=None
) -> Campaign:
    """Check the message, save the campaign and start sending after commit."""
    campaign_check(subject, body_text)
    if not 1 <= rate_per_minute <= MAX_RATE_PER_MINUTE:
        raise TemplateRefused(f"Choose a rate between 1 and {MAX_RATE_PER_MINUTE} a minute.")
    campaign = Campaign.objects.create(
        subject=" ".join(subject.split()),
        body_text=body_text,
        filters=filters.as_dict(),
        rate_per_minute=rate_per_minute,
        total=segment_members(filters).count(),
        created_by=user,
    )
    transaction.on_commit(lambda: _enqueue(campaign.pk), robust=True)
    return campaign


def _enqueue(campaign_id: int, countdown: float = 0) -> None:
    from communications.tasks import send_campaign_step

    send_campaign_step.apply_async((campaign_id,), countdown=countdown)


def chunk_size(rate_per_minute: int) -> int:
    return max(1, min(CHUNK_MAX, rate_per_minute))


def step_delay(*, sent: int, rate_per_minute: int, elapsed: float) -> float:
    """Seconds to wait before the next chunk so that no minute carries more than the rate."""
    return max(0.0, sent * 60.0 / rate_per_minute - elapsed)


def _queue_chunk(campaign_id: int) -> Campaign | None:
    """Write the next chunk's outbox rows and move the cursor (one transaction)."""
    with transaction.atomic():
        campaign = (
            Campaign.objects.select_for_update(skip_locked=True)
            .filter(pk=campaign_id, state=CampaignState.SENDING)
            .first()
        )
        if campaign is None:
            return None
        campaign.heartbeat_at = timezone.now()
        if not campaign.segment_done:
            filters = MemberFilters.from_dict(campaign.filters)
            members = list(
                segment_members(filters)
                .filter(pk__gt=campaign.cursor)
                .only("pk", "full_name", "user__email", "user_id")[
                    : chunk_size(campaign.rate_per_minute)
                ]
            )
            compiled = _Compiled(campaign.subject, campaign.body_text)
            now = timezone.now()
            rows = []
            for member in members:
                subject, body, _values_used = compiled.render(member)
                rows.append(
                    OutgoingMessage(
                        key=f"campaign-{campaign.pk}-{member.pk}",
                        template=TEMPLATE,
                        to=member.user.email,
                        user_id=member.user_id,
                        subject=subject,
                        body_text=body,
                        context={"campaign": campaign.pk, "member": member.pk},
                        headers=list_unsubscribe_headers(member.user_id),
                        campaign=campaign,
                        next_attempt_at=now,
                    )
                )
            OutgoingMessage.objects.bulk_create(rows, ignore_conflicts=True)
            if members:
                campaign.cursor = members[-1].pk
            if len(members) < chunk_size(campaign.rate_per_minute):
                campaign.segment_done = True
        campaign.save(update_fields=["heartbeat_at", "cursor", "segment_done"])
        return campaign


def _claim(campaign: Campaign) -> list[OutgoingMessage]:
    now = timezone.now()
    with transaction.atomic():
        messages = list(
            OutgoingMessage.objects.select_for_update(skip_locked=True)
            .filter(campaign=campaign, state=MessageState.QUEUED, next_attempt_at__lte=now)
            .order_by("pk")[: chunk_size(campaign.rate_per_minute)]
        )
        for message in messages:
            message.state = MessageState.SENDING
            message.sending_started_at = now
            message.attempts += 1
        OutgoingMessage.objects.bulk_update(
            messages, ["state", "sending_started_at", "attempts"], batch_size=1000
        )
    return messages


def _send(messages: list[OutgoingMessage]) -> int:
    """Send over one SMTP connection; each row is marked as soon as the server answers."""
    if not messages:
        return 0
    connection = get_connection()
    try:
        connection.open()
    except Exception as error:  # noqa: BLE001 - recorded on each row and retried
        for message in messages:
            record_failure(message, error)
        return 0
    sent = 0
    # Each copy's "sent" is its own commit; waiting for each to reach the disk would make the
    # send disk-bound. A worker that dies loses nothing committed this way; only a crash of
    # PostgreSQL itself could lose the last fraction of a second of marks (those copies would
    # be sent again). See docs/decisions/010-member-messaging.md.
    with db_connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        for message in messages:
            try:
                connection.send_messages([message_email(message)])
            except Exception as error:  # noqa: BLE001 - recorded and retried or bounced
                record_failure(message, error)
                _reopen(connection)
            else:
                _mark_sent(message)
                sent += 1
    finally:
        connection.close()
        with db_connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")
    return sent


def _mark_sent(message: OutgoingMessage) -> None:
    """One UPDATE in autocommit (no transaction around it): the copy is recorded as sent the
    moment the server accepted it, in a single round trip."""
    message.state = MessageState.SENT
    message.sent_at = timezone.now()
    OutgoingMessage.objects.filter(pk=message.pk).update(
        state=MessageState.SENT, sent_at=message.sent_at, last_error=""
    )
    message_sent.send(sender=OutgoingMessage, message=message)


def _reopen(connection) -> None:
    try:
        connection.close()
        connection.open()
    except Exception:  # noqa: BLE001, S110 - the next send records the failure
        pass


def campaign_step(*, campaign_id: int) -> float | None:
    """One chunk: queue it, send it. Returns the seconds to wait before the next step, or None
    when the campaign is finished (or being worked on by another step)."""
    began = time.monotonic()
    campaign = _queue_chunk(campaign_id)
    if campaign is None:
        return None
    sent = _send(_claim(campaign))
    progress = campaign_progress(campaign)
    if campaign.segment_done and progress["pending"] == 0:
        _finish(campaign)
        return None
    if sent == 0 and campaign.segment_done:
        # Only retries (or rows another worker holds) are left: look again a little later.
        return 5.0
    elapsed = time.monotonic() - began
    return step_delay(sent=max(sent, 1), rate_per_minute=campaign.rate_per_minute, elapsed=elapsed)


def _finish(campaign: Campaign) -> None:
    with transaction.atomic():
        total = OutgoingMessage.objects.filter(campaign=campaign).count()
        Campaign.objects.filter(pk=campaign.pk, state=CampaignState.SENDING).update(
            state=CampaignState.DONE, total=total, finished_at=timezone.now()
        )


def campaign_progress(campaign: Campaign) -> dict:
    """Sent, failed and pending copies and the percentage done (one query)."""
    counts = dict(
        OutgoingMessage.objects.filter(campaign=campaign)
        .values_list("state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    sent = counts.get(MessageState.SENT, 0)
    failed = counts.get(MessageState.FAILED, 0)
    pending = counts.get(MessageState.QUEUED, 0) + counts.get(MessageState.SENDING, 0)
    written = sent + failed + pending
    total = written if campaign.segment_done else max(campaign.total, written)
    done = sent + failed
    if campaign.state == CampaignState.DONE or (campaign.segment_done and pending == 0):
        percent = 100
    else:
        percent = int(done * 100 / total) if total else 0
        percent = min(percent, 99)
    return {
        "state": campaign.state,
        "sent": sent,
        "failed": failed,
        "pending": pending,
        "total": total,
        "percent": percent,
        "finished": percent == 100,
    }


def campaign_stop(*, campaign: Campaign) -> None:
    """Staff stop a campaign: copies not yet claimed are not sent."""
    with transaction.atomic():
        Campaign.objects.filter(pk=campaign.pk, state=CampaignState.SENDING).update(
            state=CampaignState.CANCELLED, finished_at=timezone.now()
        )
        OutgoingMessage.objects.filter(campaign=campaign, state=MessageState.QUEUED).update(
            state=MessageState.FAILED, last_error="The campaign was stopped."
        )


def campaigns_resume() -> int:
    """Queue a step for every campaign still sending whose last step is old (its task was
    lost with a worker). A step that finds the campaign locked does nothing."""
    stale = timezone.now() - dt.timedelta(seconds=settings.CAMPAIGN_STALE_SECONDS)
    ids = list(
        Campaign.objects.filter(state=CampaignState.SENDING, heartbeat_at__lt=stale).values_list(
            "pk", flat=True
        )
    )
    for pk in ids:
        _enqueue(pk)
    return len(ids)
