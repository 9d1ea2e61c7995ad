"""The outbox: a message is a row first, then sent, retried with backoff, swept when idle."""

import datetime as dt
import smtplib

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.utils import timezone

from communications.models import MessageState, OutgoingMessage
from communications.services import outbox
from communications.services.outbox import (
    MAX_ATTEMPTS,
    message_queue,
    message_resend,
    message_send,
    outbox_sweep,
)

pytestmark = pytest.mark.django_db


class FlakySMTP:
    """The mail backend's connection, failing the next `failures` sends like a server that
    refuses (421), then working."""

    def __init__(self, failures: int):
        self.failures = failures

    def install(self, monkeypatch):
        from django.core.mail.backends.locmem import EmailBackend

        real = EmailBackend.send_messages

        def send_messages(backend, messages):
            if self.failures > 0:
                self.failures -= 1
                raise smtplib.SMTPServerDisconnected("421 Service not available")
            return real(backend, messages)

        monkeypatch.setattr(EmailBackend, "send_messages", send_messages)


def queue_one(key="k-1", **kwargs):
    return message_queue(
        to="pat@example.org",
        template="membership/email/welcome",
        context={"member": {"display_name": "Pat O'Brien & Sons", "member_number": "M-1"}},
        key=key,
        **kwargs,
    )


def test_a_message_is_a_row_first_and_sent_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        message = queue_one()
    assert OutgoingMessage.objects.get().state == MessageState.QUEUED
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    message.refresh_from_db()
    assert message.state == MessageState.SENT
    assert message.attempts == 1 and message.sent_at is not None
    assert len(mail.outbox) == 1


def test_a_rolled_back_change_leaves_no_message():
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_one()
        raise RuntimeError("the change failed")
    assert not OutgoingMessage.objects.exists()


def test_the_same_key_queues_one_message(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = queue_one()
        second = queue_one()
    assert first.pk == second.pk
    assert OutgoingMessage.objects.count() == 1
    assert len(mail.outbox) == 1


def test_plain_text_is_not_html_escaped(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queue_one()
    assert "Dear Pat O'Brien & Sons," in mail.outbox[0].body
    assert "&#x27;" not in mail.outbox[0].body and "&amp;" not in mail.outbox[0].body


def test_smtp_down_keeps_the_message_queued_with_the_error_and_a_later_retry(monkeypatch):
    FlakySMTP(failures=1).install(monkeypatch)
    message = queue_one()
    assert message_send(message_id=message.pk) == MessageState.QUEUED
    message.refresh_from_db()
    assert message.attempts == 1
    assert "421" in message.last_error
    assert message.next_attempt_at > timezone.now()
    # Not due yet: nothing is sent early.
    assert message_send(message_id=message.pk) == "skipped"
    with time_machine.travel(message.next_attempt_at + dt.timedelta(seconds=1)):
        assert message_send(message_id=message.pk) == MessageState.SENT
    assert len(mail.outbox) == 1


def test_backoff_doubles_and_the_message_fails_after_the_last_attempt(monkeypatch):
    FlakySMTP(failures=MAX_ATTEMPTS).install(monkeypatch)
    message = queue_one()
    delays = []
    for _ in range(MAX_ATTEMPTS):
        message.refresh_from_db()
        with time_machine.travel(message.next_attempt_at + dt.timedelta(seconds=1)):
            before = timezone.now()
            message_send(message_id=message.pk)
            message.refresh_from_db()
            if message.state == MessageState.QUEUED:
                delays.append(round((message.next_attempt_at - before).total_seconds()))
    assert message.state == MessageState.FAILED
    assert message.attempts == MAX_ATTEMPTS
    assert delays[1] == 2 * delays[0] and delays[2] == 2 * delays[1]
    assert mail.outbox == []


def test_staff_resend_a_failed_message(monkeypatch, django_capture_on_commit_callbacks):
    message = queue_one()
    OutgoingMessage.objects.filter(pk=message.pk).update(
        state=MessageState.FAILED, attempts=MAX_ATTEMPTS, last_error="550 mailbox full"
    )
    with django_capture_on_commit_callbacks(execute=True):
        message_resend(message=message)
    message.refresh_from_db()
    assert message.state == MessageState.SENT
    assert message.attempts == 1
    assert len(mail.outbox) == 1


def test_the_sweep_queues_idle_messages_and_takes_back_those_a_dead_worker_held(monkeypatch):
    sent = []
    monkeypatch.setattr(outbox, "_enqueue", sent.append)
    never_queued = queue_one(key="a")  # its task was lost (broker down at commit)
    held = queue_one(key="b")
    OutgoingMessage.objects.filter(pk=held.pk).update(
        state=MessageState.SENDING, sending_started_at=timezone.now()
    )
    sent.clear()
    assert outbox_sweep() == 0  # too recent: a task may still be on its way
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=30)):
        assert outbox_sweep() == 2
    assert sorted(sent) == sorted([never_queued.pk, held.pk])
    assert OutgoingMessage.objects.get(pk=held.pk).state == MessageState.QUEUED


