"""The standing episodes PostgreSQL keeps beside the terms (reports.models.StandingEpisode,
reports/migrations/0003): the membership report's status, retention and places read from
them must equal the one pass over the terms and the portable queries, on every date and
grace period; every write to terms, memberships and members keeps them as a rebuild from
scratch would make them; and with another grace period than they were built with, the report
reads the terms until the refresh sweep builds them again."""

import datetime as dt

import pytest
from django.db import connection

from membership.models import Member, MembershipRules, MembershipTerm
from reports.models import StandingBuild, StandingEnd, StandingEpisode
from reports.periods import months_between
from reports.selectors.forecast import renewal_rate_measured
from reports.selectors.membership import (
    _places_sorted,
    flows_by_month,
    members_by_place,
    retention_by_cohort_portable,
    standing_on_dates_portable,
    standing_retention_and_places,
)
from reports.selectors.standing import (
    counts_from_masks,
    episode_masks,
    membership_masks,
)
from reports.summaries import standing_ensure, standing_rebuild
from reports.tasks import refresh_report_snapshots
from tests.factories import MemberFactory
from tests.reports.history import TODAY, Builder, build_history
from tests.reports.test_standing_masks import _awkward_members, _date_sets

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers are PostgreSQL's"),
]


def _episodes() -> list[tuple]:
    return sorted(
        StandingEpisode.objects.values_list(
            "membership_id",
            "active_category_id",
            "grace_category_id",
            "active_on",
            "grace_on",
            "lapsed_on",
            "until_on",
            "cohort_on",
            "first",
            "country",
            "state_province",
        )
    )


def _ends() -> list[tuple]:
    return sorted(StandingEnd.objects.values_list("membership_id", "end_on", "renewed"))


def _as_rebuilt() -> list[tuple]:
    """The episodes a rebuild from every term makes, asserting the kept ones (and the kept
    ends) are the same."""
    kept, kept_ends = _episodes(), _ends()
    standing_rebuild()
    rebuilt = _episodes()
    assert kept == rebuilt
    assert kept_ends == _ends()
    return rebuilt


@pytest.mark.parametrize("grace_days", [0, 1, 60])
def test_episodes_give_the_figures_of_the_terms_on_every_date(today, grace_days):
    build_history()
    _awkward_members()
    standing_rebuild(grace_days)
    for dates in _date_sets():
        ordered = sorted(set(dates))
        episodes = episode_masks(dates=ordered, grace_days=grace_days)
        assert episodes is not None  # built with this grace period: read
        terms = membership_masks(dates=ordered, grace_days=grace_days)
        counts = counts_from_masks(episodes.rows, episodes.mixed, ordered=ordered, dates=dates)
        assert counts == counts_from_masks(terms.rows, terms.mixed, ordered=ordered, dates=dates)
        assert counts == standing_on_dates_portable(dates=dates, grace_days=grace_days).counts
        assert counts  # somebody stands somewhere


@pytest.mark.parametrize("place_on", [TODAY, dt.date(2025, 10, 31), dt.date(2025, 12, 31)])
def test_retention_and_places_from_episodes_equal_the_portable_queries(today, place_on):
    build_history()
    _awkward_members()
    dates = _date_sets()[0]
    years = [2024, 2025, 2026, 2027]
    ordered = sorted(set(dates) | {place_on})
    assert episode_masks(dates=ordered, grace_days=60, place_on=place_on) is not None
    grid, cohorts, places = standing_retention_and_places(
        dates=dates, years=years, start_month=7, grace_days=60, today=TODAY, place_on=place_on
    )
    assert grid.counts == standing_on_dates_portable(dates=dates, grace_days=60).counts
    assert cohorts == retention_by_cohort_portable(
        years=years, start_month=7, grace_days=60, today=TODAY
    )
    assert places == members_by_place(on=place_on, grace_days=60)
    assert sum(c.members for c in cohorts) > 0


