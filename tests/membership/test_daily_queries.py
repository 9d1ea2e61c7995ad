"""The daily job's query budget: the same statements for a handful of members as for 10,000,
on a normal day and on a catch-up day, and lapsed experts paused in one statement."""

import datetime as dt
import math

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from communications.models import OutgoingMessage
from experts.models import ExpertProfile
from membership.models import (
    Member,
    Membership,
    MembershipCategory,
    MembershipRules,
    MembershipTerm,
    Reminder,
    Status,
)
from membership.services import daily
from membership.services.daily import membership_daily

pytestmark = pytest.mark.django_db

DAY = dt.date(2027, 3, 15)


def seed(ends: list[dt.date], *, expert) -> list[Member]:
    """One member per end date, each with an active membership and one paid term ending then;
    `expert(i, end)` says which of them are in the expert pool (and active there)."""
    full = MembershipCategory.objects.get(code="full")
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"q{i}", email=f"q{i}@example.org") for i in range(len(ends))
    )
    members = Member.objects.bulk_create(Member(user=u, full_name=u.username) for u in users)
    memberships = Membership.objects.bulk_create(
        Membership(
            member=m,
            category=full,
            member_since_on=end - dt.timedelta(days=365),
            paid_through_on=end,
            status=Status.ACTIVE,
        )
        for m, end in zip(members, ends, strict=True)
    )
    MembershipTerm.objects.bulk_create(
        MembershipTerm(
            membership=ms,
            category=full,
            kind="join",
            status="active",
            start_on=ms.paid_through_on - dt.timedelta(days=365),
            end_on=ms.paid_through_on,
        )
        for ms in memberships
    )
    ExpertProfile.objects.bulk_create(
        ExpertProfile(member=m, summary="Budgets.")
        for i, (m, end) in enumerate(zip(members, ends, strict=True))
        if expert(i, end)
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # as autovacuum would have, on tables this size
            cursor.execute("ANALYZE")
    return members


def every_path() -> list[dt.date]:
    """One member for each thing the job can do on DAY: lapse (an expert), fall into grace
    (and get the grace reminder), get the 7-, 30- and 60-day reminders."""
    grace = MembershipRules.current().grace_days
    return [DAY - dt.timedelta(days=d) for d in (grace, 0, -7, -30, -60)]


def lapses_on(day: dt.date, end: dt.date) -> bool:
    return end == day - dt.timedelta(days=MembershipRules.current().grace_days)


def few() -> None:
    seed(every_path(), expert=lambda i, end: lapses_on(DAY, end))


def many(count: int = 10_000) -> None:
    """Ends spread evenly over three years around DAY, as a real membership's are: a backlog of
    lapses and reminders for a catch-up, a few of each on a normal day. One member in twenty is
    an expert, and so is each member who lapses on DAY."""
    ends = [
        DAY - dt.timedelta(days=730) + dt.timedelta(days=i * 1095 // count) for i in range(count)
    ]
    seed(ends + every_path(), expert=lambda i, end: i % 20 == 0 or lapses_on(DAY, end))


def clear() -> None:
    OutgoingMessage.objects.all().delete()
    get_user_model().objects.filter(username__startswith="q").delete()  # members go with them


def queries_of(day: dt.date) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        summary = membership_daily(on=day)
    return len(queries), summary


def normal_day() -> tuple[int, dict]:
    membership_daily(on=DAY - dt.timedelta(days=1))  # yesterday's run caught up already
    return queries_of(DAY)


def test_a_normal_day_costs_as_many_queries_for_10000_members_as_for_a_handful():
    few()
    small, small_summary = normal_day()
    clear()
    many()
    large, large_summary = normal_day()
    # Every path ran at both sizes, with more rows at the larger one.
    assert small_summary["lapsed"] == 1 and large_summary["lapsed"] > 1
    assert small_summary["reminders_sent"] == 4 < large_summary["reminders_sent"]
    assert large == small


def test_a_catch_up_day_costs_as_many_queries_for_10000_members_as_for_a_handful():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite splits each bulk INSERT at its parameter limit; the budget is PG's")
    few()
    small, small_summary = queries_of(DAY)
    clear()
    many()
    large, large_summary = queries_of(DAY)
    assert small_summary["lapsed"] == 1 and large_summary["lapsed"] > 5_000
    assert large_summary["reminders_sent"] > 1_000
    assert ExpertProfile.objects.filter(paused_for_lapse=True).count() > 250
    assert large == small


def test_lapsed_experts_are_paused_in_one_statement_and_each_told_once():
    seed([DAY - dt.timedelta(days=90 + i) for i in range(40)], expert=lambda i, end: True)
    with CaptureQueriesContext(connection) as queries:
        assert membership_daily(on=DAY)["lapsed"] == 40
    updates = [q["sql"] for q in queries if 'UPDATE "experts_expertprofile"' in q["sql"]]
    assert len(updates) == 1
    profiles = ExpertProfile.objects.all()
    assert all(p.status == ExpertProfile.Status.PAUSED and p.paused_for_lapse for p in profiles)
    notices = OutgoingMessage.objects.filter(template="experts/email/paused_for_lapse")
    assert sorted(notices.values_list("context__profile_id", flat=True)) == sorted(
        p.pk for p in profiles
    )
    membership_daily(on=DAY)  # a second run the same day pauses and tells nobody again
    assert notices.count() == 40


def test_a_backlog_is_queued_in_chunks_and_each_reminder_once(monkeypatch):
    monkeypatch.setattr(daily, "REMINDER_CHUNK", 50)
    many(1_000)
    with CaptureQueriesContext(connection) as queries:
        first = membership_daily(on=DAY)
    inserts = [
        q["sql"] for q in queries if 'INSERT INTO "communications_outgoingmessage"' in q["sql"]
    ]
    per_window = Reminder.objects.values_list("key", flat=True)
    chunks = sum(math.ceil(list(per_window).count(k) / 50) for k in set(per_window))
    experts_chunk = 1  # the lapse notices: fewer than one chunk of theirs
    assert len(inserts) == chunks + experts_chunk
    assert first["reminders_sent"] == Reminder.objects.count() > 100
    assert membership_daily(on=DAY)["reminders_sent"] == 0
    assert (
        OutgoingMessage.objects.filter(template="membership/email/reminder").count()
        == (first["reminders_sent"])
    )
    assert Membership.objects.filter(status=Status.LAPSED).count() == first["lapsed"]
