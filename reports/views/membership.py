"""The membership report: members by status and category at each month end, the month's
joins, renewals, reinstatements and lapses, renewal rate, retention by join cohort, places."""

from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_countries import countries

from membership.dates import add_months
from membership.models import Status
from membership.permissions import membership_staff_required
from reports.charts import Series, bar_chart
from reports.forms import SpanForm
from reports.periods import fiscal_year, fiscal_year_of, months_between
from reports.selectors.membership import (
    ACTIVE,
    GRACE,
    LAPSED,
    categories,
    flows_by_month,
    standing_retention_and_places,
)
from reports.snapshots import ReportPage
from reports.tables import Table
from reports.views.common import Report, Section, count, percent, render_cached


def _span(get, today):
    this_month = today.replace(day=1)
    form = SpanForm(
        get,
        defaults={"start": add_months(this_month, -11), "end": this_month},
    )
    values = form.values()
    end = min(values["end"], this_month)
    start = min(values["start"], end)
    return form, start, end


def membership_filters(get, rules, today):
    form, start, end = _span(get, today)
    return form, {"start": start, "end": end}


def membership_build(values, rules, today):
    start, end = values["start"], values["end"]
    months = months_between(start, end)
    # Each month's state on its last day; the current month's on today.
    dates = [min(m.last_on, today) for m in months]
    labels = [
        m.label if m.last_on <= today else _("%(m)s (today)") % {"m": m.label} for m in months
    ]
    grace = rules.grace_days
    flows = flows_by_month(months=months, grace_days=grace, today=today)
    cats = categories()
    sm = rules.fiscal_year_start_month
    first_year = fiscal_year_of(start, start_month=sm)
    last_year = fiscal_year_of(today, start_month=sm)
    cohort_years = list(range(min(first_year, last_year - 2), last_year + 1))
    place_day = dates[-1]
    grid, cohorts, (by_country, by_state) = standing_retention_and_places(
        dates=dates,
        years=cohort_years,
        start_month=sm,
        grace_days=grace,
        today=today,
        place_on=place_day,
    )

    status_table = Table(
        key="status",
        title=_("Members by status at each month end"),
        columns=[
            _("Month end"),
            _("Date"),
            Status.ACTIVE.label,
            Status.GRACE.label,
            _("In good standing"),
            Status.LAPSED.label,
        ],
        label_columns=2,
        rows=[
            [
                label,
                day.isoformat(),
                count(grid.by_state(i, ACTIVE)),
                count(grid.by_state(i, GRACE)),
                count(grid.by_state(i, ACTIVE) + grid.by_state(i, GRACE)),
                count(grid.by_state(i, LAPSED)),
            ]
            for i, (label, day) in enumerate(zip(labels, dates, strict=True))
        ],
        note=_("Lapsed: every paid term ended more than the grace period before that day."),
    )
    status_chart = bar_chart(
        key="status",
        title=status_table.title,
        labels=labels,
        series=[
            Series(Status.ACTIVE.label, [grid.by_state(i, ACTIVE) for i in range(len(dates))]),
            Series(Status.GRACE.label, [grid.by_state(i, GRACE) for i in range(len(dates))]),
        ],
        summary=_(
            "Members active and in grace on %(first)s: %(a)s and %(g)s; "
            "on %(last)s: %(a2)s and %(g2)s."
        )
        % {
            "first": dates[0].isoformat(),
            "a": count(grid.by_state(0, ACTIVE)),
            "g": count(grid.by_state(0, GRACE)),
            "last": dates[-1].isoformat(),
            "a2": count(grid.by_state(len(dates) - 1, ACTIVE)),
            "g2": count(grid.by_state(len(dates) - 1, GRACE)),
        },
    )
    category_table = Table(
        key="category",
        title=_("Members in good standing by category at each month end"),
        columns=[_("Month end"), *[c.name for c in cats]],
        rows=[
            [label, *[count(grid.by_category(i, c.pk)) for c in cats]]
            for i, label in enumerate(labels)
        ],
    )
    flow_table = Table(
        key="flows",
        title=_("Joins, renewals, reinstatements and lapses per month"),
        columns=[
            _("Month"),
            _("Joins"),
            _("Renewals"),
            _("Reinstatements"),
            _("Waivers"),
            _("Lapses"),
            _("Terms ended"),
            _("Renewed within grace"),
            _("Still in grace"),
            _("Renewal rate"),
        ],
        rows=[
            [
                f.period.label,
                count(f.joins),
                count(f.renewals),
                count(f.reinstatements),
                count(f.waivers),
                count(f.lapses),
                count(f.ended),
                count(f.renewed),
                count(f.undecided),
                percent(f.renewed, f.decided),
            ]
            for f in flows
        ],
        footer=[
            _("Total"),
            *[
                count(sum(getattr(f, name) for f in flows))
                for name in (
                    "joins",
                    "renewals",
                    "reinstatements",
                    "waivers",
                    "lapses",
                    "ended",
                    "renewed",
                    "undecided",
                )
            ],
            percent(sum(f.renewed for f in flows), sum(f.decided for f in flows)),
        ],
        note=_(
            "A term counts in the month it starts (joins, renewals) or ends (terms ended). "
            "Renewal rate: of the terms that ended in the month and whose grace is over, the "
            "share renewed within grace. A lapse counts on the day after the grace period ends."
        ),
    )
    flow_chart = bar_chart(
        key="flows",
        title=flow_table.title,
        labels=[f.period.label for f in flows],
        series=[
            Series(_("Joins"), [f.joins for f in flows]),
            Series(_("Renewals"), [f.renewals for f in flows]),
            Series(_("Reinstatements"), [f.reinstatements for f in flows]),
            Series(_("Lapses"), [f.lapses for f in flows]),
        ],
        summary=_("Over the span: %(j)s joins, %(r)s renewals, %(i)s reinstatements, %(l)s lapses.")
        % {
            "j": count(sum(f.joins for f in flows)),
            "r": count(sum(f.renewals for f in flows)),
            "i": count(sum(f.reinstatements for f in flows)),
            "l": count(sum(f.lapses for f in flows)),
        },
    )
    ended_years = sorted({y for c in cohorts for y, _n in c.retained})
    cohort_table = Table(
        key="cohorts",
        title=_("Retention by join cohort"),
        columns=[
            _("Joined in"),
            _("Members"),
            *[_("In good standing at end of FY%(y)s") % {"y": y} for y in ended_years],
        ],
        rows=[
            [
                f"FY{c.year}",
                count(c.members),
                *[
                    next(
                        (
                            f"{count(n)} ({percent(n, c.members)})"
                            for y2, n in c.retained
                            if y2 == y
                        ),
                        "",
                    )
                    for y in ended_years
                ],
            ]
            for c in cohorts
        ],
        note=_("A cohort is the fiscal year a member's first paid term started in."),
    )
    country_names = dict(countries)
    place_table = Table(
        key="countries",
        title=_("Members in good standing by country on %(day)s") % {"day": place_day.isoformat()},
        columns=[_("Country"), _("Members")],
        rows=[[str(country_names.get(code, code)), count(n)] for code, n in by_country],
    )
    state_table = Table(
        key="states",
        title=_("Members in good standing in the United States by state on %(day)s")
        % {"day": place_day.isoformat()},
        columns=[_("State"), _("Members")],
        rows=[[state or _("(not given)"), count(n)] for state, n in by_state],
    )
    report = Report(
        key="membership",
        title=_("Membership report"),
        lead=_("Status on each date is read from the paid terms, not from today's stored status."),
        sections=[
            Section(status_table, status_chart),
            Section(category_table),
            Section(flow_table, flow_chart),
            Section(cohort_table),
            Section(place_table),
            Section(state_table),
        ],
        assumptions=[
            _("Grace period: %(d)s days (today's rule, applied to every past date).")
            % {"d": grace},
            _("Cancelled and refunded terms are left out of every past date."),
            _("Fiscal years start in month %(m)s; FY%(y)s ends on %(end)s.")
            % {"m": sm, "y": last_year, "end": fiscal_year(last_year, start_month=sm).last_on},
        ],
    )
    heading = [_("From %(a)s to %(b)s") % {"a": months[0].label, "b": months[-1].label}]
    return report, heading


PAGE = ReportPage("membership", membership_filters, membership_build)


@membership_staff_required
@require_GET
def membership_report(request):
    return render_cached(request, PAGE)
