"""Revenue, receivables aging and waivers over the hand-built history (history.py)."""

import csv
import io

import pytest
from django.urls import reverse

from reports.periods import fiscal_year
from reports.selectors.revenue import receivables_aging, revenue_figures
from reports.selectors.waivers import waivers_granted
from tests.reports.history import TODAY, d

pytestmark = pytest.mark.django_db


def _years(*years, start_month=7):
    return {f"FY{y}": fiscal_year(y, start_month=start_month) for y in years}


def test_revenue_by_fiscal_year_to_the_cent(history):
    figures = revenue_figures(periods=_years(2024, 2025, 2026, 2027))
    found = {
        fy: tuple(
            figures.total(m, fy) for m in ("invoiced", "collected", "refunded", "outstanding")
        )
        for fy in ("FY2024", "FY2025", "FY2026", "FY2027")
    }
    assert found == {
        # B's join on June 30, 2024 belongs to FY2024; A's on July 1, 2024 to FY2025.
        "FY2024": (150_00, 150_00, 0, 0),
        # A's join and early renewal (paid June 30, 2025), F's join.
        "FY2025": (2_150_00, 2_150_00, 0, 0),
        # C, E and A's 2026 renewal invoiced (F's closed unpaid renewal is no claim); C and E
        # collected (B's overpayment left out); E refunded (the failed and pending refunds on
        # A's card payment are not); half of A's renewal outstanding.
        "FY2026": (2_350_00, 1_350_00, 150_00, 500_00),
        # C's next renewal invoiced; A's second installment received on July 1, 2026.
        "FY2027": (1_200_00, 500_00, 0, 1_200_00),
    }


def test_revenue_by_category_and_payment_method(history):
    figures = revenue_figures(periods=_years(2026))
    assert figures.total("invoiced", "FY2026", category="Full member") == 2_200_00
    assert figures.total("invoiced", "FY2026", category="Affiliate member") == 150_00
    assert figures.total("collected", "FY2026", category="Full member") == 1_200_00
    assert figures.total("refunded", "FY2026", category="Affiliate member") == 150_00
    assert figures.total("outstanding", "FY2026", category="Full member") == 500_00
    assert figures.total("collected", "FY2026", method="stripe") == 1_350_00
    assert figures.total("collected", "FY2026", method="offline") == 0
    assert figures.total("refunded", "FY2026", method="stripe") == 150_00


def test_fiscal_year_follows_the_rule(history):
    # With a January start, FY2025 is the calendar year 2025.
    figures = revenue_figures(periods=_years(2025, start_month=1))
    # Issued in 2025: F's join (Jan 10), A's renewal (June 20), C (Aug 15), E (Aug 1); F's
    # expired renewal is no claim.
    assert figures.total("invoiced", "FY2025") == 200_00 + 975_00 + 1_200_00 + 150_00
    assert figures.total("collected", "FY2025") == 975_00 + 200_00 + 1_200_00 + 150_00


def test_receivables_aging_today(history):
    rows = receivables_aging(on=TODAY)
    assert [(r.category, r.counts, r.balances) for r in rows] == [
        # A's renewal (issued 2026-06-01, 106 days, $500 still owed); C's (2026-08-01, 45 days).
        ("Full member", [0, 1, 0, 1], [0, 1_200_00, 0, 500_00]),
    ]


def test_receivables_aging_on_a_past_date(history):
    rows = receivables_aging(on=d("2026-01-15"))
    # F's renewal was open then (closed unpaid on January 31): 45 days old.
    assert [(r.category, r.counts, r.balances) for r in rows] == [
        ("Affiliate member", [0, 1, 0, 0], [0, 200_00, 0, 0]),
    ]
    rows = receivables_aging(on=d("2026-06-30"))
    # A's renewal, nothing paid yet on June 30: 29 days old.
    assert [(r.category, r.counts, r.balances) for r in rows] == [
        ("Full member", [1, 0, 0, 0], [1_000_00, 0, 0, 0]),
    ]


def test_waivers_granted_with_their_value(history):
    totals = waivers_granted(years=_years(2025, 2026, 2027), term_months=12)
    # D from 2026-03-15: 6 months at the schedule then in effect, 0.60 % of $150,000 = $900.00
    # a year → $450.00 (the July 2026 schedule's 0.65 % does not apply yet).
    assert dict(totals.by_year) == {"FY2026": [1, 6, 450_00]}
    assert dict(totals.by_category) == {"full": [1, 6, 450_00]}
    assert totals.not_quoted == 0


def test_revenue_page_and_csv_agree(history, staff_client):
    url = reverse("reports:revenue") + "?fy=2026"
    html = staff_client.get(url).content.decode()
    rows = list(csv.reader(io.StringIO(staff_client.get(url + "&format=csv").content.decode())))
    footer = next(r for r in rows if r[:1] == ["FY2026"] and len(r) == 6)
    assert footer == ["FY2026", "$2,350.00", "$1,350.00", "$150.00", "$500.00", "$1,200.00"]
    for cell in footer[1:]:
        assert cell in html


def test_revenue_csv_defuses_formula_cells(history, staff_client):
    from billing.models import Invoice

    Invoice.objects.filter(category_name="Affiliate member").update(category_name="=HYPERLINK(1)")
    url = reverse("reports:revenue") + "?fy=2026&format=csv"
    text = staff_client.get(url).content.decode()
    assert "'=HYPERLINK(1)" in text
    assert "\n=HYPERLINK" not in text


def test_aging_and_waivers_pages(history, staff_client):
    html = staff_client.get(reverse("reports:aging")).content.decode()
    assert "$1,700.00" in html
    html = staff_client.get(
        reverse("reports:waivers") + "?fy_from=2025&fy_to=2027"
    ).content.decode()
    assert "$450.00" in html