def test_every_write_keeps_the_episodes_as_a_rebuild_makes_them(today):
    b = Builder(prefix="K")
    membership = b.member("Kept", category="full", country="US", state_province="VA")
    assert _episodes() == []
    join = b.term(membership, "join", "2024-07-01", "2025-07-01")
    after_join = _as_rebuilt()
    assert [(e[3], e[4], e[5], e[6]) for e in after_join] == [
        (dt.date(2024, 7, 1), dt.date(2025, 7, 1), dt.date(2025, 8, 30), None)
    ]
    # A renewal paid in grace: active again from the day it was paid, not its start.
    renewal = b.term(membership, "renewal", "2025-07-01", "2026-07-01", activated="2025-07-20")
    episodes = _as_rebuilt()
    assert [(e[3], e[4], e[5], e[6]) for e in episodes] == [
        (dt.date(2024, 7, 1), dt.date(2025, 7, 1), dt.date(2025, 7, 20), dt.date(2025, 7, 20)),
        (dt.date(2025, 7, 20), dt.date(2026, 7, 1), dt.date(2026, 8, 30), None),
    ]
    assert [e[8] for e in episodes] == [True, False]  # the first counts the membership once
    assert _ends() == [
        (membership.pk, dt.date(2025, 7, 1), True),
        (membership.pk, dt.date(2026, 7, 1), False),
    ]
    # Refunded: the renewal no longer counts.
    MembershipTerm.objects.filter(pk=renewal.pk).update(status="refunded")
    assert _as_rebuilt() == after_join
    assert _ends() == [(membership.pk, dt.date(2025, 7, 1), False)]
    # A bulk update of a column the episodes do not read writes nothing again.
    MembershipTerm.objects.filter(pk=join.pk).update(reason="noted")
    assert _as_rebuilt() == after_join
    # The member moves: every episode takes the new place.
    Member.objects.filter(pk=membership.member_id).update(country="CA", state_province="ON")
    assert {(e[9], e[10]) for e in _as_rebuilt()} == {("CA", "ON")}
    # The membership passes to another member: the other member's place.
    other = MemberFactory(full_name="Other", country="MX", state_province="")
    type(membership).objects.filter(pk=membership.pk).update(member_id=other.pk)
    assert {(e[9], e[10]) for e in _as_rebuilt()} == {("MX", "")}
    # Terms deleted: no episode is left behind.
    MembershipTerm.objects.filter(membership=membership).delete()
    assert _as_rebuilt() == []


def test_bulk_written_terms_are_kept_in_one_statement(today):
    b = Builder(prefix="B")
    memberships = [b.member(f"Bulk {n}", category="full") for n in range(5)]
    MembershipTerm.objects.bulk_create(
        MembershipTerm(
            membership=m,
            category=m.category,
            kind="join",
            status="active",
            start_on=dt.date(2025, 1, 1) + dt.timedelta(days=n),
            end_on=dt.date(2026, 1, 1) + dt.timedelta(days=n),
        )
        for n, m in enumerate(memberships)
    )
    episodes = _as_rebuilt()
    assert len(episodes) == 5 and {e[0] for e in episodes} == {m.pk for m in memberships}


def test_another_grace_period_reads_the_terms_until_the_sweep_builds_again(today):
    build_history()
    dates = _date_sets()[0]
    rules = MembershipRules.current()
    rules.grace_days = 30
    rules.save()
    ordered = sorted(set(dates))
    assert episode_masks(dates=ordered, grace_days=30) is None  # built with 60: not read
    expected = standing_on_dates_portable(dates=dates, grace_days=30).counts
    grid, _cohorts, places = standing_retention_and_places(
        dates=dates,
        years=[2025, 2026],
        start_month=7,
        grace_days=30,
        today=TODAY,
        place_on=TODAY,
    )
    assert grid.counts == expected  # from the terms meanwhile
    assert places == members_by_place(on=TODAY, grace_days=30)
    refresh_report_snapshots()
    assert StandingBuild.objects.get().grace_days == 30
    episodes = episode_masks(dates=ordered, grace_days=30, place_on=TODAY)
    assert episodes is not None
    assert counts_from_masks(episodes.rows, episodes.mixed, ordered=ordered, dates=dates) == (
        expected
    )
    assert _places_sorted(episodes.places) == places
    assert standing_ensure() is False  # nothing to do the next time


def test_flows_and_renewal_rate_from_the_kept_ends_equal_those_from_the_terms(today):
    build_history()
    _awkward_members()
    months = months_between(dt.date(2024, 6, 1), TODAY)
    kept_flows = flows_by_month(months=months, grace_days=60, today=TODAY)
    kept_rate = renewal_rate_measured(today=TODAY, grace_days=60)
    assert StandingEnd.objects.filter(renewed=True).exists()
    StandingBuild.objects.all().delete()  # never built: the terms are read
    assert flows_by_month(months=months, grace_days=60, today=TODAY) == kept_flows
    assert renewal_rate_measured(today=TODAY, grace_days=60) == kept_rate
    assert sum(f.renewed for f in kept_flows) > 0 and kept_rate.ended > 0
