"""The per-month aggregation behind the revenue and membership reports: a period's figure is
the sum of its months, so any grouping of whole months gives the same totals."""

import datetime as dt

import pytest

from reports.periods import Period, fiscal_months, fiscal_year, months_between
from reports.selectors.membership import flows_by_month
from reports.selectors.revenue import invoice_category_names, revenue_figures
from tests.reports.history import TODAY

pytestmark = pytest.mark.django_db

MEASURES = ("invoiced", "collected", "refunded", "outstanding")


def test_a_fiscal_year_is_the_sum_of_its_months(history):
    months = fiscal_months(2026, start_month=7)
    periods = {m.label: m for m in months} | {"FY2026": fiscal_year(2026, start_month=7)}
    figures = revenue_figures(periods=periods)
    for measure in MEASURES:
        by_month = sum(figures.total(measure, m.label) for m in months)
        assert by_month == figures.total(measure, "FY2026"), measure
    assert figures.total("invoiced", "FY2026") == 2_350_00


def test_every_category_is_listed_in_every_period(history):
    """A category with invoices outside a period still has its (zero) cells in it."""
    figures = revenue_figures(periods={"FY2024": fiscal_year(2024, start_month=7)})
    later = revenue_figures(periods={"FY2026": fiscal_year(2026, start_month=7)})
    assert figures.categories() == later.categories() == invoice_category_names()


def test_a_period_that_is_not_whole_months_is_refused(history):
    with pytest.raises(ValueError, match="whole calendar months"):
        revenue_figures(periods={"x": Period(dt.date(2026, 1, 2), dt.date(2026, 1, 31), "x")})


def test_category_names_are_distinct_and_in_order(history):
    from billing.models import Invoice

    expected = sorted(set(Invoice.objects.values_list("category_name", flat=True)))
    assert len(expected) >= 1
    assert invoice_category_names() == expected


def test_flows_of_a_span_equal_the_flows_of_its_parts(history):
    """Counting a term once per (measure, month) gives each month the same figures whatever
    span it is asked in, and a renewal that starts just after the span still shows as one."""
    months = months_between(dt.date(2024, 1, 1), TODAY)
    whole = {f.period.label: f for f in flows_by_month(months=months, grace_days=60, today=TODAY)}
    for month in months:
        (alone,) = flows_by_month(months=[month], grace_days=60, today=TODAY)
        assert alone == whole[month.label], month.label
    assert sum(f.joins + f.renewals for f in whole.values()) > 0
    assert sum(f.renewed for f in whole.values()) > 0
