"""The revenue report, receivables aging and dues waivers granted."""

from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from membership.money import format_cents
from membership.permissions import membership_staff_required
from reports.charts import Series, bar_chart, dollars_axis
from reports.forms import AgingForm, FiscalYearForm, YearSpanForm
from reports.periods import fiscal_months, fiscal_year, fiscal_year_of
from reports.selectors.revenue import (
    AGE_BUCKETS,
    MEASURES,
    invoice_category_names,
    receivables_aging,
    revenue_figures,
)
from reports.selectors.waivers import waivers_granted
from reports.snapshots import ReportPage
from reports.tables import Table
from reports.views.common import Report, Section, count, render_cached

YEARS_SHOWN = 3
METHOD_LABELS = {
    "stripe": "Card (Stripe)",
    "offline": "Cheque or transfer",
    "credit": "Credit applied",
}


def _measure_labels():
    return {
        "invoiced": _("Invoiced"),
        "collected": _("Collected"),
        "refunded": _("Refunded"),
        "outstanding": _("Outstanding"),
    }


def _year_range(today, start_month, back=5, ahead=0):
    this_year = fiscal_year_of(today, start_month=start_month)
    return list(range(this_year + ahead, this_year - back - 1, -1))


def revenue_filters(get, rules, today):
    years = _year_range(today, rules.fiscal_year_start_month, back=10)
    form = FiscalYearForm(
        get,
        years=years,
        categories=invoice_category_names(),
        defaults={"fy": years[0], "category": ""},
    )
    return form, form.values()


def revenue_build(values, rules, today):
    sm = rules.fiscal_year_start_month
    year, category = values["fy"], values["category"]
    months = fiscal_months(year, start_month=sm)
    past_years = [year - i for i in range(YEARS_SHOWN - 1, -1, -1)]
    periods = {m.label: m for m in months}
    periods.update({f"FY{y}": fiscal_year(y, start_month=sm) for y in past_years})
    figures = revenue_figures(periods=periods, category=category)
    labels = _measure_labels()
    fy_key = f"FY{year}"

    month_table = Table(
        key="months",
        title=_("Dues by month, FY%(y)s") % {"y": year},
        columns=[_("Month"), *[labels[m] for m in MEASURES], _("Net collected")],
        rows=[
            [
                m.label,
                *[format_cents(figures.total(k, m.label)) for k in MEASURES],
                format_cents(
                    figures.total("collected", m.label) - figures.total("refunded", m.label)
                ),
            ]
            for m in months
        ],
        footer=[
            fy_key,
            *[format_cents(figures.total(k, fy_key)) for k in MEASURES],
            format_cents(figures.total("collected", fy_key) - figures.total("refunded", fy_key)),
        ],
        note=_(
            "Invoiced: invoices issued that still claim money (open or paid). Collected: "
            "payments received, overpayments left out. Refunded: refunds that went through. "
            "Outstanding: what those invoices still ask for today."
        ),
    )
    month_chart = bar_chart(
        key="months",
        title=month_table.title,
        labels=[m.label for m in months],
        series=[
            Series(labels["invoiced"], [figures.total("invoiced", m.label) for m in months]),
            Series(labels["collected"], [figures.total("collected", m.label) for m in months]),
            Series(labels["refunded"], [figures.total("refunded", m.label) for m in months]),
        ],
        fmt=dollars_axis,
        summary=_("FY%(y)s: %(i)s invoiced, %(c)s collected, %(r)s refunded, %(o)s outstanding.")
        % {
            "y": year,
            "i": format_cents(figures.total("invoiced", fy_key)),
            "c": format_cents(figures.total("collected", fy_key)),
            "r": format_cents(figures.total("refunded", fy_key)),
            "o": format_cents(figures.total("outstanding", fy_key)),
        },
    )
    cats = figures.categories()
    category_table = Table(
        key="categories",
        title=_("By category, FY%(y)s") % {"y": year},
        columns=[_("Category"), *[labels[m] for m in MEASURES]],
        rows=[
            [c, *[format_cents(figures.total(k, fy_key, category=c)) for k in MEASURES]]
            for c in cats
        ],
    )
    methods = figures.methods()
    method_table = Table(
        key="methods",
        title=_("By payment method, FY%(y)s") % {"y": year},
        columns=[_("Payment method"), labels["collected"], labels["refunded"], _("Net collected")],
        rows=[
            [
                _(METHOD_LABELS.get(g, g)),
                format_cents(figures.total("collected", fy_key, method=g)),
                format_cents(figures.total("refunded", fy_key, method=g)),
                format_cents(
                    figures.total("collected", fy_key, method=g)
                    - figures.total("refunded", fy_key, method=g)
                ),
            ]
            for g in methods
        ],
    )
    year_table = Table(
        key="years",
        title=_("By fiscal year"),
        columns=[_("Fiscal year"), _("From"), _("To"), *[labels[m] for m in MEASURES]],
        label_columns=3,
        rows=[
            [
                f"FY{y}",
                periods[f"FY{y}"].first_on.isoformat(),
                periods[f"FY{y}"].last_on.isoformat(),
                *[format_cents(figures.total(k, f"FY{y}")) for k in MEASURES],
            ]
            for y in past_years
        ],
    )
    report = Report(
        key="revenue",
        title=_("Revenue report"),
        lead=_("Dues in US dollars, by the fiscal year set in the membership rules."),
        sections=[
            Section(month_table, month_chart),
            Section(category_table),
            Section(method_table),
            Section(year_table),
        ],
        assumptions=[
            _("FY%(y)s runs from %(a)s to %(b)s.")
            % {"y": year, "a": periods[fy_key].first_on, "b": periods[fy_key].last_on},
            _("Categories are the names frozen on each invoice when it was issued."),
        ],
    )
    heading = [f"FY{year}", category or _("All categories")]
    return report, heading


