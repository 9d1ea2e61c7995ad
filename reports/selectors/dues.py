"""Quoting many members at once for the reports: the published schedules of a span, loaded
once, and the member facts of a set of terms, streamed in one query."""

import datetime as dt

from django.db.models import Q

from membership.dues_selectors import dues_schedule_terms
from membership.models import DuesSchedule
from membership.services.dues import QuoteRefused, ScheduleTerms, quote_total_cents
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


# The fields of a refusal that depend on the category and position alone (an unknown or
# staff-only category, a position it does not admit, no rate for the pair): whatever the
# salary, population or budget, those facts are refused again.
_PAIR_FIELDS = frozenset({"category", "position"})


class Quoter:
    """`quote_or_none` for many terms: each distinct set of facts is quoted once per
    schedule, and a category and position that the schedule refuses whatever the amounts
    (the refusal names only those fields) are not quoted again for every member."""

    def __init__(self):
        self.totals: dict[tuple, int | None] = {}
        self.refused_pairs: set[tuple[int, str, str]] = set()

    def quote(self, terms: ScheduleTerms | None, category, position, salary, population, budget):
        if terms is None or category is None:
            return None
        pair = (terms.id, category, position)
        if pair in self.refused_pairs:
            return None
        key = (*pair, salary, population, budget)
        if key in self.totals:
            return self.totals[key]
        try:
            total = quote_total_cents(
                terms=terms,
                category=category,
                position=position,
                salary_cents=salary,
                population=population,
                budget_cents=budget,
            )
        except QuoteRefused as refused:
            total = None
            if refused.errors and set(refused.errors) <= _PAIR_FIELDS:
                self.refused_pairs.add(pair)
        self.totals[key] = total
        return total


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
