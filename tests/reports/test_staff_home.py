"""The staff home's counts, and who lands on it after signing in."""

import datetime as dt

import pytest
from django.urls import reverse

from membership.models import WaiverRequest

pytestmark = pytest.mark.django_db


def test_membership_work_counts(history, staff_client):
    WaiverRequest.objects.create(member=history["F"].member, reason="Lost my job")
    response = staff_client.get(reverse("reports:staff_home"))
    work = response.context["work"]
    assert work["waivers"] == 1
    # Open: A's renewal (106 days old) and C's (45 days).
    assert work["invoices_by_age"] == [0, 1, 0, 1]
    # Paid-through dates: C (2026-09-01) and D (2026-09-15, today) are in grace.
    assert work["in_grace"] == 2
    assert work["renewals_due"] == [(30, 0), (60, 0), (90, 0)]
    assert work["flagged_events"] == 0


def test_renewals_due_and_grace_read_the_paid_through_date(db, staff_client, member):
    from tests.factories import activate_membership

    today = dt.date.today()
    activate_membership(member, end_on=today + dt.timedelta(days=45))
    work = staff_client.get(reverse("reports:staff_home")).context["work"]
    assert work["renewals_due"] == [(30, 0), (60, 1), (90, 1)]
    assert work["in_grace"] == 0
    html = staff_client.get(reverse("reports:renewals_due") + "?days=60").content.decode()
    assert member.member_number in html


def test_expert_work_counts(db, client, international_staff):
    from tests.experts.factories import make_request

    make_request()
    make_request(title="Another").engagements.create(profile=_expert_profile(), status="invited")
    client.force_login(international_staff)
    work = client.get(reverse("reports:staff_home")).context["expert_work"]
    assert work == {"requests_without_shortlist": 1, "invitations_unanswered": 1}


def test_staff_land_on_the_staff_home_after_signing_in(rf, membership_staff, member):
    from membership.accounts import AccountAdapter

    request = rf.get("/")
    request.user = membership_staff
    assert AccountAdapter(request).get_login_redirect_url(request) == reverse("reports:staff_home")
    request.user = member.user
    assert AccountAdapter(request).get_login_redirect_url(request) == reverse("home")


def _expert_profile():
    from tests.experts.factories import make_expert

    return make_expert()
