"""allauth's account e-mails (password reset, verification) go through the outbox too."""

import pytest
from django.core import mail
from django.urls import reverse

from communications.models import MessageState, OutgoingMessage
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_a_password_reset_mail_is_a_row_first_and_sent_after_commit(
    client, django_capture_on_commit_callbacks
):
    member = MemberFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("account_reset_password"), {"email": member.user.email})
    message = OutgoingMessage.objects.get(to=member.user.email)
    assert message.state == MessageState.QUEUED
    assert message.template == "account/email/password_reset_key"
    assert message.user_id == member.user_id
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    message.refresh_from_db()
    assert message.state == MessageState.SENT
    assert [m.to for m in mail.outbox] == [[member.user.email]]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
