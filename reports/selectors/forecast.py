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

from django.db.models import Exists, OuterRef

from membership.dates import add_months
from membership.dues_selectors import dues_schedule_in_effect, dues_schedule_terms
from membership.models import DuesSchedule, MembershipTerm, TermKind, TermStatus
from membership.selectors import category_code_resolver
from membership.services.dues_preview import ImpactPreview, impact_compute
from reports.periods import Period
from reports.selectors.common import fetch_all, paid_terms
from reports.selectors.dues import (
    FACT_FIELDS,
    ScheduleBook,
    quote_or_none,
    round_half_up_ratio,
)


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
    # end date. Those terms start within the same twelve months, so one hash join against
    # them replaces a lookup per ended term.
    table = MembershipTerm._meta.db_table
    ((ended, renewed),) = fetch_all(
        f"SELECT COUNT(*), COUNT(n.membership_id) FROM {table} t "  # noqa: S608
        f"LEFT JOIN (SELECT DISTINCT membership_id, start_on FROM {table} "
        "WHERE status = %s AND kind <> %s AND start_on BETWEEN %s AND %s) n "
        "ON n.membership_id = t.membership_id AND n.start_on = t.end_on "
        "WHERE t.status = %s AND t.kind <> %s AND t.end_on BETWEEN %s AND %s",
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
        .iterator(chunk_size=5_000)
    )
    for end_on, category, member_id, position, salary, population, budget in rows:
        yield end_on, (member_id, resolve(category, position), position, salary, population, budget)


def forecast_compute(
    *, period: Period, today: dt.date, grace_days: int, draft: DuesSchedule | None = None
) -> Forecast:
    forecast = Forecast(
        period=period, rate=renewal_rate_measured(today=today, grace_days=grace_days)
    )
    book = ScheduleBook(first_on=period.first_on, last_on=period.last_on)
    forecast.schedule_names = book.names
    population = []
    for end_on, facts in forecast_population(period=period):
        population.append(facts)
        forecast.terms += 1
        _member_id, category, position, salary, pop, budget = facts
        cents = quote_or_none(book.on(end_on), category, position, salary, pop, budget)
        if cents is None:
            forecast.not_quoted += 1
            continue
        forecast.requoted_cents += cents
        month = end_on.strftime("%Y-%m")
        forecast.by_month[month][0] += 1
        forecast.by_month[month][1] += cents
        forecast.by_category[category][0] += 1
        forecast.by_category[category][1] += cents
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
