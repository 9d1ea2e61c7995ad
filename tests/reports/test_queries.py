"""Every report page answers in the same number of queries whatever the number of members."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from membership.models import DuesSchedule
from membership.services.dues_schedules import schedule_clone
from tests.reports.history import Builder, build_history

pytestmark = pytest.mark.django_db

PAGES = [
    ("reports:staff_home", ""),
    ("reports:membership", "?start=2024-06&end=2026-09"),
    ("reports:revenue", "?fy=2026"),
    ("reports:aging", ""),
    ("reports:waivers", "?fy_from=2025&fy_to=2027"),
    ("reports:forecast", "?fy=2027"),
    ("reports:renewals_due", "?days=90"),
]


def _more_members(count: int):
    b = Builder(prefix="X")
    for n in range(count):
        m = b.member(f"Extra {n}", category="full")
        t = b.term(m, "join", "2025-08-01", "2026-08-01")
        inv = b.invoice(t, issued="2025-08-01", total=975_00, paid="2025-08-01")
        b.payment(inv, amount=975_00, received="2025-08-01")
        b.term(m, "waiver", "2026-08-01", "2027-02-01")


def _query_counts(client, draft):
    counts = {}
    for name, query in PAGES:
        if name == "reports:forecast":
            query += f"&draft={draft.pk}"
        with CaptureQueriesContext(connection) as queries:
            for suffix in ("", "&format=csv" if query else "?format=csv"):
                if name in ("reports:staff_home", "reports:renewals_due") and suffix:
                    continue
                assert client.get(reverse(name) + query + suffix).status_code == 200
        counts[name] = len(queries)
    return counts


def test_query_counts_do_not_grow_with_the_data(today, staff_client):
    build_history()
    draft = schedule_clone(
        schedule_id=DuesSchedule.objects.filter(status="published").first().pk, actor=None
    )
    small = _query_counts(staff_client, draft)
    _more_members(12)
    large = _query_counts(staff_client, draft)
    assert small == large
    assert max(small.values()) <= 40


COMPUTED = [
    ("reports:membership", "?start=2024-06&end=2026-09"),
    ("reports:membership", "?start=2021-10&end=2026-09"),  # sixty months
    ("reports:revenue", "?fy=2026"),
    ("reports:revenue", "?fy=2025&category=Full+member"),
    ("reports:aging", "?on=2026-01-31"),
    ("reports:waivers", "?fy_from=2025&fy_to=2027"),
    ("reports:forecast", "?fy=2027"),
    ("reports:forecast", "?fy=2028&draft={draft}"),
]


def _computed_counts(client, draft):
    """Each page computed from the rows: no snapshot to serve it from."""
    from reports.models import ReportSnapshot

    counts = {}
    for name, query in COMPUTED:
        url = reverse(name) + query.format(draft=draft.pk)
        ReportSnapshot.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert response.context["served"].computed_now
        counts[url] = len(queries)
    return counts


def test_computed_query_counts_do_not_grow_with_the_data(today, staff_client):
    build_history()
    draft = schedule_clone(
        schedule_id=DuesSchedule.objects.filter(status="published").first().pk, actor=None
    )
    small = _computed_counts(staff_client, draft)
    _more_members(12)
    large = _computed_counts(staff_client, draft)
    assert small == large
    assert max(small.values()) <= 40
