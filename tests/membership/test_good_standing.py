"""`member_in_good_standing` (one member, one query) agrees with `members_in_good_standing` (the
set the matching and reports use) on every side of the grace period's last day."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from membership.models import Membership, MembershipRules
from membership.selectors import member_in_good_standing, members_in_good_standing
from tests.factories import MemberFactory, activate_membership

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 12, 6)


@pytest.mark.parametrize("grace_days", [0, 60])
@pytest.mark.parametrize("days_after_grace", [-1, 0, 1])
def test_one_member_agrees_with_the_set_around_the_last_day_of_grace(grace_days, days_after_grace):
    rules = MembershipRules.current()
    rules.grace_days = grace_days
    rules.save()
    member = activate_membership(MemberFactory(), end_on=ON)
    paid_through = ON - dt.timedelta(days=grace_days) + dt.timedelta(days=-days_after_grace)
    Membership.objects.filter(member=member).update(paid_through_on=paid_through)

    with CaptureQueriesContext(connection) as queries:
        one = member_in_good_standing(member=member, on=ON)

    assert len(queries) == 1
    assert one == members_in_good_standing(on=ON).filter(pk=member.pk).exists()
    assert one is (days_after_grace < 0)  # paid through a day after grace starts ending


def test_no_membership_or_no_paid_term_is_not_good_standing():
    assert member_in_good_standing(member=MemberFactory(), on=ON) is False
    member = activate_membership(MemberFactory(), end_on=ON)
    Membership.objects.filter(member=member).update(paid_through_on=None)
    assert member_in_good_standing(member=member, on=ON) is False


def test_without_rules_yet_the_default_grace_applies():
    member = activate_membership(MemberFactory(), end_on=ON)
    MembershipRules.objects.all().delete()
    assert member_in_good_standing(member=member, on=ON + dt.timedelta(days=59)) is True
    assert member_in_good_standing(member=member, on=ON + dt.timedelta(days=60)) is False
