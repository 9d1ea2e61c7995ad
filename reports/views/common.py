"""What every report page shares: one template, one CSV, and the filters in the URL."""

from dataclasses import dataclass, field

from django.http import QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from membership.models import MembershipRules
from reports.charts import BarChart
from reports.tables import Table, csv_response


@dataclass
class Section:
    table: Table
    chart: BarChart | None = None


@dataclass
class Report:
    key: str  # url name and file name
    title: str
    lead: str
    sections: list[Section]
    assumptions: list[str] = field(default_factory=list)
    summary: list[tuple[str, str]] = field(default_factory=list)  # (label, figure)


def rules_and_today():
    return MembershipRules.current(), timezone.localdate()


def csv_query(request) -> str:
    query = QueryDict(mutable=True)
    query.update(request.GET)
    query["format"] = "csv"
    return query.urlencode()


def render_cached(request, page):
    """A report page whose figures come from its snapshot when that still holds
    (reports/snapshots.py), else are computed and stored."""
    from reports.snapshots import filters_query, serve_report

    rules, today = rules_and_today()
    form, values = page.filters(request.GET, rules, today)
    served = serve_report(
        page=page, values=values, query=filters_query(request.GET), rules=rules, today=today
    )
    return render_report(
        request, report=served.report, form=form, heading=served.heading, served=served
    )


def render_report(request, *, report: Report, form, heading: list[str], served=None):
    """The page, or with `format=csv` the same tables (and summary) as a CSV download."""
    if request.GET.get("format") == "csv":
        tables = [s.table for s in report.sections]
        if report.summary:
            tables.insert(
                0,
                Table(
                    key="summary",
                    title=_("Summary"),
                    columns=[_("Figure"), _("Value")],
                    rows=[[label, value] for label, value in report.summary],
                ),
            )
        today = timezone.localdate()
        return csv_response(
            tables=tables,
            filename=f"icma-{report.key}-{today.isoformat()}.csv",
            heading=[report.title, *heading],
        )
    context = {
        "report": report,
        "form": form,
        "heading": heading,
        "csv_query": csv_query(request),
        "served": served,
    }
    return render(request, "reports/report.html", context)


def count(n: int) -> str:
    return f"{n:,}"


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "—"
