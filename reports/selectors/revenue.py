"""The revenue report's figures: dues invoiced, collected, refunded and outstanding by month,
category, payment method and fiscal year, and receivables by age. Three or one aggregate
queries, whatever the number of invoices."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import (
    BigIntegerField,
    DateField,
    F,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate

from billing.models import Invoice, InvoiceStatus, Payment, PaymentState, Refund, RefundState
from reports.periods import Period, month_end, months_between
from reports.selectors.common import as_date, day_after_start, fetch_all
from reports.summaries import revenue_by_month, summaries_kept

RECEIVED = (PaymentState.CONFIRMED, PaymentState.REFUNDED)
CLAIMS = (InvoiceStatus.OPEN, InvoiceStatus.PAID)
MEASURES = ("invoiced", "collected", "refunded", "outstanding")
OUTSIDE = dt.date(1, 1, 1)  # a month in no period


def _in(period: Period, name: str) -> Q:
    return Q(**{f"{name}__gte": period.first_on, f"{name}__lte": period.last_on})


def _money(expression, condition) -> Coalesce:
    return Coalesce(Sum(expression, filter=condition), Value(0), output_field=BigIntegerField())


@dataclass
class Revenue:
    """Cents per (measure, period key, category name, payment method or "")."""

    cells: dict[tuple[str, str, str, str], int] = field(default_factory=lambda: defaultdict(int))

    def total(self, measure: str, period: str, *, category=None, method=None) -> int:
        return sum(
            cents
            for (m, p, c, g), cents in self.cells.items()
            if m == measure
            and p == period
            and (category is None or c == category)
            and (method is None or g == method)
        )

    def categories(self) -> list[str]:
        return sorted({c for (_m, _p, c, _g) in self.cells})

    def methods(self) -> list[str]:
        return sorted({g for (_m, _p, _c, g) in self.cells if g})


def _whole_months(periods: dict[str, Period]) -> None:
    for period in periods.values():
        if period.first_on.day != 1 or month_end(period.last_on) != period.last_on:
            raise ValueError(f"{period.label}: revenue periods are whole calendar months")


def _spread(revenue: Revenue, measure: str, periods: dict[str, Period], rows) -> None:
    """Add per-day sums (category, method, day, cents) to each period holding that day.
    Every category and method seen gets a cell in every period (zero when none of its days is
    in it), so the report lists the same rows for every span."""
    months: dict[tuple[str, str, dt.date], int] = defaultdict(int)
    for category, method, day, cents in rows:
        months[(category, method, as_date(day).replace(day=1))] += int(cents)
    for (category, method, month), cents in months.items():
        for key, period in periods.items():
            revenue.cells[(measure, key, category, method)] += cents if month in period else 0


def revenue_figures(*, periods: dict[str, Period], category: str = "") -> Revenue:
    """Invoiced: invoices issued in the period that still claim money (open or paid; cancelled
    and closed-unpaid ones are no claim). Collected: payments received in the period, not
    overpayments (those are returned). Refunded: refunds that succeeded, on the day they were
    made. Outstanding: what the period's open invoices still ask for today.

    The periods are whole calendar months (months and fiscal years): each measure is summed
    once per day of the span in SQL (grouping by the date itself, not by a month computed
    for every row), three queries over the span however many periods are asked for, and a
    period's figure is the sum of its days."""
    revenue = Revenue()
    if not periods:
        return revenue
    _whole_months(periods)
    if summaries_kept():
        return _revenue_from_days(revenue, periods, category)
    return _revenue_from_rows(revenue, periods, category)


def _revenue_from_days(revenue: Revenue, periods: dict[str, Period], category: str) -> Revenue:
    """The same figures from the revenue per day the database keeps (reports/summaries.py):
    one query over a few rows per day, however many invoices and payments there are."""
    first = min(p.first_on for p in periods.values())
    last = max(p.last_on for p in periods.values())
    months = [m.first_on for m in months_between(first, last)]
    rows: dict[str, list] = {measure: [] for measure in MEASURES}
    for measure, category_name, method, month, cents in revenue_by_month(
        months=months, category=category
    ):
        # Outside the span: no money in any period, but the category and method are listed.
        rows[measure].append((category_name, method, month or OUTSIDE, cents if month else 0))
    for measure in MEASURES:
        _spread(revenue, measure, periods, rows[measure])
    return revenue


