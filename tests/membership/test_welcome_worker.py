"""The welcome e-mail, sent by a real Celery worker consuming from a real Redis."""

import time

import pytest
from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed
from django.core import mail
from django.db import transaction
from django.test import RequestFactory

from communications.models import MessageState, OutgoingMessage
from membership.models import Member
from membership.tasks import send_welcome_email
from tests.factories import MemberFactory


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_worker_sends_welcome_after_verification(celery_workers):
    member = MemberFactory(full_name="Quinn Worker")
    address = EmailAddress.objects.get(user=member.user)
    with celery_workers(1):
        with transaction.atomic():
            email_confirmed.send(
                sender=EmailAddress, request=RequestFactory().get("/"), email_address=address
            )
            # Sent only after commit: nothing can have been queued yet.
            assert mail.outbox == []
        sent = wait_for(
            lambda: OutgoingMessage.objects.filter(
                key=f"welcome-{member.pk}", state=MessageState.SENT
            ).exists()
        )
    assert sent, "the worker did not send the welcome e-mail"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [member.user.email]
    assert "Welcome to ICMA, Quinn Worker" in mail.outbox[0].subject
    assert member.member_number in mail.outbox[0].body


@pytest.mark.django_db
def test_welcome_is_sent_once_however_often_the_task_runs(django_capture_on_commit_callbacks):
    member = MemberFactory()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_welcome_email(member.pk) is True
    with django_capture_on_commit_callbacks(execute=True):
        assert send_welcome_email(member.pk) is False
    assert len(mail.outbox) == 1
    assert Member.objects.get(pk=member.pk).welcome_sent_at is not None
