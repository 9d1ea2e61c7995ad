"""A member's own e-mail history: the dashboard card and the paginated page."""

import pytest
from django.urls import reverse
from django.utils import timezone

from communications.models import OutgoingMessage
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def messages_to(user, count, subject="Notice"):
    OutgoingMessage.objects.bulk_create(
        [
            OutgoingMessage(
                template="t",
                to=user.email,
                user=user,
                subject=f"{subject} {i}",
                body_text="b",
                next_attempt_at=timezone.now(),
                state="sent" if i % 2 else "queued",
            )
            for i in range(count)
        ]
    )


def test_the_dashboard_shows_the_latest_five_and_a_link_to_all(client):
    member = MemberFactory()
    messages_to(member.user, 7)
    client.force_login(member.user)
    page = client.get(reverse("home")).content.decode()
    assert page.count('class="message-subject"') == 5
    assert reverse("communications:my_messages") in page


def test_the_history_page_is_paginated_and_shows_only_ones_own(
    client, django_assert_max_num_queries
):
    member, other = MemberFactory(), MemberFactory()
    messages_to(member.user, 30)
    messages_to(other.user, 3, subject="Secret of the other")
    client.force_login(member.user)
    with django_assert_max_num_queries(8):
        first = client.get(reverse("communications:my_messages")).content.decode()
    assert "30 e-mails" in first and "Page 1 of 2" in first
    assert first.count("<tr>") == 26  # header + 25
    assert "Secret of the other" not in first
    second = client.get(reverse("communications:my_messages") + "?page=2").content.decode()
    assert second.count("<tr>") == 6 and "Sent" in second and "Queued" in second


def test_an_empty_history_says_so(client):
    member = MemberFactory()
    client.force_login(member.user)
    page = client.get(reverse("communications:my_messages")).content.decode()
    assert "We have not sent you any e-mail yet." in page
