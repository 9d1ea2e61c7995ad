"""On PostgreSQL the membership report's status and retention come from one pass with the dates
as bit positions (reports/selectors/standing.py); they must equal the portable queries, one
CASE per date, on every date, for memberships that the hand-built history does not cover:
overlapping terms of two categories, a renewal known only after its start, a term paid after
it ended, Life, terms starting on a report date and ending on the next."""

import datetime as dt

import pytest
from django.db import connection

from reports.periods import months_between
from reports.selectors.membership import (
    members_by_place,
    retention_by_cohort,
    retention_by_cohort_portable,
    standing_on_dates,
    standing_on_dates_portable,
    standing_retention_and_places,
)
from reports.selectors.standing import runs
from tests.reports.history import TODAY, Builder, build_history

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the one-pass queries are PostgreSQL's"
    ),
]


def _awkward_members():
    b = Builder(prefix="W")
    # Two categories at once: a full term overlapping an affiliate one, in grace of both.
    m = b.member("Overlap", category="full")
    b.term(m, "join", "2024-11-01", "2025-11-01")
    b.term(m, "renewal", "2025-05-31", "2026-05-31", category=b.categories["affiliate"])
    # A renewal starting at the old end, paid late in grace, on a report date at 23:00.
    m = b.member("Late", category="affiliate")
    b.term(m, "join", "2024-12-31", "2025-12-31")
    b.term(m, "renewal", "2025-12-31", "2026-12-31", activated="2026-01-31")
    # Paid after its own end: it never makes the member active, only counts as ended.
    m = b.member("After", category="full")
    b.term(m, "join", "2025-02-01", "2025-04-30", activated="2025-06-30")
    # Life from 2025-07-31 on, after a join that ended on a month end.
    m = b.member("Life", category="retired")
    b.term(m, "join", "2024-07-31", "2025-07-31")
    b.term(m, "life", "2025-07-31", "2099-12-31")
    # One day long, on a report date; and a term starting tomorrow, paid already.
    m = b.member("Short", category="student")
    b.term(m, "join", "2025-10-31", "2025-11-01")
    m = b.member("Ahead", category="full")
    b.term(m, "join", "2026-09-16", "2027-09-16", activated="2026-09-01")


def _date_sets():
    months = months_between(dt.date(2024, 6, 1), TODAY)
    month_ends = [min(m.last_on, TODAY) for m in months]
    every_day = [dt.date(2025, 10, 25) + dt.timedelta(days=i) for i in range(40)]
    return [
        month_ends,
        every_day,
        [TODAY],
        [dt.date(2025, 4, 30), dt.date(2025, 12, 31), dt.date(2026, 1, 31)],
        [dt.date(2026, 1, 31), dt.date(2025, 4, 30)],  # not in order
    ]


@pytest.mark.parametrize("grace_days", [0, 1, 60])
def test_status_on_every_date_equals_the_portable_query(today, grace_days):
    build_history()
    _awkward_members()
    for dates in _date_sets():
        fast = standing_on_dates(dates=dates, grace_days=grace_days)
        portable = standing_on_dates_portable(dates=dates, grace_days=grace_days)
        assert fast.counts == portable.counts, dates


def test_retention_equals_the_portable_query(today):
    build_history()
    _awkward_members()
    for years in ([2024, 2025, 2026, 2027], [2026, 2027], [2027]):
        assert retention_by_cohort(
            years=years, start_month=7, grace_days=60, today=TODAY
        ) == retention_by_cohort_portable(years=years, start_month=7, grace_days=60, today=TODAY)


@pytest.mark.parametrize("place_on", [TODAY, dt.date(2025, 10, 31), dt.date(2025, 12, 31)])
def test_status_retention_and_places_in_one_pass_equal_each_alone(today, place_on):
    build_history()
    _awkward_members()
    dates = _date_sets()[0]
    grid, cohorts, places = standing_retention_and_places(
        dates=dates,
        years=[2024, 2025, 2026, 2027],
        start_month=7,
        grace_days=60,
        today=TODAY,
        place_on=place_on,
    )
    assert places == members_by_place(on=place_on, grace_days=60)
    assert places[0]  # someone is somewhere
    assert grid.counts == standing_on_dates_portable(dates=dates, grace_days=60).counts
    assert cohorts == retention_by_cohort_portable(
        years=[2024, 2025, 2026, 2027], start_month=7, grace_days=60, today=TODAY
    )


def test_runs_of_set_bits():
    assert list(runs(0)) == []
    assert list(runs(0b1)) == [(0, 1)]
    assert list(runs(0b1110_0110)) == [(1, 3), (5, 8)]
    assert list(runs((1 << 62) - (1 << 3))) == [(3, 62)]
