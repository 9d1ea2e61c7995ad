"""experts/services/profiles.py: joining, consent versions, pause, withdraw."""

import pytest

from experts.models import ExpertConsent, ExpertProfile
from experts.selectors import experts_search
from experts.services import ExpertPoolError
from experts.services.profiles import (
    ExpertDetails,
    consent_text_publish,
    expert_consent,
    expert_pause,
    expert_profile_save,
    expert_resume,
    expert_withdraw,
)
from tests.experts.factories import area, current_consent, make_expert, pdf_upload

pytestmark = pytest.mark.django_db


def details(**overrides):
    values = {"areas": [area("sustainable-development")], "summary": "Planner."}
    return ExpertDetails(**{**values, **overrides})


def test_seeded_consent_text_is_version_one():
    assert current_consent().version == 1
    assert "CAIEP" in current_consent().body


def test_joining_without_consent_is_refused(member):
    with pytest.raises(ExpertPoolError, match="consent"):
        expert_profile_save(member=member, details=details())
    assert not ExpertProfile.objects.filter(member=member).exists()


def test_joining_with_consent_stores_time_and_version(member):
    profile = expert_profile_save(member=member, details=details(), consent_text=current_consent())
    assert profile.status == ExpertProfile.Status.ACTIVE
    assert profile.consent_text.version == 1
    assert profile.consented_at is not None
    log = ExpertConsent.objects.get(profile=profile)
    assert (log.consent_text_id, log.consented_at) == (current_consent().pk, profile.consented_at)


def test_consent_to_an_outdated_text_is_refused(member, international_staff):
    old = current_consent()
    consent_text_publish(body="Version two of the text.", by=international_staff)
    with pytest.raises(ExpertPoolError, match="changed"):
        expert_profile_save(member=member, details=details(), consent_text=old)


def test_member_not_in_good_standing_cannot_join(member, monkeypatch):
    monkeypatch.setattr(
        "experts.services.profiles.member_in_good_standing", lambda *, member, on=None: False
    )
    with pytest.raises(ExpertPoolError, match="good standing"):
        expert_profile_save(member=member, details=details(), consent_text=current_consent())


def test_editing_keeps_consent_and_replaces_languages_and_dates(member):
    from datetime import date

    make_expert(member=member, languages=[("en", 4), ("cmn", 2)])
    profile = expert_profile_save(
        member=member,
        details=details(
            languages=[("yue", 3)], availability=[(date(2027, 3, 1), date(2027, 3, 31))]
        ),
    )
    assert [lang.language for lang in profile.languages.all()] == ["yue"]
    assert profile.availability.get().ends_on == date(2027, 3, 31)
    assert profile.consent_text.version == 1


def test_publishing_a_new_text_numbers_it_and_makes_it_current(international_staff):
    text = consent_text_publish(body="New wording.", by=international_staff)
    assert text.version == 2
    assert current_consent() == text


def test_reconsenting_points_the_profile_at_the_new_version(member, international_staff):
    make_expert(member=member)
    new = consent_text_publish(body="New wording.", by=international_staff)
    profile = expert_consent(member=member, consent_text=new)
    assert profile.consent_text == new
    assert ExpertConsent.objects.filter(profile=profile).count() == 2


def test_pause_and_resume(member):
    make_expert(member=member)
    assert expert_pause(member=member).status == ExpertProfile.Status.PAUSED
    assert expert_resume(member=member).status == ExpertProfile.Status.ACTIVE


def test_withdrawal_removes_from_search_at_once(member):
    make_expert(member=member)
    assert experts_search().filter(member=member).exists()
    expert_withdraw(member=member)
    assert not experts_search().filter(member=member).exists()


def test_withdrawal_deletes_the_stored_cv(member, django_capture_on_commit_callbacks):
    from experts.models import StoredFile

    profile = make_expert(member=member, cv=pdf_upload())
    name = profile.cv.name
    assert StoredFile.objects.filter(name=name).exists()
    with django_capture_on_commit_callbacks(execute=True):
        profile = expert_withdraw(member=member)
    assert not profile.cv
    assert not StoredFile.objects.filter(name=name).exists()


def test_withdrawal_deletes_the_cv_file(member, django_capture_on_commit_callbacks, settings):
    settings.CV_STORAGE = "filesystem"
    profile = make_expert(member=member, cv=pdf_upload())
    path = profile.cv.path
    with django_capture_on_commit_callbacks(execute=True):
        profile = expert_withdraw(member=member)
    assert not profile.cv
    import os

    assert not os.path.exists(path)


def test_rejoining_after_withdrawal_needs_consent_again(member):
    make_expert(member=member)
    expert_withdraw(member=member)
    with pytest.raises(ExpertPoolError, match="consent"):
        expert_profile_save(member=member, details=details())
