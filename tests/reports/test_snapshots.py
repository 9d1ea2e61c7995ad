"""Report snapshots (reports/snapshots.py): a page's figures are stored and served again while
nothing they count has changed; after a change the page either computes again (test settings:
no stale window) or, in production's window, shows the stored figures saying they are out of
date until the sweep or the Refresh button computes them again."""

import csv
import io
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.models import Payment
from membership.models import MembershipRules, MembershipTerm
from reports.models import DataChange, ReportSnapshot
from reports.tasks import refresh_report_snapshots
from tests.reports.history import build_history
from tests.reports.test_queries import _more_members

pytestmark = pytest.mark.django_db

URL = reverse("reports:membership") + "?start=2025-06&end=2025-10"
BEFORE = {
    "2025-06": ["4", "1", "5", "0"],
    "2025-07": ["4", "1", "5", "0"],
    "2025-08": ["4", "0", "4", "1"],
    "2025-09": ["3", "1", "4", "1"],
    "2025-10": ["4", "0", "4", "1"],
}
# A's renewal of 2025-07-01 refunded: A is in grace through 2025-08-29, lapsed after.
AFTER_REFUND = {
    "2025-06": ["4", "1", "5", "0"],
    "2025-07": ["3", "2", "5", "0"],
    "2025-08": ["3", "0", "3", "2"],
    "2025-09": ["2", "1", "3", "2"],
    "2025-10": ["3", "0", "3", "2"],
}


def status_rows(client, url=URL):
    sep = "&" if "?" in url else "?"
    text = client.get(url + sep + "format=csv").content.decode()
    rows = list(csv.reader(io.StringIO(text)))
    return {r[0]: r[2:6] for r in rows if len(r) == 6 and r[0].startswith("2025-")}


def refund_a_renewal(history):
    term = MembershipTerm.objects.get(membership=history["A"], start_on="2025-07-01")
    MembershipTerm.objects.filter(pk=term.pk).update(status="refunded")


def test_every_statement_on_a_watched_table_is_noted_once(db):
    before = DataChange.objects.count()
    MembershipRules.objects.update(grace_days=60)  # one statement, whatever the rows
    changes = list(DataChange.objects.filter(id__gt=0).order_by("-id")[:1])
    assert DataChange.objects.count() == before + 1
    assert changes[0].table_name == "membership_membershiprules"


def test_a_page_is_computed_once_then_served_until_something_changes(history, staff_client):
    first = staff_client.get(URL).content.decode()
    assert "Figures computed from the records at" in first
    snapshot = ReportSnapshot.objects.get(page="membership")
    second = staff_client.get(URL).content.decode()
    assert "nothing they count has changed since" in second
    assert ReportSnapshot.objects.get().computed_at == snapshot.computed_at
    assert status_rows(staff_client) == BEFORE


def test_without_a_stale_window_a_change_is_counted_at_once(history, staff_client):
    assert status_rows(staff_client) == BEFORE
    refund_a_renewal(history)
    assert status_rows(staff_client) == AFTER_REFUND


def test_in_the_stale_window_the_page_says_its_figures_are_out_of_date(
    history, staff_client, settings
):
    settings.REPORTS_STALE_SECONDS = 900
    staff_client.get(URL)
    refund_a_renewal(history)
    page = staff_client.get(URL).content.decode()
    assert re.search(r"Figures as of \d\d:\d\d\. Since then, 1 change to members", page)
    assert 'action="/staff/reports/refresh/"' in page
    assert status_rows(staff_client) == BEFORE  # not counted yet, and the page says so
    assert refresh_report_snapshots() == 1  # the sweep computes it again
    assert status_rows(staff_client) == AFTER_REFUND
    assert "nothing they count has changed since" in staff_client.get(URL).content.decode()
    assert refresh_report_snapshots() == 0  # nothing left to do


def test_past_the_stale_window_the_page_computes_again(history, staff_client, settings):
    settings.REPORTS_STALE_SECONDS = 900
    staff_client.get(URL)
    refund_a_renewal(history)
    with time_machine.travel("2026-09-15 12:16:00-04:00", tick=False):
        assert status_rows(staff_client) == AFTER_REFUND


