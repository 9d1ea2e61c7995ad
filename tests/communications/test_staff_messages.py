"""Staff see a member's messages on the member file and resend a failed one."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from communications.models import MessageState, OutgoingMessage
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def message_for(member, **fields):
    defaults = {
        "to": member.user.email,
        "user": member.user,
        "template": "billing/email/receipt",
        "subject": "Your ICMA receipt",
        "body_text": "Thank you, O'Brien & Sons.",
        "next_attempt_at": timezone.now(),
    }
    return OutgoingMessage.objects.create(**{**defaults, **fields})


def test_the_member_file_lists_the_members_messages_with_state_and_error(staff_client):
    member = MemberFactory(full_name="Dana Mailbox")
    message_for(
        member,
        subject="Your membership ends in 30 days",
        state=MessageState.SENT,
        sent_at=timezone.now(),
        attempts=1,
    )
    failed = message_for(
        member,
        subject="Your ICMA receipt",
        state=MessageState.FAILED,
        attempts=8,
        last_error="SMTPRecipientsRefused: 550 mailbox full",
    )
    message_for(MemberFactory(), subject="Someone else's invoice")

    body = staff_client.get(
        reverse("billing_staff:member_detail", args=[member.member_number])
    ).content.decode()

    assert "Your membership ends in 30 days" in body
    assert "550 mailbox full" in body
    assert "8 attempts" in body
    assert "Someone else" not in body
    resend = reverse("billing_staff:member_message_resend", args=[member.member_number, failed.pk])
    assert body.count('action="' + resend + '"') == 1
    assert body.count("/resend/") == 1  # only the failed one offers a resend


def test_a_member_without_messages_says_so(staff_client):
    member = MemberFactory()
    body = staff_client.get(
        reverse("billing_staff:member_detail", args=[member.member_number])
    ).content.decode()
    assert "No messages sent to this member yet." in body


def test_staff_resend_a_failed_message_and_it_is_sent(
    staff_client, django_capture_on_commit_callbacks
):
    member = MemberFactory()
    failed = message_for(member, state=MessageState.FAILED, attempts=8, last_error="421")
    url = reverse("billing_staff:member_message_resend", args=[member.member_number, failed.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url)
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.state == MessageState.SENT
    assert [m.subject for m in mail.outbox] == ["Your ICMA receipt"]


def test_a_message_of_another_member_cannot_be_resent_through_this_member(staff_client):
    member, other = MemberFactory(), MemberFactory()
    theirs = message_for(other, state=MessageState.FAILED)
    url = reverse("billing_staff:member_message_resend", args=[member.member_number, theirs.pk])
    assert staff_client.post(url).status_code == 404
    huge = reverse("billing_staff:member_message_resend", args=[member.member_number, 10**20])
    assert staff_client.post(huge).status_code == 404
    assert OutgoingMessage.objects.get(pk=theirs.pk).state == MessageState.FAILED


def test_a_message_that_has_not_failed_is_not_sent_again(staff_client):
    member = MemberFactory()
    sent = message_for(member, state=MessageState.SENT, sent_at=timezone.now())
    url = reverse("billing_staff:member_message_resend", args=[member.member_number, sent.pk])
    response = staff_client.post(url, follow=True)
    assert "nothing to resend" in response.content.decode()
    assert mail.outbox == []
