"""Quoting many members at once for the reports: the published schedules of a span, loaded
once, and the member facts of a set of terms, streamed in one query."""

import datetime as dt

from django.db.models import Q

from membership.dues_selectors import dues_schedule_terms
from membership.models import DuesSchedule
from membership.services.dues import ScheduleTerms, amount_pricer
from membership.services.dues_preview import quote_total_or_none


class ScheduleBook:
    """The published schedules in effect at some point in [first_on, last_on], with the
    engine's terms for each (three queries per schedule, whatever the number of members)."""

    def __init__(self, *, first_on: dt.date, last_on: dt.date):
        schedules = (
            DuesSchedule.objects.filter(
                status=DuesSchedule.Status.PUBLISHED, effective_from__lte=last_on
            )
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=first_on))
            .order_by("effective_from")
        )
        self.entries = [
            (s.effective_from, s.effective_to, dues_schedule_terms(schedule=s)) for s in schedules
        ]

    def on(self, day: dt.date) -> ScheduleTerms | None:
        found = None
        for start, end, terms in self.entries:
            if start <= day and (end is None or day < end):
                found = terms
        return found

    @property
    def names(self) -> list[str]:
        return [terms.name for _s, _e, terms in self.entries]


def quote_or_none(terms: ScheduleTerms | None, category, position, salary, population, budget):
    if terms is None or category is None:
        return None
    return quote_total_or_none(terms, category, position, salary, population, budget)


class Quoter:
    """`quote_or_none` for many terms: one amount-only pricer per schedule
    (`amount_pricer`), which works out what a category and position bring once and each
    member's total with a few integer steps."""

    def __init__(self):
        self.pricers: dict[int, object] = {}

    def pricer(self, terms: ScheduleTerms | None):
        """`price(category, position, salary, population, budget)` under `terms` (None: no
        schedule, nothing quoted)."""
        if terms is None:
            return _nothing
        if terms.id not in self.pricers:
            self.pricers[terms.id] = amount_pricer(terms)
        return self.pricers[terms.id]

    def quote(self, terms: ScheduleTerms | None, category, position, salary, population, budget):
        return self.pricer(terms)(category, position, salary, population, budget)


def _nothing(*_facts) -> None:
    return None


FACT_FIELDS = (
    "membership__member_id",
    "membership__member__position",
    "membership__member__annual_salary_cents",
    "membership__member__population",
    "membership__member__general_fund_budget_cents",
)


def months_between_dates(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def round_half_up_ratio(amount: int, numerator: int, denominator: int) -> int:
    """amount × numerator / denominator in whole cents, half a cent rounding up."""
    return (2 * amount * numerator + denominator) // (2 * denominator)
