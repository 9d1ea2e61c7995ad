"""The membership report over the hand-built history (tests/reports/history.py)."""

import csv
import io

import pytest
from django.urls import reverse

from membership.models import MembershipCategory
from reports.periods import month_period
from reports.selectors.membership import (
    ACTIVE,
    GRACE,
    LAPSED,
    flows_by_month,
    members_by_place,
    retention_by_cohort,
    standing_on_dates,
)
from tests.reports.history import TODAY, d

pytestmark = pytest.mark.django_db

DATES = [
    "2025-06-30",
    "2025-07-31",
    "2025-08-31",
    "2025-09-30",
    "2025-10-31",
    "2026-01-31",
    "2026-03-31",
    "2026-09-15",
]
# (active, grace, lapsed) on each date, worked out by hand from the history.
EXPECTED = [(4, 1, 0), (4, 1, 0), (4, 0, 1), (3, 1, 1), (4, 0, 1), (4, 1, 0), (4, 0, 1), (2, 2, 1)]


def test_status_on_each_date_comes_from_the_terms(history):
    grid = standing_on_dates(dates=[d(x) for x in DATES], grace_days=60)
    found = [
        (grid.by_state(i, ACTIVE), grid.by_state(i, GRACE), grid.by_state(i, LAPSED))
        for i in range(len(DATES))
    ]
    assert found == EXPECTED


def test_renewal_paid_on_the_last_day_of_grace_leaves_the_member_in_grace_until_then(history):
    # C's term ended 2025-09-01; the renewal was paid on 2025-10-30 (day 60 of 60).
    grid = standing_on_dates(dates=[d("2025-10-29"), d("2025-10-30")], grace_days=60)
    full = MembershipCategory.objects.get(code="full").pk
    assert grid.counts[(0, GRACE, full)] == 1
    assert (1, GRACE, full) not in grid.counts


def test_category_at_month_end_is_the_category_of_the_term_then(history):
    grid = standing_on_dates(dates=[d("2025-08-31"), d("2026-01-31"), TODAY], grace_days=60)
    full = MembershipCategory.objects.get(code="full").pk
    affiliate = MembershipCategory.objects.get(code="affiliate").pk
    # 2025-08-31: A, C, D full; F affiliate; B lapsed.
    assert (grid.by_category(0, full), grid.by_category(0, affiliate)) == (3, 1)
    # 2026-01-31: A, C, D full; B reinstated and F in grace, both affiliate.
    assert (grid.by_category(1, full), grid.by_category(1, affiliate)) == (3, 2)
    # Today: A full, C and D full in grace, B affiliate; F lapsed.
    assert (grid.by_category(2, full), grid.by_category(2, affiliate)) == (3, 1)


def test_joins_renewals_reinstatements_waivers_and_lapses_per_month(history):
    months = [
        month_period(y, m)
        for y, m in [
            (2024, 6),
            (2024, 7),
            (2024, 9),
            (2025, 1),
            (2025, 3),
            (2025, 6),
            (2025, 7),
            (2025, 8),
            (2025, 9),
            (2026, 1),
            (2026, 3),
            (2026, 7),
            (2026, 9),
        ]
    ]
    flows = {f.period.label: f for f in flows_by_month(months=months, grace_days=60, today=TODAY)}
    started = {
        label: (f.joins, f.renewals, f.reinstatements, f.waivers) for label, f in flows.items()
    }
    assert started == {
        "2024-06": (1, 0, 0, 0),  # B (E's refunded join never counts)
        "2024-07": (1, 0, 0, 0),  # A
        "2024-09": (1, 0, 0, 0),  # C
        "2025-01": (1, 0, 0, 0),  # F
        "2025-03": (1, 0, 0, 0),  # D
        "2025-06": (0, 0, 0, 0),
        "2025-07": (0, 1, 0, 0),  # A renews
        "2025-08": (0, 0, 0, 0),
        "2025-09": (0, 1, 0, 0),  # C renews (paid on the last day of grace)
        "2026-01": (0, 0, 1, 0),  # B reinstated
        "2026-03": (0, 0, 0, 1),  # D's waiver
        "2026-07": (0, 1, 0, 0),  # A renews
        "2026-09": (0, 0, 0, 0),
    }
    outcomes = {label: (f.ended, f.renewed, f.undecided, f.lapses) for label, f in flows.items()}
    assert outcomes["2025-06"] == (1, 0, 0, 0)  # B's term ends on June 30, not renewed
    assert outcomes["2025-07"] == (1, 1, 0, 0)  # A's term ends on July 1, renewed
    assert outcomes["2025-08"] == (0, 0, 0, 1)  # B lapses on 2025-08-29
    assert outcomes["2025-09"] == (1, 1, 0, 0)  # C renewed within grace
    assert outcomes["2026-01"] == (1, 0, 0, 0)  # F not renewed
    assert outcomes["2026-03"] == (1, 1, 0, 1)  # D waived; F lapses on 2026-03-11
    assert outcomes["2026-07"] == (1, 1, 0, 0)
    assert outcomes["2026-09"] == (2, 0, 2, 0)  # C and D still in grace today


def test_retention_by_join_cohort(history):
    cohorts = retention_by_cohort(
        years=[2024, 2025, 2026, 2027], start_month=7, grace_days=60, today=TODAY
    )
    found = [(c.year, c.members, c.retained) for c in cohorts]
    assert found == [
        (2024, 1, [(2025, 1), (2026, 1)]),  # B joined June 30, 2024; reinstated by FY2026's end
        (2025, 4, [(2026, 3)]),  # A, C, D, F joined in FY2025; F had lapsed by June 30, 2026
        (2026, 0, []),
        (2027, 0, []),
    ]


def test_members_in_good_standing_by_country_and_state(history):
    countries, states = members_by_place(on=TODAY, grace_days=60)
    assert countries == [("US", 3), ("CA", 1)]
    assert states == [("VA", 2), ("TX", 1)]


def test_page_and_csv_show_the_same_figures(history, staff_client):
    url = reverse("reports:membership") + "?start=2025-06&end=2025-10"
    page = staff_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'role="img"' in html and "<table" in html
    rows = list(csv.reader(io.StringIO(staff_client.get(url + "&format=csv").content.decode())))
    status_rows = {r[0]: r[2:6] for r in rows if len(r) == 6 and r[0].startswith("2025-")}
    assert status_rows == {
        "2025-06": ["4", "1", "5", "0"],
        "2025-07": ["4", "1", "5", "0"],
        "2025-08": ["4", "0", "4", "1"],
        "2025-09": ["3", "1", "4", "1"],
        "2025-10": ["4", "0", "4", "1"],
    }
    for cells in status_rows.values():
        for cell in cells:
            assert f'<td class="num">{cell}</td>' in html