def test_the_broker_down_at_commit_loses_nothing(monkeypatch, django_capture_on_commit_callbacks):
    from kombu.exceptions import OperationalError

    from communications import tasks

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis")

    monkeypatch.setattr(tasks.send_message, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = queue_one()
    assert OutgoingMessage.objects.get(pk=message.pk).state == MessageState.QUEUED
    monkeypatch.undo()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5)):
        assert outbox_sweep() == 1
    assert OutgoingMessage.objects.get(pk=message.pk).state == MessageState.SENT
    assert len(mail.outbox) == 1


def test_an_attachment_travels_with_the_message(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queue_one(attachments=(outbox.Attachment("r.pdf", b"%PDF-1.4 test", "application/pdf"),))
    assert mail.outbox[0].attachments == [("r.pdf", b"%PDF-1.4 test", "application/pdf")]


@pytest.fixture
def stamp_renderer():
    """A renderer registered as an app registers its own: it makes bytes from its spec and
    counts its calls."""
    from communications.services import attachments

    calls = []

    def render(spec):
        calls.append(spec)
        return f"%PDF-1.4 receipt {spec['number']}".encode()

    attachments.attachment_renderer_register("test.stamp", render)
    yield calls
    attachments._renderers.pop("test.stamp", None)


def later(number="R-7"):
    return outbox.Attachment.later(
        filename="r.pdf", mimetype="application/pdf", renderer="test.stamp", spec={"number": number}
    )


def test_an_attachment_made_at_send_time_is_made_once_by_the_worker(
    stamp_renderer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        message = queue_one(attachments=(later(),))
    assert stamp_renderer == []  # nothing made while queueing
    FlakySMTP(failures=1).install(pytest.MonkeyPatch())

    assert message_send(message_id=message.pk) == MessageState.QUEUED
    OutgoingMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert message_send(message_id=message.pk) == MessageState.SENT

    assert mail.outbox[0].attachments == [("r.pdf", b"%PDF-1.4 receipt R-7", "application/pdf")]
    assert len(stamp_renderer) == 1  # kept on its row: the retry sends the same bytes
    assert bytes(message.attachments.get().content) == b"%PDF-1.4 receipt R-7"


def test_an_attachment_that_cannot_be_made_is_retried_like_a_failed_send(
    stamp_renderer, monkeypatch, django_capture_on_commit_callbacks
):
    from communications.services import attachments

    with django_capture_on_commit_callbacks(execute=False):
        message = queue_one(attachments=(later(),))
    monkeypatch.setitem(attachments._renderers, "test.stamp", lambda spec: 1 / 0)

    assert message_send(message_id=message.pk) == MessageState.QUEUED

    message.refresh_from_db()
    assert message.attempts == 1
    assert "ZeroDivisionError" in message.last_error
    assert message.next_attempt_at > timezone.now()
    assert mail.outbox == []
    monkeypatch.undo()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5)):
        assert message_send(message_id=message.pk) == MessageState.SENT
    assert mail.outbox[0].attachments[0][1] == b"%PDF-1.4 receipt R-7"


def test_an_unknown_renderer_fails_the_attempt_and_keeps_the_message(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False):
        message = queue_one(
            attachments=(
                outbox.Attachment.later(
                    filename="r.pdf", mimetype="application/pdf", renderer="nobody", spec={}
                ),
            )
        )
    assert message_send(message_id=message.pk) == MessageState.QUEUED
    message.refresh_from_db()
    assert "UnknownRenderer" in message.last_error
    assert mail.outbox == []
