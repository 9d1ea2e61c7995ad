"""The expert pool figures, for international programs staff."""

from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from experts.models import AssistanceRequest, Engagement
from membership.permissions import international_staff_required
from reports.charts import Series, bar_chart
from reports.forms import YearSpanForm
from reports.periods import fiscal_year, fiscal_year_of
from reports.selectors.experts import engagements_by_status, requests_by_status
from reports.tables import Table
from reports.views.common import Report, Section, count, render_report, rules_and_today


def _status_table(key, title, choices, counts, keys):
    return Table(
        key=key,
        title=title,
        columns=[_("Status"), *keys, _("Total")],
        rows=[
            [
                str(label),
                *[count(n) for n in counts.get(value, [0] * len(keys))],
                count(sum(counts.get(value, [0] * len(keys)))),
            ]
            for value, label in choices
        ],
        footer=[
            _("Total"),
            *[count(sum(v[i] for v in counts.values())) for i in range(len(keys))],
            count(sum(sum(v) for v in counts.values())),
        ],
    )


@international_staff_required
@require_GET
def experts_report(request):
    rules, today = rules_and_today()
    sm = rules.fiscal_year_start_month
    this_year = fiscal_year_of(today, start_month=sm)
    years = list(range(this_year, this_year - 11, -1))
    form = YearSpanForm(
        request.GET, years=years, defaults={"fy_from": this_year - 2, "fy_to": this_year}
    )
    values = form.values()
    periods = {
        f"FY{y}": fiscal_year(y, start_month=sm)
        for y in range(values["fy_from"], values["fy_to"] + 1)
    }
    keys = list(periods)
    requests = requests_by_status(years=periods)
    engagements = engagements_by_status(years=periods)
    request_table = _status_table(
        "requests",
        _("Assistance requests by status, by the year they were logged"),
        AssistanceRequest.Status.choices,
        requests,
        keys,
    )
    engagement_table = _status_table(
        "engagements",
        _("Experts considered by status, by the year they were shortlisted"),
        Engagement.Status.choices,
        engagements,
        keys,
    )
    chart = bar_chart(
        key="requests",
        title=request_table.title,
        labels=keys,
        series=[
            Series(_("Requests"), [sum(v[i] for v in requests.values()) for i in range(len(keys))]),
            Series(
                _("Experts considered"),
                [sum(v[i] for v in engagements.values()) for i in range(len(keys))],
            ),
        ],
        summary=_("%(r)s requests and %(e)s experts considered from %(a)s to %(b)s.")
        % {
            "r": count(sum(sum(v) for v in requests.values())),
            "e": count(sum(sum(v) for v in engagements.values())),
            "a": keys[0],
            "b": keys[-1],
        },
    )
    report = Report(
        key="experts",
        title=_("Expert pool report"),
        lead=_("Requests from SAFEA, CAIEP and Chinese partners, and the experts considered."),
        sections=[Section(request_table, chart), Section(engagement_table)],
        assumptions=[_("Status is each request's or engagement's status today.")],
    )
    return render_report(request, report=report, form=form, heading=[f"{keys[0]} to {keys[-1]}"])
