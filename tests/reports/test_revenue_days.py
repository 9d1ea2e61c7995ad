"""On PostgreSQL the revenue report sums the revenue per day that triggers keep
(reports/summaries.py); it must equal the sums over the invoices, payments and refunds after
any write: new rows, changed amounts and states, an invoice moved to another category, a
payment to another method, deletions, and after the sweep folds the appended rows."""

import pytest
from django.db import connection

from billing.models import Invoice, Payment, Refund
from reports.models import RevenueDay
from reports.periods import fiscal_months, fiscal_year
from reports.selectors.revenue import Revenue, _revenue_from_days, _revenue_from_rows
from reports.summaries import revenue_days_fold, revenue_days_rebuild
from tests.reports.history import build_history

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers are PostgreSQL's"),
]


def _periods():
    periods = {m.label: m for m in fiscal_months(2026, start_month=7)}
    periods.update({f"FY{y}": fiscal_year(y, start_month=7) for y in (2024, 2025, 2026, 2027)})
    return periods


def _same(category=""):
    days = _revenue_from_days(Revenue(), _periods(), category)
    rows = _revenue_from_rows(Revenue(), _periods(), category)
    assert dict(days.cells) == dict(rows.cells)
    return days


def test_revenue_per_day_equals_the_rows_after_every_kind_of_write(today):
    build_history()
    figures = _same()
    assert figures.total("collected", "FY2026") > 0
    _same(category="Full member")

    invoice = Invoice.objects.filter(status="open").first()
    Invoice.objects.filter(pk=invoice.pk).update(paid_cents=invoice.paid_cents + 100_00)
    _same()
    paid = Invoice.objects.filter(status="paid", payments__isnull=False).first()
    Invoice.objects.filter(pk=paid.pk).update(category_name="Affiliate member")
    _same()
    _same(category="Affiliate member")
    payment = Payment.objects.filter(refunds__state="succeeded").first()
    Payment.objects.filter(pk=payment.pk).update(gateway="offline", amount_cents=1)
    _same()
    Refund.objects.filter(state="failed").update(state="succeeded")
    _same()
    Refund.objects.filter(payment=payment).delete()
    _same()
    Payment.objects.filter(is_overpayment=True).update(is_overpayment=False, received_on=None)
    _same()
    Invoice.objects.filter(status="expired").update(status="cancelled", total_cents=0)
    _same()


def test_the_fold_keeps_one_row_per_key_and_the_same_figures(today):
    build_history()
    Refund.objects.update(state="succeeded")
    Refund.objects.update(state="failed")
    before = _same()
    appended = RevenueDay.objects.count()
    revenue_days_fold()
    assert RevenueDay.objects.count() < appended
    keys = RevenueDay.objects.values_list("measure", "day", "category_name", "method")
    assert len(set(keys)) == len(keys)
    assert not RevenueDay.objects.filter(source_rows=0).exists()
    assert dict(_same().cells) == dict(before.cells)


def test_the_rebuild_gives_what_the_triggers_kept(today):
    build_history()
    kept = _same()
    RevenueDay.objects.all().delete()
    revenue_days_rebuild()
    assert dict(_same().cells) == dict(kept.cells)
