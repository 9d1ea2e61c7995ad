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


def _sent_after_commit(callbacks):
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    return mail.outbox[0]


def test_the_verification_mail_names_the_portal_and_greets_the_new_member_by_name(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("account_signup"),
            {
                "email": "maria.garcia@example.org",
                "password1": "a-long-passphrase-1",
                "password2": "a-long-passphrase-1",
                "full_name": "Maria Garcia",
                "position": "cao",
                "country": "US",
            },
            HTTP_HOST="testserver",
        )
    assert response.status_code == 302
    sent = _sent_after_commit(callbacks)
    assert sent.subject == "ICMA member portal: Confirm your e-mail address"
    assert sent.body.startswith("Dear Maria Garcia,\n")
    assert "ICMA member portal" in sent.body
    assert "testserver" not in sent.subject
    assert "example.com" not in sent.body
    assert "/accounts/confirm-email/" in sent.body


def test_the_password_reset_mail_names_the_portal_and_greets_by_the_profile_name(
    client, django_capture_on_commit_callbacks
):
    member = MemberFactory(full_name="Zhāng Wěi")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("account_reset_password"), {"email": member.user.email})
    sent = _sent_after_commit(callbacks)
    assert sent.subject == "ICMA member portal: Reset your password"
    assert sent.body.startswith("Dear Zhāng Wěi,\n")
    prose = [line for line in sent.body.splitlines() if "://" not in line]
    assert not [line for line in prose if "testserver" in line]
    assert "testserver" not in sent.subject


def test_an_account_mail_without_a_name_says_hello_not_the_address(
    client, django_capture_on_commit_callbacks
):
    member = MemberFactory(full_name="")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("account_reset_password"), {"email": member.user.email})
    sent = _sent_after_commit(callbacks)
    assert sent.body.startswith("Hello,\n")
    assert member.user.email not in sent.body.splitlines()[0]
