"""experts/selectors.py: who is matched to a request, and in which order."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from experts.models import EngagementType
from experts.selectors import experts_matching
from experts.services.profiles import consent_text_publish, expert_pause
from tests.experts.factories import current_consent, make_expert, make_request

pytestmark = pytest.mark.django_db

MARCH = (date(2027, 3, 1), date(2027, 3, 31))


def matches(request, **options):
    return list(
        experts_matching(
            request=request,
            topics=list(request.topics.all()),
            consent_text_id=current_consent().pk,
            **options,
        )
    )


def ids(profiles):
    return [p.pk for p in profiles]


@pytest.fixture
def workshop():
    return make_request(
        topics=["performance-management", "budgeting-finance"],
        languages=["cmn"],
        engagement_type=EngagementType.WORKSHOP,
        starts_on=date(2027, 3, 10),
        ends_on=date(2027, 3, 11),
    )


def test_more_topics_language_and_dates_rank_above_a_weaker_fit(workshop):
    weaker = make_expert(areas=["performance-management"], languages=[("en", 4)], years=30)
    stronger = make_expert(
        areas=["performance-management", "budgeting-finance"],
        languages=[("en", 4), ("cmn", 3)],
        availability=[MARCH],
        years=5,
    )
    assert ids(matches(workshop)) == [stronger.pk, weaker.pk]


def test_each_factor_adds_its_points(workshop):
    profile = make_expert(
        areas=["performance-management", "budgeting-finance"],
        languages=[("cmn", 2)],
        engagement_types=[EngagementType.WORKSHOP],
        willing_to_travel=True,
        availability=[MARCH],
    )
    (match,) = matches(workshop)
    assert match.pk == profile.pk
    assert match.score == 2 * 30 + 25 + 15 + 15 + 10
    assert (match.shared_topic_count, match.speaks_language, match.available_on_dates) == (
        2,
        True,
        True,
    )
    assert match.accepts_type and match.travel_ok


def test_basic_proficiency_does_not_count_as_speaking_the_language(workshop):
    make_expert(areas=["budgeting-finance"], languages=[("cmn", 1)])
    (match,) = matches(workshop)
    assert match.speaks_language is False


def test_availability_that_misses_the_dates_scores_nothing(workshop):
    make_expert(areas=["budgeting-finance"], availability=[(date(2027, 4, 1), date(2027, 4, 5))])
    (match,) = matches(workshop)
    assert match.available_on_dates is False


def test_ties_go_to_more_years_in_local_government(workshop):
    junior = make_expert(areas=["budgeting-finance"], years=3)
    senior = make_expert(areas=["budgeting-finance"], years=25)
    assert ids(matches(workshop)) == [senior.pk, junior.pk]


def test_no_shared_topic_means_no_match(workshop):
    make_expert(areas=["emergency-management"], languages=[("cmn", 4)])
    assert matches(workshop) == []


def test_paused_experts_are_not_matched(workshop):
    profile = make_expert(areas=["budgeting-finance"])
    expert_pause(member=profile.member)
    assert matches(workshop) == []


def test_new_consent_text_excludes_until_consent_is_given_again(workshop, international_staff):
    from experts.services.profiles import expert_consent

    profile = make_expert(areas=["budgeting-finance"])
    new = consent_text_publish(body="Updated text.", by=international_staff)
    assert matches(workshop) == []
    expert_consent(member=profile.member, consent_text=new)
    assert ids(matches(workshop)) == [profile.pk]


def test_members_not_in_good_standing_are_not_matched(workshop):
    from membership.models import Membership, MembershipRules

    profile = make_expert(areas=["budgeting-finance"])
    grace = MembershipRules.current().grace_days
    lapsed_on = timezone.localdate() - timedelta(days=grace)
    Membership.objects.filter(member=profile.member).update(paid_through_on=lapsed_on)
    assert matches(workshop) == []
    Membership.objects.filter(member=profile.member).update(
        paid_through_on=lapsed_on + timedelta(days=1)
    )
    assert ids(matches(workshop)) == [profile.pk]


def test_only_language_filter_drops_experts_without_it(workshop):
    speaker = make_expert(areas=["budgeting-finance"], languages=[("cmn", 3)])
    make_expert(areas=["budgeting-finance"], languages=[("en", 4)])
    assert ids(matches(workshop, only_language=True)) == [speaker.pk]


def test_only_available_filter_drops_experts_without_overlap(workshop):
    available = make_expert(areas=["budgeting-finance"], availability=[MARCH])
    make_expert(areas=["budgeting-finance"])
    assert ids(matches(workshop, only_available=True)) == [available.pk]


def test_travel_scores_nothing_for_remote_advice():
    remote = make_request(
        topics=["budgeting-finance"], engagement_type=EngagementType.REMOTE_ADVICE
    )
    make_expert(areas=["budgeting-finance"], willing_to_travel=True, engagement_types=[])
    (match,) = matches(remote)
    assert match.travel_ok is False
    assert match.score == 30


def test_withdrawn_experts_leave_matching_at_once(workshop):
    from experts.services.profiles import expert_withdraw

    profile = make_expert(areas=["budgeting-finance"])
    assert ids(matches(workshop)) == [profile.pk]
    expert_withdraw(member=profile.member)
    assert matches(workshop) == []


def test_the_page_facts_agree_with_the_database_score(workshop):
    """The matching page explains each place with facts loaded for the page only; they
    must tell the same story as the score computed in the database."""
    from experts.selectors import RANKED_ROW_FIELDS, experts_for_ranked_rows

    make_expert(
        areas=["performance-management", "budgeting-finance"],
        languages=[("cmn", 3)],
        willing_to_travel=True,
        availability=[MARCH],
    )
    make_expert(areas=["budgeting-finance"], languages=[("cmn", 1)], engagement_types=[])
    ranked = experts_matching(
        request=workshop,
        topics=list(workshop.topics.all()),
        consent_text_id=current_consent().pk,
    )
    rows = list(ranked.values(*RANKED_ROW_FIELDS))
    page = experts_for_ranked_rows(rows=rows, request=workshop, topics=list(workshop.topics.all()))
    for profile, annotated in zip(page, ranked, strict=True):
        assert (
            profile.shared_topic_count,
            profile.speaks_language,
            profile.accepts_type,
            profile.available_on_dates,
            profile.travel_ok,
        ) == (
            annotated.shared_topic_count,
            annotated.speaks_language,
            annotated.accepts_type,
            annotated.available_on_dates,
            annotated.travel_ok,
        )
        assert profile.score == annotated.score
