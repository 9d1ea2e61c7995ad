"""The forecast of next fiscal year's dues, and the same under a draft schedule."""

from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from membership.money import format_cents
from membership.permissions import membership_staff_required
from reports.charts import Series, bar_chart, dollars_axis
from reports.forms import ForecastForm
from reports.periods import fiscal_months, fiscal_year, fiscal_year_of
from reports.selectors.forecast import draft_schedules, forecast_compute
from reports.snapshots import ReportPage
from reports.tables import Table
from reports.views.common import Report, Section, count, render_cached


def forecast_filters(get, rules, today):
    this_year = fiscal_year_of(today, start_month=rules.fiscal_year_start_month)
    years = [this_year + 1, this_year, this_year + 2]
    form = ForecastForm(
        get,
        years=years,
        drafts=list(draft_schedules()),
        defaults={"fy": this_year + 1, "draft": None},
    )
    return form, form.values()


def forecast_build(values, rules, today):
    sm = rules.fiscal_year_start_month
    year = values["fy"]
    draft = draft_schedules().filter(pk=values["draft"]).first() if values["draft"] else None
    period = fiscal_year(year, start_month=sm)
    forecast = forecast_compute(
        period=period, today=today, grace_days=rules.grace_days, draft=draft
    )
    months = fiscal_months(year, start_month=sm)
    none = "—"

    def money(cents):
        return none if cents is None else format_cents(cents)

    summary = [
        (_("Terms ending in FY%(y)s, not yet renewed") % {"y": year}, count(forecast.terms)),
        (_("Of these, not quoted (no rate for the member)"), count(forecast.not_quoted)),
        (_("Dues if every one renews, re-quoted"), format_cents(forecast.requoted_cents)),
        (
            _("Renewal rate measured (terms that ended %(a)s to %(b)s)")
            % {"a": forecast.rate.first_on, "b": forecast.rate.last_on},
            f"{count(forecast.rate.renewed)} / {count(forecast.rate.ended)}"
            f" = {forecast.rate.percent}",
        ),
        (_("Expected dues, FY%(y)s") % {"y": year}, money(forecast.expected_cents)),
    ]
    if forecast.draft is not None:
        summary += [
            (
                _("Under the draft “%(name)s”: members quoted") % {"name": draft.name},
                count(forecast.draft.members_quoted),
            ),
            (
                _("Under the draft “%(name)s”: dues if every one renews") % {"name": draft.name},
                format_cents(forecast.draft.total_after_cents),
            ),
            (
                _("Same members under the schedule in effect today (the preview's “before”)"),
                format_cents(forecast.draft.total_before_cents),
            ),
            (
                _("Under the draft “%(name)s”: expected dues") % {"name": draft.name},
                money(forecast.draft_expected_cents),
            ),
        ]
    month_table = Table(
        key="months",
        title=_("Terms ending in FY%(y)s by month, re-quoted") % {"y": year},
        columns=[_("Month"), _("Terms quoted"), _("Dues if all renew")],
        rows=[
            [
                m.label,
                count(forecast.by_month.get(m.label, [0, 0])[0]),
                format_cents(forecast.by_month.get(m.label, [0, 0])[1]),
            ]
            for m in months
        ],
        footer=[
            f"FY{year}",
            count(forecast.terms - forecast.not_quoted),
            format_cents(forecast.requoted_cents),
        ],
    )
    chart = bar_chart(
        key="months",
        title=month_table.title,
        labels=[m.label for m in months],
        series=[
            Series(
                _("Dues if all renew"), [forecast.by_month.get(m.label, [0, 0])[1] for m in months]
            )
        ],
        fmt=dollars_axis,
        summary=_("%(total)s re-quoted over %(n)s terms; expected %(e)s at the measured rate.")
        % {
            "total": format_cents(forecast.requoted_cents),
            "n": count(forecast.terms - forecast.not_quoted),
            "e": money(forecast.expected_cents),
        },
    )
    category_table = Table(
        key="categories",
        title=_("By category"),
        columns=[_("Category"), _("Terms quoted"), _("Dues if all renew")],
        rows=[
            [code, count(v[0]), format_cents(v[1])]
            for code, v in sorted(forecast.by_category.items())
        ],
    )
    report = Report(
        key="forecast",
        title=_("Dues forecast"),
        lead=_("What the renewals of FY%(y)s (%(a)s to %(b)s) should bring.")
        % {"y": year, "a": period.first_on, "b": period.last_on},
        summary=summary,
        sections=[Section(month_table, chart), Section(category_table)],
        assumptions=[
            _(
                "Every paid term (not Life) ending in the year and not yet renewed is quoted "
                "again under the published schedule in effect on its end date (%(names)s), with "
                "the member's facts and category today."
            )
            % {"names": ", ".join(forecast.schedule_names) or none},
            _(
                "The expected dues are those quotes times the renewal rate measured over the "
                "twelve months of term ends whose grace period is over; no new members, no "
                "reinstatements, no price change besides the schedules shown."
            ),
            _(
                "The draft comparison quotes the same members as the impact preview does: the "
                "draft against the schedule in effect today, members either cannot quote left out."
            ),
        ],
    )
    heading = [f"FY{year}", draft.name if draft else _("No draft")]
    return report, heading


PAGE = ReportPage("forecast", forecast_filters, forecast_build)


@membership_staff_required
@require_GET
def forecast_report(request):
    return render_cached(request, PAGE)