REVENUE = ReportPage("revenue", revenue_filters, revenue_build)


@membership_staff_required
@require_GET
def revenue_report(request):
    return render_cached(request, REVENUE)


def aging_filters(get, rules, today):
    form = AgingForm(
        get, categories=invoice_category_names(), defaults={"on": today, "category": ""}
    )
    values = form.values()
    return form, {"on": min(values["on"], today), "category": values["category"]}


def aging_build(values, rules, today):
    on, category = values["on"], values["category"]
    rows = receivables_aging(on=on, category=category)
    buckets = [
        _("%(a)s–%(b)s days") % {"a": low, "b": high}
        if high
        else _("Over %(a)s days") % {"a": low - 1}
        for low, high in AGE_BUCKETS
    ]
    k = len(AGE_BUCKETS)
    totals_n = [sum(r.counts[i] for r in rows) for i in range(k)]
    totals_b = [sum(r.balances[i] for r in rows) for i in range(k)]
    table = Table(
        key="aging",
        title=_("Accounts receivable on %(day)s, by days since the invoice was issued")
        % {"day": on.isoformat()},
        columns=[
            _("Category"),
            *[f"{b}: {_('invoices')}" for b in buckets],
            *[f"{b}: {_('owed')}" for b in buckets],
            _("Total owed"),
        ],
        rows=[
            [
                r.category,
                *[count(n) for n in r.counts],
                *[format_cents(c) for c in r.balances],
                format_cents(sum(r.balances)),
            ]
            for r in rows
        ],
        footer=[
            _("Total"),
            *[count(n) for n in totals_n],
            *[format_cents(c) for c in totals_b],
            format_cents(sum(totals_b)),
        ],
        note=_("An invoice counts while it was open that day, for what was still owed then."),
    )
    chart = bar_chart(
        key="aging",
        title=table.title,
        labels=buckets,
        series=[Series(_("Owed"), totals_b)],
        fmt=dollars_axis,
        summary=_("%(total)s owed on %(n)s invoices.")
        % {"total": format_cents(sum(totals_b)), "n": count(sum(totals_n))},
    )
    report = Report(
        key="aging",
        title=_("Receivables aging"),
        lead=_("Cheques and transfers still to come: open invoices by age."),
        sections=[Section(table, chart)],
    )
    heading = [on.isoformat(), category or _("All categories")]
    return report, heading


AGING = ReportPage("aging", aging_filters, aging_build)


@membership_staff_required
@require_GET
def aging_report(request):
    return render_cached(request, AGING)


def waivers_filters(get, rules, today):
    sm = rules.fiscal_year_start_month
    years = _year_range(today, sm, back=10, ahead=1)
    this_year = fiscal_year_of(today, start_month=sm)
    form = YearSpanForm(get, years=years, defaults={"fy_from": this_year - 2, "fy_to": this_year})
    return form, form.values()


def waivers_build(values, rules, today):
    sm = rules.fiscal_year_start_month
    shown = list(range(values["fy_from"], values["fy_to"] + 1))
    periods = {f"FY{y}": fiscal_year(y, start_month=sm) for y in shown}
    totals = waivers_granted(years=periods, term_months=rules.term_months)
    year_table = Table(
        key="years",
        title=_("Dues waivers by fiscal year"),
        columns=[
            _("Fiscal year"),
            _("Waivers"),
            _("Months waived"),
            _("Value at the quote replaced"),
        ],
        rows=[
            [
                key,
                count(totals.by_year[key][0]),
                count(totals.by_year[key][1]),
                format_cents(totals.by_year[key][2]),
            ]
            for key in periods
        ],
        footer=[
            _("Total"),
            count(sum(totals.by_year[k][0] for k in periods)),
            count(sum(totals.by_year[k][1] for k in periods)),
            format_cents(sum(totals.by_year[k][2] for k in periods)),
        ],
        note=_("A waiver counts in the fiscal year its waived period starts in."),
    )
    chart = bar_chart(
        key="years",
        title=year_table.title,
        labels=list(periods),
        series=[Series(_("Value at the quote replaced"), [totals.by_year[k][2] for k in periods])],
        fmt=dollars_axis,
        summary=_("%(n)s waivers, %(m)s months, worth %(v)s.")
        % {
            "n": count(sum(totals.by_year[k][0] for k in periods)),
            "m": count(sum(totals.by_year[k][1] for k in periods)),
            "v": format_cents(sum(totals.by_year[k][2] for k in periods)),
        },
    )
    category_table = Table(
        key="categories",
        title=_("Dues waivers by category"),
        columns=[_("Category"), _("Waivers"), _("Months waived"), _("Value at the quote replaced")],
        rows=[
            [code, count(v[0]), count(v[1]), format_cents(v[2])]
            for code, v in sorted(totals.by_category.items())
        ],
    )
    report = Report(
        key="waivers",
        title=_("Dues waivers granted"),
        lead=_("Members in transition: months of dues waived and what they would have paid."),
        sections=[Section(year_table, chart), Section(category_table)],
        assumptions=[
            _(
                "Value: the member's dues under the schedule in effect when the waived period "
                "starts, with the member's facts today, for the months waived out of a "
                "%(m)s-month term."
            )
            % {"m": rules.term_months},
            _("Waivers that could not be quoted (no rate for the member): %(n)s.")
            % {"n": totals.not_quoted},
        ],
    )
    heading = [_("FY%(a)s to FY%(b)s") % {"a": shown[0], "b": shown[-1]}]
    return report, heading


WAIVERS = ReportPage("waivers", waivers_filters, waivers_build)


@membership_staff_required
@require_GET
def waivers_report(request):
    return render_cached(request, WAIVERS)
