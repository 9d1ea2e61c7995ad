"""Months and fiscal years: the buckets every report counts in.

A fiscal year is named by the calendar year it ends in: with a July start, FY2026 runs from
July 1, 2025 to June 30, 2026. With a January start it is the calendar year.
"""

import calendar
import datetime as dt
from dataclasses import dataclass

from membership.dates import add_months


@dataclass(frozen=True)
class Period:
    first_on: dt.date
    last_on: dt.date  # inclusive
    label: str

    def __contains__(self, day: dt.date) -> bool:
        return self.first_on <= day <= self.last_on


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def month_period(year: int, month: int) -> Period:
    first = dt.date(year, month, 1)
    return Period(first, month_end(first), first.strftime("%Y-%m"))


def months_between(first: dt.date, last: dt.date) -> list[Period]:
    """Every calendar month from the one holding `first` to the one holding `last`."""
    months, day = [], first.replace(day=1)
    while day <= last:
        months.append(month_period(day.year, day.month))
        day = add_months(day, 1)
    return months


def fiscal_year_of(day: dt.date, *, start_month: int) -> int:
    if start_month == 1:
        return day.year
    return day.year + 1 if day.month >= start_month else day.year


def fiscal_year(year: int, *, start_month: int) -> Period:
    first = dt.date(year if start_month == 1 else year - 1, start_month, 1)
    return Period(first, add_months(first, 12) - dt.timedelta(days=1), f"FY{year}")


def fiscal_months(year: int, *, start_month: int) -> list[Period]:
    period = fiscal_year(year, start_month=start_month)
    return months_between(period.first_on, period.last_on)


def parse_month(text: str) -> dt.date | None:
    """`2026-03` → March 1, 2026; anything else → None."""
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        return dt.date(year, month, 1)
    except (ValueError, TypeError):
        return None
