"""A mail server that accepts the connection and never answers must not hold a worker."""

import socket
import threading
import time

import pytest

from communications.models import MessageState, OutgoingMessage
from communications.services.outbox import message_queue, message_send

pytestmark = pytest.mark.django_db


@pytest.fixture
def silent_smtp():
    """A TCP server on loopback that accepts connections and says nothing, ever."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    held = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                held.append(conn)
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(timeout=5)
    for conn in held:
        conn.close()
    server.close()


def test_a_hung_smtp_server_times_out_and_the_message_waits_for_a_retry(settings, silent_smtp):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", silent_smtp
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 1
    message = message_queue(
        to="pat@example.org",
        template="membership/email/welcome",
        context={"member": {"display_name": "Pat", "member_number": "M-1"}},
    )
    started = time.monotonic()
    assert message_send(message_id=message.pk) == MessageState.QUEUED
    assert time.monotonic() - started < 10
    message = OutgoingMessage.objects.get(pk=message.pk)
    assert "timed out" in message.last_error.lower()
    assert message.attempts == 1


def test_every_environment_bounds_smtp_and_task_time(settings):
    assert 0 < settings.EMAIL_TIMEOUT <= 60
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    # A task taken by a dead worker comes back in minutes, and never while it may still run.
    assert settings.CELERY_TASK_TIME_LIMIT < visibility <= 15 * 60
    routes = settings.CELERY_TASK_ROUTES
    assert routes["billing.tasks.process_stripe_event"]["queue"] == "webhooks"
    assert routes["communications.tasks.send_message"]["queue"] == "mail"
