"""Queue, send, retry and sweep the outbox.

Rules:
- `message_queue` writes the row in the caller's transaction; the send task is queued after
  commit, and if the broker is down then, the sweep queues it later. Nothing is lost.
- A message is sent by claiming it (`queued` and due → `sending`), talking to SMTP outside any
  transaction, then recording the outcome: `sent`, or back to `queued` with a later
  `next_attempt_at` (exponential backoff), or `failed` after MAX_ATTEMPTS.
- An attachment may be given as bytes, or as a renderer and its arguments (`Attachment.later`):
  then it is made at the first send attempt, outside the queueing transaction, and kept on the
  row; a renderer that fails fails the attempt, which is retried like an SMTP failure.
- The sweep re-queues rows that are due but that no task is working on, and rows left
  `sending` by a worker that died.
"""

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone

from communications.models import MessageState, OutgoingAttachment, OutgoingMessage
from communications.services.attachments import attachment_render
from communications.services.templates import active_versions, message_render
from communications.signals import message_sent
from communications.tasks import send_message, send_messages

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
OUTBOX_HEADER = "X-ICMA-Outbox-Id"


def retry_delay(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8 ... minutes (from OUTBOX_RETRY_BASE_SECONDS), capped at six hours."""
    base = getattr(settings, "OUTBOX_RETRY_BASE_SECONDS", 60)
    return dt.timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 60 * 60))


@dataclass(frozen=True)
class Attachment:
    """A file to attach: its bytes, or (`later`) what makes them when the message is sent."""

    filename: str
    content: bytes
    mimetype: str
    renderer: str = ""
    spec: dict = field(default_factory=dict)

    @classmethod
    def later(cls, *, filename: str, mimetype: str, renderer: str, spec: dict) -> "Attachment":
        """Made by the registered `renderer` from the JSON-safe `spec` at send time (see
        communications/services/attachments.py)."""
        return cls(filename=filename, content=b"", mimetype=mimetype, renderer=renderer, spec=spec)


@dataclass
class Draft:
    """One message to queue: the template is a path prefix (`billing/email/receipt`)."""

    to: str
    template: str
    context: dict
    user_id: int | None = None
    key: str | None = None
    facts: dict = field(default_factory=dict)
    attachments: tuple[Attachment, ...] = ()


def _row(draft: Draft, now, versions: dict | None = None) -> OutgoingMessage:
    # A staff-written version of the template wins over the file (services/templates.py).
    subject, body, html = message_render(draft.template, draft.context, versions=versions)
    return OutgoingMessage(
        key=draft.key,
        template=draft.template,
        to=draft.to,
        user_id=draft.user_id,
        subject=subject,
        body_text=body,
        body_html=html,
        context=draft.facts,
        next_attempt_at=now,
    )


def _enqueue_after_commit(message_id: int) -> None:
    # robust: a broker outage must not undo or fail the change; the sweep sends it later.
    transaction.on_commit(lambda: _enqueue(message_id), robust=True)


def _enqueue(message_id: int) -> None:
    send_message.delay(message_id)


def _enqueue_many(message_ids: list[int]) -> None:
    send_messages.delay(message_ids)


def message_queue(
    *,
    to: str,
    template: str,
    context: dict,
    user=None,
    key: str | None = None,
    facts: dict | None = None,
    attachments: tuple[Attachment, ...] = (),
) -> OutgoingMessage:
    """Render and store one message in the caller's transaction; send it after commit. With a
    key, queueing the same message again returns the row already there."""
    draft = Draft(
        to=to,
        template=template,
        context=context,
        user_id=getattr(user, "pk", user),
        key=key,
        facts=facts or {},
        attachments=tuple(attachments),
    )
    if key is not None:
        existing = OutgoingMessage.objects.filter(key=key).first()
        if existing is not None:
            return existing
    message = _row(draft, timezone.now())
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        return OutgoingMessage.objects.get(key=key)
    if draft.attachments:
        OutgoingAttachment.objects.bulk_create(
            [
                OutgoingAttachment(
                    message=message,
                    filename=a.filename,
                    mimetype=a.mimetype,
                    content=a.content,
                    renderer=a.renderer,
                    spec=a.spec,
                )
                for a in draft.attachments
            ]
        )
    _enqueue_after_commit(message.pk)
    return message


def message_queue_text(
    *, to: str, template: str, subject: str, body: str, user=None, body_html: str = ""
) -> OutgoingMessage:
    """Store a message another library rendered (allauth's account e-mails) and send it after
    commit, like every other message."""
    message = OutgoingMessage.objects.create(
        template=template,
        to=to,
        user_id=getattr(user, "pk", user),
        subject=" ".join(subject.split()),
        body_text=body,
        body_html=body_html,
        next_attempt_at=timezone.now(),
    )
    _enqueue_after_commit(message.pk)
    return message


def messages_queue(drafts: list[Draft]) -> list[OutgoingMessage]:
    """Queue many messages in bulk (the daily reminders). Drafts whose key is already in the
    outbox are skipped. Returns the rows created, with their ids. After commit, one task
    queues the sends of them all."""
    if not drafts:
        return []
    keys = [d.key for d in drafts if d.key]
    known = set(OutgoingMessage.objects.filter(key__in=keys).values_list("key", flat=True))
    now = timezone.now()
    versions = active_versions()
    rows = [_row(d, now, versions) for d in drafts if d.key not in known or d.key is None]
    created = OutgoingMessage.objects.bulk_create(rows, batch_size=2000)
    if created:
        # One task for the lot: publishing one per message would cost the caller more than
        # writing the rows.
        ids = [m.pk for m in created]
        transaction.on_commit(lambda: _enqueue_many(ids), robust=True)
    return created


def message_send(*, message_id: int) -> str:
    """Send one message if it is due and nobody else is sending it. Returns its state after."""
    now = timezone.now()
    with transaction.atomic():
        message = (
            OutgoingMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, state=MessageState.QUEUED, next_attempt_at__lte=now)
            .first()
        )
        if message is None:
            return "skipped"
        message.state = MessageState.SENDING
        message.sending_started_at = now
        message.attempts += 1
        message.save(update_fields=["state", "sending_started_at", "attempts"])
    try:
        # Outside any transaction: a slow renderer holds no lock on the rows it reads.
        attachments_render(message)
        get_connection().send_messages([message_email(message)])
    except Exception as error:  # noqa: BLE001 - any failure is recorded and retried
        return record_failure(message, error)
    message_mark_sent(message)
    return MessageState.SENT


def attachments_render(message: OutgoingMessage) -> None:
    """Make the attachments that are still to be made, and keep them on their rows, so that a
    retry after an SMTP failure sends the same bytes without making them again."""
    if message.campaign_id is not None:  # bulk mail has no attachments
        return
    for attachment in message.attachments.filter(content=b"").exclude(renderer=""):
        attachment.content = attachment_render(attachment.renderer, attachment.spec)
        attachment.save(update_fields=["content"])


def message_email(message: OutgoingMessage) -> EmailMultiAlternatives:
    """The e-mail of one outbox row, with its own headers (List-Unsubscribe on bulk mail)."""
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        to=[message.to],
        # Our id travels with the message, for bounces and for tracing one message end to end.
        headers={**(message.headers or {}), OUTBOX_HEADER: str(message.pk)},
    )
    if message.body_html:
        # One message, two renderings: multipart/alternative, plain text first.
        email.attach_alternative(message.body_html, "text/html")
    if message.campaign_id is None:  # bulk mail has no attachments: no query per copy
        for attachment in message.attachments.all():
            email.attach(attachment.filename, bytes(attachment.content), attachment.mimetype)
    return email


def message_mark_sent(message: OutgoingMessage) -> None:
    with transaction.atomic():
        message.state = MessageState.SENT
        message.sent_at = timezone.now()
        message.last_error = ""
        message.save(update_fields=["state", "sent_at", "last_error"])
        message_sent.send(sender=OutgoingMessage, message=message)


def is_permanent_failure(error: Exception) -> bool:
    """An SMTP 5xx answer: the address does not exist or will never take mail from us."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _text in error.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return 500 <= error.smtp_code < 600
    return False


def record_failure(message: OutgoingMessage, error: Exception) -> str:
    text = f"{type(error).__name__}: {error}"[:2000]
    permanent = is_permanent_failure(error)
    if permanent:
        # A hard bounce: no retry, and later bulk mail skips the address.
        from communications.services.suppressions import suppression_add

        message.state = MessageState.FAILED
        suppression_add(email=message.to, user=message.user_id, reason="bounced", detail=text)
    elif message.attempts >= MAX_ATTEMPTS:
        message.state = MessageState.FAILED
    else:
        message.state = MessageState.QUEUED
        message.next_attempt_at = timezone.now() + retry_delay(message.attempts)
    message.last_error = text
    message.save(update_fields=["state", "next_attempt_at", "last_error"])
    logger.warning("Message %s not sent (attempt %s): %s", message.pk, message.attempts, text)
    if message.state == MessageState.QUEUED:
        delay = max((message.next_attempt_at - timezone.now()).total_seconds(), 0)
        _enqueue_later(message.pk, delay)
    return message.state


def _enqueue_later(message_id: int, delay: float) -> None:
    try:
        send_message.apply_async((message_id,), countdown=delay)
    except Exception:  # noqa: BLE001 - the sweep re-queues it when it is due
        logger.warning("Could not queue message %s again; the sweep will.", message_id)


def outbox_sweep(*, limit: int = 5000) -> int:
    """Queue every message that is due but idle: never queued (broker down at commit), a
    retry whose task was lost, or left `sending` by a worker that died mid-send."""
    now = timezone.now()
    stale = now - dt.timedelta(seconds=getattr(settings, "OUTBOX_SENDING_STALE_SECONDS", 900))
    idle = now - dt.timedelta(seconds=getattr(settings, "OUTBOX_SWEEP_AFTER_SECONDS", 60))
    OutgoingMessage.objects.filter(state=MessageState.SENDING, sending_started_at__lt=stale).update(
        state=MessageState.QUEUED, next_attempt_at=idle
    )
    due = list(
        OutgoingMessage.objects.filter(state=MessageState.QUEUED, next_attempt_at__lte=idle)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        _enqueue(pk)
    return len(due)


@transaction.atomic
def message_resend(*, message: OutgoingMessage) -> OutgoingMessage:
    """Staff send a failed message again: it is queued now with a fresh set of attempts."""
    message = OutgoingMessage.objects.select_for_update().get(pk=message.pk)
    if message.state != MessageState.FAILED:
        return message
    message.state = MessageState.QUEUED
    message.attempts = 0
    message.next_attempt_at = timezone.now()
    message.save(update_fields=["state", "attempts", "next_attempt_at"])
    _enqueue_after_commit(message.pk)
    return message