def test_the_refresh_button_computes_the_figures_again(
    history, staff_client, settings, django_capture_on_commit_callbacks
):
    settings.REPORTS_STALE_SECONDS = 900
    staff_client.get(URL)
    refund_a_renewal(history)
    snapshot = ReportSnapshot.objects.get()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = staff_client.post(reverse("reports:refresh"), {"snapshot": snapshot.pk})
    assert len(callbacks) == 1  # the task is queued once the request is committed
    assert response.status_code == 302
    assert response["Location"] == URL
    assert status_rows(staff_client) == AFTER_REFUND
    assert ReportSnapshot.objects.get().refresh_requested_at is None


def test_a_new_payment_reaches_the_revenue_report(history, staff_client, settings):
    settings.REPORTS_STALE_SECONDS = 900
    url = reverse("reports:revenue") + "?fy=2026"

    def collected_fy2026():
        rows = list(csv.reader(io.StringIO(staff_client.get(url + "&format=csv").content.decode())))
        header = next(r for r in rows if r[:3] == ["Fiscal year", "From", "To"])
        row = next(r for r in rows if r[:1] == ["FY2026"] and len(r) == len(header))
        return row[header.index("Collected")]

    before = collected_fy2026()
    payment = Payment.objects.filter(received_on="2025-10-30").get()
    Payment.objects.filter(pk=payment.pk).update(amount_cents=payment.amount_cents + 1_00)
    assert collected_fy2026() == before
    refresh_report_snapshots()
    after = collected_fy2026()
    assert after != before
    assert (
        int(after.replace("$", "").replace(",", "").split(".")[0])
        == int(before.replace("$", "").replace(",", "").split(".")[0]) + 1
    )


def test_a_snapshot_of_yesterday_is_not_served_today(
    history, staff_client, membership_staff, settings
):
    settings.REPORTS_STALE_SECONDS = 900
    staff_client.get(URL)
    with time_machine.travel("2026-09-16 09:00:00-04:00", tick=False):
        staff_client.force_login(membership_staff)  # a new day's session
        response = staff_client.get(URL)
        assert response.status_code == 200
        page = response.content.decode()
        assert "Figures computed from the records at" in page
        assert ReportSnapshot.objects.filter(today="2026-09-16").count() == 1


def test_changing_the_grace_period_computes_with_the_new_rule(history, staff_client, settings):
    settings.REPORTS_STALE_SECONDS = 900
    assert status_rows(staff_client)["2025-08"] == ["4", "0", "4", "1"]
    MembershipRules.objects.update(grace_days=90)
    # B's term ended 2025-06-30: with 90 days of grace B is in grace on 2025-08-31.
    assert status_rows(staff_client)["2025-08"] == ["4", "1", "5", "0"]


def test_the_sweep_forgets_snapshots_nobody_looks_at(history, staff_client, settings):
    staff_client.get(URL)
    with time_machine.travel("2026-09-23 12:00:00-04:00", tick=False):
        refresh_report_snapshots()
    assert not ReportSnapshot.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        URL,
        reverse("reports:revenue") + "?fy=2026",
        reverse("reports:aging"),
        reverse("reports:waivers") + "?fy_from=2025&fy_to=2027",
        reverse("reports:forecast") + "?fy=2027",
    ],
)
def test_serving_a_snapshot_costs_the_same_queries_at_any_size(today, staff_client, url):
    def served_queries():
        staff_client.get(url)  # computes and stores
        with CaptureQueriesContext(connection) as queries:
            assert "nothing they count has changed since" in staff_client.get(url).content.decode()
        return len(queries)

    build_history()
    small = served_queries()
    _more_members(12)
    assert served_queries() == small
    assert small <= 10


def test_past_a_thousand_changes_the_page_stops_counting(history, staff_client, settings):
    from django.utils import timezone

    settings.REPORTS_STALE_SECONDS = 900
    staff_client.get(URL)
    now = timezone.now()
    DataChange.objects.bulk_create(
        [DataChange(table_name="billing_payment", changed_at=now) for _ in range(1_000)]
    )
    page = staff_client.get(URL).content.decode()
    assert "Since then, 1000 or more changes" in page