def _revenue_from_rows(revenue: Revenue, periods: dict[str, Period], category: str) -> Revenue:
    """`revenue_figures` summed from the invoices, payments and refunds (any database)."""
    invoices = Invoice.objects.order_by()
    # A $0.00 settlement of an invoice with nothing owed ("none") is no money received.
    payments = (
        Payment.objects.filter(state__in=RECEIVED, is_overpayment=False)
        .exclude(gateway="none")
        .order_by()
    )
    refunds = Refund.objects.filter(state=RefundState.SUCCEEDED).order_by()
    if category:
        invoices = invoices.filter(category_name=category)
        payments = payments.filter(invoice__category_name=category)
        refunds = refunds.filter(payment__invoice__category_name=category)
    rows = list(
        invoices.values_list("category_name", "issued_on").annotate(
            invoiced=_money("total_cents", Q(status__in=CLAIMS)),
            outstanding=_money(F("total_cents") - F("paid_cents"), Q(status=InvoiceStatus.OPEN)),
        )
    )
    _spread(revenue, "invoiced", periods, ((c, "", m, v) for c, m, v, _o in rows))
    _spread(revenue, "outstanding", periods, ((c, "", m, o) for c, m, _v, o in rows))
    received_on = Coalesce(
        "received_on", TruncDate("confirmed_at"), TruncDate("created_at"), output_field=DateField()
    )
    rows = (
        payments.annotate(day=received_on)
        .values_list("invoice__category_name", "gateway", "day")
        .annotate(cents=_money("amount_cents", Q()))
    )
    _spread(revenue, "collected", periods, rows)
    rows = (
        refunds.annotate(day=TruncDate("created_at"))
        .values_list("payment__invoice__category_name", "payment__gateway", "day")
        .annotate(cents=_money("amount_cents", Q()))
    )
    _spread(revenue, "refunded", periods, rows)
    return revenue


AGE_BUCKETS = ((0, 30), (31, 60), (61, 90), (91, None))


@dataclass(frozen=True)
class AgingRow:
    category: str
    counts: list[int]
    balances: list[int]


def receivables_aging(*, on: dt.date, category: str = "") -> list[AgingRow]:
    """Invoices that were open on `on` (issued by then, not yet paid, cancelled or closed) with
    what was still owed that day, by days since issue: 0–30, 31–60, 61–90, over 90. One query.

    The invoices open that day are found through three index ranges (open today; paid after
    the day; cancelled or closed after it), not by reading every invoice issued by then, and
    their payments up to the day are summed once per invoice in a join."""
    after = day_after_start(on)
    invoices, payments = Invoice._meta.db_table, Payment._meta.db_table
    where_category, category_params = (
        ("AND i.category_name = %s", [category]) if category else ("", [])
    )
    columns, values = [], []
    for low, high in AGE_BUCKETS:
        age, age_values = "b.issued_on <= %s", [on - dt.timedelta(days=low)]
        if high is not None:
            age += " AND b.issued_on >= %s"
            age_values.append(on - dt.timedelta(days=high))
        columns.append(f"SUM(CASE WHEN {age} THEN 1 ELSE 0 END)")
        columns.append(f"SUM(CASE WHEN {age} THEN b.balance ELSE 0 END)")
        values += age_values * 2
    rows = fetch_all(
        # Only fixed conditions and table names are formatted in; values travel as parameters.
        f"WITH o AS (SELECT i.id, i.category_name, i.issued_on, i.total_cents "  # noqa: S608
        f"FROM {invoices} i WHERE i.issued_on <= %s {where_category} AND (i.status = %s "
        f"OR (i.status = %s AND i.paid_at >= %s) "
        f"OR (i.status IN (%s, %s) AND i.closed_at >= %s))), "
        f"p AS (SELECT p.invoice_id, SUM(p.amount_cents) AS paid FROM {payments} p "
        f"WHERE p.invoice_id IN (SELECT id FROM o) AND p.state IN (%s, %s) "
        f"AND NOT p.is_overpayment AND p.received_on <= %s GROUP BY p.invoice_id), "
        f"b AS (SELECT o.category_name, o.issued_on, o.total_cents - COALESCE(p.paid, 0) "
        f"AS balance FROM o LEFT JOIN p ON p.invoice_id = o.id) "
        f"SELECT b.category_name, {', '.join(columns)} FROM b WHERE b.balance > 0 "
        "GROUP BY b.category_name ORDER BY b.category_name",
        (
            on,
            *category_params,
            InvoiceStatus.OPEN,
            InvoiceStatus.PAID,
            after,
            InvoiceStatus.CANCELLED,
            InvoiceStatus.EXPIRED,
            after,
            *RECEIVED,
            on,
            *values,
        ),
    )
    k = len(AGE_BUCKETS)
    return [
        AgingRow(
            row[0],
            [int(v or 0) for v in row[1 : 1 + 2 * k : 2]],
            [int(v or 0) for v in row[2 : 2 + 2 * k : 2]],
        )
        for row in rows
    ]


def invoice_category_names() -> list[str]:
    """Every category name on an invoice, in order: one step along the category-name index
    per distinct name (a loose index scan) instead of reading every invoice."""
    table = Invoice._meta.db_table
    rows = fetch_all(
        f"WITH RECURSIVE c(name) AS (SELECT MIN(category_name) FROM {table} "  # noqa: S608
        f"UNION ALL SELECT (SELECT MIN(i.category_name) FROM {table} i "
        f"WHERE i.category_name > c.name) FROM c WHERE c.name IS NOT NULL) "
        "SELECT name FROM c WHERE name IS NOT NULL",
        (),
    )
    return [row[0] for row in rows]
