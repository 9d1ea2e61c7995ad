"""experts/signals.py: the pool follows membership lapses and renewals (acceptance 3)."""

from datetime import date

import pytest
from django.core import mail

from experts.models import ExpertProfile
from experts.services.profiles import expert_pause
from membership.events import membership_lapsed, membership_reinstated
from membership.models import Member
from tests.experts.factories import make_expert

pytestmark = pytest.mark.django_db

ON = date(2027, 7, 1)


def lapse(member, capture):
    with capture(execute=True):
        membership_lapsed.send(sender=Member, member=member, on=ON)


def reinstate(member, capture):
    with capture(execute=True):
        membership_reinstated.send(sender=Member, member=member, on=ON)


def test_lapse_pauses_an_active_profile_and_flags_why(django_capture_on_commit_callbacks):
    profile = make_expert()
    lapse(profile.member, django_capture_on_commit_callbacks)
    profile.refresh_from_db()
    assert profile.status == ExpertProfile.Status.PAUSED
    assert profile.paused_for_lapse is True


def test_lapse_tells_the_member_by_email(django_capture_on_commit_callbacks):
    profile = make_expert()
    lapse(profile.member, django_capture_on_commit_callbacks)
    (message,) = mail.outbox
    assert message.to == [profile.member.user.email]
    assert "paused" in message.subject
    assert "Renew your membership" in message.body


def test_renewal_brings_a_lapse_paused_profile_back(django_capture_on_commit_callbacks):
    profile = make_expert()
    lapse(profile.member, django_capture_on_commit_callbacks)
    reinstate(profile.member, django_capture_on_commit_callbacks)
    profile.refresh_from_db()
    assert profile.status == ExpertProfile.Status.ACTIVE
    assert profile.paused_for_lapse is False


def test_renewal_keeps_a_pause_the_member_chose(django_capture_on_commit_callbacks):
    profile = make_expert()
    expert_pause(member=profile.member)
    lapse(profile.member, django_capture_on_commit_callbacks)
    reinstate(profile.member, django_capture_on_commit_callbacks)
    profile.refresh_from_db()
    assert profile.status == ExpertProfile.Status.PAUSED
    assert mail.outbox == []


def test_lapse_of_a_member_outside_the_pool_changes_nothing(
    member, django_capture_on_commit_callbacks
):
    lapse(member, django_capture_on_commit_callbacks)
    assert not ExpertProfile.objects.exists()
    assert mail.outbox == []


def test_member_cannot_resume_a_lapse_pause_while_still_lapsed(
    monkeypatch, django_capture_on_commit_callbacks
):
    from experts.services import ExpertPoolError
    from experts.services.profiles import expert_resume

    profile = make_expert()
    lapse(profile.member, django_capture_on_commit_callbacks)
    monkeypatch.setattr(
        "experts.services.profiles.member_in_good_standing", lambda *, member, on=None: False
    )
    with pytest.raises(ExpertPoolError, match="good standing"):
        expert_resume(member=profile.member)


def test_the_real_lifecycle_pauses_on_lapse_and_resumes_on_renewal(
    django_capture_on_commit_callbacks,
):
    """End to end through membership: the daily job lapses the member, a paid renewal
    reinstates them, and the expert profile follows both without being told directly."""
    import datetime as dt

    from membership.models import Membership, Status
    from membership.services.daily import membership_daily
    from tests.factories import issue_invoice, pay_invoice

    profile = make_expert()
    member = profile.member
    end = Membership.objects.get(member=member).paid_through_on
    lapse_day = end + dt.timedelta(days=60)
    with django_capture_on_commit_callbacks(execute=True):
        membership_daily(on=lapse_day)
    profile.refresh_from_db()
    assert Membership.objects.get(member=member).status == Status.LAPSED
    assert profile.status == ExpertProfile.Status.PAUSED
    assert profile.paused_for_lapse is True

    with django_capture_on_commit_callbacks(execute=True):
        renewal = issue_invoice(member, kind="renewal", on=lapse_day)
        pay_invoice(renewal, on=lapse_day)
    profile.refresh_from_db()
    assert profile.status == ExpertProfile.Status.ACTIVE
    assert profile.paused_for_lapse is False
