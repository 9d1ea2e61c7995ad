"""The forecast: what next fiscal year's renewals should bring, in the impact preview's terms.

Every paid term (not Life) that ends in the year and has not been renewed yet is re-quoted
under the published schedule in effect on its end date, with the member's facts today; the
total is multiplied by the renewal rate measured over the last twelve months whose outcomes are
known. The same population goes through `impact_compute` against a draft schedule, so the
forecast's draft total is the preview's "after" total for these members.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Exists, OuterRef

from membership.dates import add_months
from membership.dues_selectors import dues_schedule_in_effect, dues_schedule_terms
from membership.models import DuesSchedule, MembershipTerm, TermKind, TermStatus
from membership.selectors import category_code_resolver
from membership.services.dues_preview import ImpactPreview, impact_compute
from reports.models import StandingBuild, StandingEnd
from reports.periods import Period
from reports.selectors.common import as_date, fetch_all, inner_sql, paid_terms
from reports.selectors.dues import (
    FACT_FIELDS,
    Quoter,
    ScheduleBook,
    round_half_up_ratio,
)
from reports.summaries import summaries_kept


@dataclass(frozen=True)
class RenewalRate:
    first_on: dt.date  # terms that ended from this day...
    last_on: dt.date  # ...to this one (the last whose grace is over)
    ended: int
    renewed: int

    @property
    def known(self) -> bool:
        return self.ended > 0

    @property
    def percent(self) -> str:
        return f"{100 * self.renewed / self.ended:.1f} %" if self.ended else "—"


def renewal_rate_measured(*, today: dt.date, grace_days: int) -> RenewalRate:
    """Of the paid terms (not Life) that ended in the twelve months up to the last day whose
    grace is over, the share renewed within grace. One query."""
    last = today - dt.timedelta(days=grace_days)
    first = add_months(last, -12) + dt.timedelta(days=1)
    # Renewed as in `renewal_chain_q`: another paid term (not a reinstatement) starts on the
    # end date. On PostgreSQL the triggers keep that per term; elsewhere, those terms start
    # within the same twelve months, so one hash of them is probed per ended term instead of
    # a lookup each.
    if summaries_kept():
        # The ends the triggers keep (StandingEnd), counted along the index on the end date;
        # None when they were never built, and the terms are read below.
        ((built, ended, renewed),) = fetch_all(
            f"SELECT EXISTS (SELECT 1 FROM {StandingBuild._meta.db_table}), "  # noqa: S608
            f"COUNT(*), COUNT(*) FILTER (WHERE renewed) FROM {StandingEnd._meta.db_table} "
            "WHERE end_on BETWEEN %s AND %s",
            (first, last),
        )
        if built:
            return RenewalRate(first, last, ended, renewed)
    table = MembershipTerm._meta.db_table
    ((ended, renewed),) = fetch_all(
        f"SELECT COUNT(*), COUNT(*) FILTER (WHERE (membership_id, end_on) IN ("  # noqa: S608
        f"SELECT membership_id, start_on FROM {table} WHERE status = %s AND kind <> %s "
        f"AND start_on BETWEEN %s AND %s)) FROM {table} "
        "WHERE status = %s AND kind <> %s AND end_on BETWEEN %s AND %s"
        if connection.vendor == "postgresql"
        else f"SELECT COUNT(*), COALESCE(SUM((membership_id, end_on) IN ("  # noqa: S608
        f"SELECT membership_id, start_on FROM {table} WHERE status = %s AND kind <> %s "
        f"AND start_on BETWEEN %s AND %s)), 0) FROM {table} "
        "WHERE status = %s AND kind <> %s AND end_on BETWEEN %s AND %s",
        (
            TermStatus.ACTIVE,
            TermKind.REINSTATEMENT,
            first,
            last,
            TermStatus.ACTIVE,
            TermKind.LIFE,
            first,
            last,
        ),
    )
    return RenewalRate(first, last, ended, renewed)


@dataclass
class Forecast:
    period: Period
    rate: RenewalRate
    terms: int = 0
    not_quoted: int = 0
    requoted_cents: int = 0
    schedule_names: list[str] = field(default_factory=list)
    by_month: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    by_category: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    draft: ImpactPreview | None = None

    @property
    def expected_cents(self) -> int | None:
        return self.expected(self.requoted_cents)

    @property
    def draft_expected_cents(self) -> int | None:
        return self.expected(self.draft.total_after_cents) if self.draft else None

    def expected(self, cents: int) -> int | None:
        if not self.rate.known:
            return None
        return round_half_up_ratio(cents, self.rate.renewed, self.rate.ended)


def forecast_population(*, period: Period):
    """(end_on, member facts) of every unrenewed paid term ending in `period`, in one query."""
    resolve = category_code_resolver()
    # Renewed as in `renewal_chain_q`: another paid term, not a reinstatement, starts on the end
    # date. That date lies in the period, so only the terms starting in it are looked at (an
    # index range hashed once, not every paid term), which also lets the planner see that few
    # terms are renewed and join the members by hash rather than one lookup per term.
    renewal = (
        paid_terms()
        .filter(
            membership_id=OuterRef("membership_id"),
            start_on=OuterRef("end_on"),
            start_on__gte=period.first_on,
            start_on__lte=period.last_on,
        )
        .exclude(kind=TermKind.REINSTATEMENT)
        .exclude(pk=OuterRef("pk"))
    )
    rows = (
        paid_terms()
        .exclude(kind=TermKind.LIFE)
        .filter(end_on__gte=period.first_on, end_on__lte=period.last_on)
        .filter(~Exists(renewal))
        .order_by()
        .values_list("end_on", "membership__category__code", *FACT_FIELDS)
    )
    # Read through the cursor: plain tuples, without building a row through the ORM for each
    # of tens of thousands of terms (the columns need no conversion).
    for end_on, category, member_id, position, salary, population, budget in fetch_all(
        *inner_sql(rows)
    ):
        yield (
            as_date(end_on),
            (member_id, resolve(category, position), position, salary, population, budget),
        )


def forecast_compute(
    *, period: Period, today: dt.date, grace_days: int, draft: DuesSchedule | None = None
) -> Forecast:
    forecast = Forecast(
        period=period, rate=renewal_rate_measured(today=today, grace_days=grace_days)
    )
    book = ScheduleBook(first_on=period.first_on, last_on=period.last_on)
    forecast.schedule_names = book.names
    population = []
    quoter = Quoter()
    prices: dict[dt.date, object] = {}
    # Counted per end date and category here, put in their months once after the loop.
    by_day: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0])
    by_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for end_on, facts in forecast_population(period=period):
        forecast.terms += 1
        if draft is not None:  # the same members go through the impact preview below
            population.append(facts)
        _member_id, category, position, salary, pop, budget = facts
        price = prices.get(end_on)
        if price is None:
            price = prices[end_on] = quoter.pricer(book.on(end_on))
        cents = price(category, position, salary, pop, budget)
        if cents is None:
            forecast.not_quoted += 1
            continue
        forecast.requoted_cents += cents
        day = by_day[end_on]
        day[0] += 1
        day[1] += cents
        kind = by_category[category]
        kind[0] += 1
        kind[1] += cents
    by_month: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for end_on, (terms, cents) in sorted(by_day.items()):
        month = by_month[f"{end_on.year:04d}-{end_on.month:02d}"]
        month[0] += terms
        month[1] += cents
    forecast.by_month.update(by_month)
    forecast.by_category.update(by_category)
    if draft is not None:
        current = dues_schedule_in_effect(on=today) or draft
        forecast.draft = impact_compute(
            before=dues_schedule_terms(schedule=current),
            after=dues_schedule_terms(schedule=draft),
            members=population,
        )
    return forecast


def draft_schedules():
    return DuesSchedule.objects.filter(status=DuesSchedule.Status.DRAFT).order_by("-id")
