"""Dues waivers granted: months waived and what they would have cost at the quote they
replaced (the schedule in effect when the waived period starts, the member's facts today, pro
rata for the months of a term)."""

from collections import defaultdict
from dataclasses import dataclass, field

from membership.models import TermKind
from reports.periods import Period
from reports.selectors.common import paid_terms
from reports.selectors.dues import (
    FACT_FIELDS,
    Quoter,
    ScheduleBook,
    months_between_dates,
    round_half_up_ratio,
)


@dataclass
class WaiverTotals:
    # key → [waivers, months, value cents]
    by_year: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0]))
    by_category: dict[str, list[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0, 0])
    )
    not_quoted: int = 0


def waivers_granted(*, years: dict[str, Period], term_months: int) -> WaiverTotals:
    """Waiver terms by the fiscal year their waived period starts in. One query for the
    waivers, three per schedule in effect over the span."""
    totals = WaiverTotals()
    if not years:
        return totals
    first = min(p.first_on for p in years.values())
    last = max(p.last_on for p in years.values())
    rows = list(
        paid_terms()
        .filter(kind=TermKind.WAIVER, start_on__gte=first, start_on__lte=last)
        .order_by()
        .values_list("start_on", "end_on", "category__code", *FACT_FIELDS)
    )
    book = ScheduleBook(first_on=first, last_on=last) if rows else None
    quoter = Quoter()
    for start_on, end_on, category, _member, position, salary, population, budget in rows:
        year = next(key for key, period in years.items() if start_on in period)
        months = months_between_dates(start_on, end_on)
        annual = quoter.quote(book.on(start_on), category, position, salary, population, budget)
        value = 0
        if annual is None:
            totals.not_quoted += 1
        else:
            value = round_half_up_ratio(annual, months, term_months)
        for bucket in (totals.by_year[year], totals.by_category[category]):
            bucket[0] += 1
            bucket[1] += months
            bucket[2] += value
    return totals
