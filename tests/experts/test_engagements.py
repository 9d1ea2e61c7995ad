"""experts/services/requests.py: shortlist → invite → answer → recommend, each with who and when."""

import pytest
from django.core import mail
from django.urls import reverse

from experts.models import AssistanceRequest, Engagement
from experts.services import ExpertPoolError
from experts.services.profiles import expert_pause
from experts.services.requests import (
    engagement_invite,
    engagement_recommend,
    engagement_remove,
    engagement_respond,
    engagement_shortlist,
)
from tests.experts.factories import make_expert, make_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_and_expert():
    return make_request(), make_expert()


def test_shortlisting_records_who_and_when_and_moves_the_request_on(
    request_and_expert, international_staff
):
    request, expert = request_and_expert
    engagement = engagement_shortlist(request=request, profile=expert, by=international_staff)
    assert engagement.status == Engagement.Status.SHORTLISTED
    assert engagement.shortlisted_by == international_staff
    assert engagement.shortlisted_at is not None
    request.refresh_from_db()
    assert request.status == AssistanceRequest.Status.SHORTLISTING


def test_shortlisting_twice_keeps_one_engagement(request_and_expert, international_staff):
    request, expert = request_and_expert
    engagement_shortlist(request=request, profile=expert, by=international_staff)
    engagement_shortlist(request=request, profile=expert, by=international_staff)
    assert Engagement.objects.count() == 1


def test_a_paused_expert_cannot_be_shortlisted(request_and_expert, international_staff):
    request, expert = request_and_expert
    expert_pause(member=expert.member)
    expert.refresh_from_db()
    with pytest.raises(ExpertPoolError):
        engagement_shortlist(request=request, profile=expert, by=international_staff)


def test_invitation_email_is_sent_only_after_commit(
    request_and_expert, international_staff, django_capture_on_commit_callbacks
):
    request, expert = request_and_expert
    engagement = engagement_shortlist(request=request, profile=expert, by=international_staff)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        engagement_invite(engagement=engagement, by=international_staff)
    assert mail.outbox == []
    callbacks[0]()
    (message,) = mail.outbox
    assert message.to == [expert.member.user.email]
    assert request.title in message.subject
    assert reverse("experts:invitation", args=[engagement.pk]) in message.body


def test_invitation_records_who_and_when(request_and_expert, international_staff):
    request, expert = request_and_expert
    engagement = engagement_shortlist(request=request, profile=expert, by=international_staff)
    engagement = engagement_invite(engagement=engagement, by=international_staff)
    assert (engagement.status, engagement.invited_by) == ("invited", international_staff)
    assert engagement.invited_at is not None


def test_invitation_appears_on_the_members_home_page(
    client, request_and_expert, international_staff
):
    request, expert = request_and_expert
    engagement = engagement_shortlist(request=request, profile=expert, by=international_staff)
    engagement_invite(engagement=engagement, by=international_staff)
    client.force_login(expert.member.user)
    page = client.get(reverse("home")).content.decode()
    assert request.title in page
    assert reverse("experts:invitation", args=[engagement.pk]) in page


def invited(request, expert, staff):
    engagement = engagement_shortlist(request=request, profile=expert, by=staff)
    return engagement_invite(engagement=engagement, by=staff)


def test_member_accepts_with_a_note(request_and_expert, international_staff):
    engagement = invited(*request_and_expert, international_staff)
    engagement = engagement_respond(engagement=engagement, accept=True, note=" March suits me ")
    assert engagement.status == Engagement.Status.ACCEPTED
    assert engagement.response_note == "March suits me"
    assert engagement.responded_at is not None


def test_member_can_answer_only_once(request_and_expert, international_staff):
    engagement = invited(*request_and_expert, international_staff)
    engagement_respond(engagement=engagement, accept=False)
    with pytest.raises(ExpertPoolError, match="already answered"):
        engagement_respond(engagement=engagement, accept=True)


def test_only_accepted_experts_can_be_recommended(request_and_expert, international_staff):
    engagement = invited(*request_and_expert, international_staff)
    with pytest.raises(ExpertPoolError, match="accepted"):
        engagement_recommend(engagement=engagement, by=international_staff)


def test_recommending_records_who_and_when(request_and_expert, international_staff):
    request, expert = request_and_expert
    engagement = invited(request, expert, international_staff)
    engagement_respond(engagement=engagement, accept=True)
    engagement = engagement_recommend(engagement=engagement, by=international_staff)
    assert (engagement.status, engagement.recommended_by) == ("recommended", international_staff)
    request.refresh_from_db()
    assert request.status == AssistanceRequest.Status.RECOMMENDED


def test_an_invited_expert_cannot_be_taken_off_the_shortlist(
    request_and_expert, international_staff
):
    engagement = invited(*request_and_expert, international_staff)
    with pytest.raises(ExpertPoolError):
        engagement_remove(engagement=engagement)


def test_member_answers_through_the_invitation_page(
    client, request_and_expert, international_staff
):
    engagement = invited(*request_and_expert, international_staff)
    client.force_login(engagement.profile.member.user)
    url = reverse("experts:invitation", args=[engagement.pk])
    response = client.post(url, {"answer": "decline", "note": "Budget season."})
    assert response.status_code == 302
    engagement.refresh_from_db()
    assert (engagement.status, engagement.response_note) == ("declined", "Budget season.")


def test_posting_without_an_answer_changes_nothing(client, request_and_expert, international_staff):
    engagement = invited(*request_and_expert, international_staff)
    client.force_login(engagement.profile.member.user)
    client.post(reverse("experts:invitation", args=[engagement.pk]), {"note": "hm"})
    engagement.refresh_from_db()
    assert engagement.status == Engagement.Status.INVITED


def test_invitation_email_task_sends_once_however_often_it_runs(
    request_and_expert, international_staff, django_capture_on_commit_callbacks
):
    from experts.tasks import send_invitation_email

    request, expert = request_and_expert
    engagement = engagement_shortlist(request=request, profile=expert, by=international_staff)
    with django_capture_on_commit_callbacks(execute=True):
        engagement_invite(engagement=engagement, by=international_staff)
    assert send_invitation_email(engagement.pk) is False
    assert len(mail.outbox) == 1
    engagement.refresh_from_db()
    assert engagement.invitation_sent_at is not None


def test_an_expert_who_withdrew_after_shortlisting_cannot_be_invited(
    request_and_expert, international_staff
):
    from experts.services.profiles import expert_withdraw

    request, expert = request_and_expert
    engagement = engagement_shortlist(request=request, profile=expert, by=international_staff)
    expert_withdraw(member=expert.member)
    with pytest.raises(ExpertPoolError, match="left the pool"):
        engagement_invite(engagement=engagement, by=international_staff)
