"""Good standing on the profile's row, kept in step by the database; the matching page's
capped count and its query budget with 1 and 10,000 profiles."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from experts.models import ExpertProfile
from experts.models.taxonomy import areas_mask, languages_mask
from membership.models import Member, Membership, MembershipCategory, MembershipRules
from membership.selectors import members_in_good_standing
from tests.experts.factories import area, current_consent, make_expert, make_request
from tests.factories import MemberFactory, activate_membership, staff_user

pytestmark = pytest.mark.django_db


def paid_through(profile) -> dt.date | None:
    return ExpertProfile.objects.values_list("member_paid_through_on", flat=True).get(pk=profile.pk)


def test_the_profile_follows_every_change_of_the_membership():
    profile = make_expert()
    membership = Membership.objects.get(member=profile.member)
    assert paid_through(profile) == membership.paid_through_on

    Membership.objects.filter(pk=membership.pk).update(paid_through_on=dt.date(2020, 1, 31))
    assert paid_through(profile) == dt.date(2020, 1, 31)

    membership.refresh_from_db()
    membership.paid_through_on = dt.date(2031, 6, 30)
    membership.save()
    assert paid_through(profile) == dt.date(2031, 6, 30)

    membership.delete()
    assert paid_through(profile) is None


def test_a_save_of_the_profile_cannot_leave_a_stale_date():
    profile = make_expert()
    Membership.objects.filter(member=profile.member).update(paid_through_on=dt.date(2020, 1, 31))
    profile.summary = "Saved from a copy read before the membership changed."
    profile.save()  # writes every column, the old date included
    assert paid_through(profile) == dt.date(2020, 1, 31)


def test_a_membership_made_after_the_profile_reaches_it():
    member = MemberFactory()
    activate_membership(member)
    profile = make_expert(member=member)
    Membership.objects.filter(member=member).delete()
    assert paid_through(profile) is None
    Membership.objects.create(
        member=member,
        category=MembershipCategory.objects.get(code="full"),
        paid_through_on=dt.date(2032, 1, 1),
        status="active",
    )
    assert paid_through(profile) == dt.date(2032, 1, 1)


def test_good_standing_on_the_profile_agrees_with_the_membership_rule():
    today = timezone.localdate()
    grace = MembershipRules.current().grace_days
    ends = [
        today + dt.timedelta(days=200),
        today,
        today - dt.timedelta(days=grace - 1),
        today - dt.timedelta(days=grace),
        today - dt.timedelta(days=grace + 1),
        today - dt.timedelta(days=800),
    ]
    profiles = [make_expert() for _ in [*ends, "never"]]
    # Joined while in good standing; then the dates moved (the last one lost its membership).
    for profile, end in zip(profiles, ends, strict=False):
        Membership.objects.filter(member=profile.member).update(paid_through_on=end)
    Membership.objects.filter(member=profiles[-1].member).delete()
    request = make_request()
    page = reverse("experts:staff_request_matches", args=[request.pk])
    client = Client()
    client.force_login(staff_user(groups=["International programs staff"]))
    listed = {row.profile.pk for row in client.get(page).context["rows"]}
    expected = set(
        ExpertProfile.objects.filter(
            pk__in=[p.pk for p in profiles], member__in=members_in_good_standing()
        ).values_list("pk", flat=True)
    )
    assert listed == expected
    assert len(expected) == 3  # the future end, today, and the last day of grace


def grow_pool(count: int) -> None:
    """`count` members in good standing with active, consented profiles on the request's
    topic, written in bulk (the triggers copy each paid-through date)."""
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"pool-{n}", email=f"pool-{n}@example.org") for n in range(count)
    )
    members = Member.objects.bulk_create(
        Member(user=user, full_name=f"Pool Expert {n:05d}", employer="City of Pool")
        for n, user in enumerate(users)
    )
    full = MembershipCategory.objects.get(code="full")
    ends = timezone.localdate() + dt.timedelta(days=300)
    Membership.objects.bulk_create(
        Membership(member=m, category=full, paid_through_on=ends, status="active") for m in members
    )
    consent = current_consent()
    mask = areas_mask([area("city-county-management")])
    ExpertProfile.objects.bulk_create(
        ExpertProfile(
            member=m,
            consent_text=consent,
            summary="Pool expert.",
            years_in_local_government=n % 40,
            area_mask=mask,
            language_mask=languages_mask(["en"]),
            accepts_workshop=True,
        )
        for n, m in enumerate(members)
    )


@pytest.mark.parametrize("experts", [1, 10_000])
def test_matching_page_budget_and_capped_count(intl_client, experts, django_assert_max_num_queries):
    grow_pool(experts)
    request = make_request()
    url = reverse("experts:staff_request_matches", args=[request.pk])
    with django_assert_max_num_queries(10):
        response = intl_client.get(url)
    html = response.content.decode()
    page = response.context["page"]
    if experts == 1:
        assert not page.paginator.more_than_cap
        assert "1 matching expert" in html
        assert len(response.context["rows"]) == 1
    else:
        assert page.paginator.more_than_cap
        assert 'data-more-than="1000"' in html
        assert "More than 1,000 matching experts" in html
        assert page.paginator.num_pages == 40
        rows = response.context["rows"]
        assert len(rows) == 25
        # Best first: equal scores, then more years in local government.
        years = [row.profile.years_in_local_government for row in rows]
        assert years == sorted(years, reverse=True) and years[0] == 39
    with django_assert_max_num_queries(10):
        last = intl_client.get(url, {"page": "999"})
    assert last.context["page"].number == (40 if experts > 1 else 1)
