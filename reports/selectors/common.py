"""Conditions shared by the reports: which terms count on a date, and running SQL built from
Django querysets (an outer GROUP BY over an inner per-membership aggregate)."""

import datetime as dt
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from membership.models import MembershipTerm, TermKind, TermStatus

GOOD_STANDING_CODES = (3, 2)  # active, grace (see `STATE_CODES`)
STATE_CODES = {3: "active", 2: "grace", 1: "lapsed"}


def paid_terms():
    """Terms that were paid or waived. Cancelled and refunded terms never counted: a refund
    undoes the period, so a past month does not show a member that the refund took away."""
    return MembershipTerm.objects.filter(status=TermStatus.ACTIVE)


def day_start(day: dt.date, *, after: bool = False) -> dt.datetime:
    """Midnight (local time) at the start of `day`, or of the day after it."""
    day = day + dt.timedelta(days=1) if after else day
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def day_after_start(day: dt.date) -> dt.datetime:
    return day_start(day, after=True)


def known_on(day: dt.date, prefix: str = "") -> Q:
    """A term counts on `day` once it was paid: a renewal paid in grace starts on the old end
    date, but on the days before the payment the member was in grace, not active."""
    return Q(**{f"{prefix}activated_at__isnull": True}) | Q(
        **{f"{prefix}activated_at__lt": day_after_start(day)}
    )


def covers(day: dt.date, prefix: str = "") -> Q:
    """The term makes its member active on `day` ([start_on, end_on) holds the day)."""
    return known_on(day, prefix) & Q(**{f"{prefix}start_on__lte": day, f"{prefix}end_on__gt": day})


def in_grace_window(day: dt.date, grace_days: int, prefix: str = "") -> Q:
    """The term ended, and its grace period holds `day`."""
    return known_on(day, prefix) & Q(
        **{
            f"{prefix}end_on__lte": day,
            f"{prefix}end_on__gt": day - dt.timedelta(days=grace_days),
        }
    )


def in_good_standing(day: dt.date, grace_days: int, prefix: str = "") -> Q:
    return known_on(day, prefix) & Q(
        **{
            f"{prefix}start_on__lte": day,
            f"{prefix}end_on__gt": day - dt.timedelta(days=grace_days),
        }
    )


def renewal_chain_q():
    """Of a term: another paid term of the same membership starts on its end date. Renewing
    early or within grace (a waiver or Life too) continues from the end date exactly; paying
    after the lapse starts a reinstatement on the payment date instead."""
    from django.db.models import Exists, OuterRef

    return Exists(
        paid_terms()
        .filter(membership_id=OuterRef("membership_id"), start_on=OuterRef("end_on"))
        .exclude(kind=TermKind.REINSTATEMENT)
        .exclude(pk=OuterRef("pk"))
    )


def month_of(column: str, *, plus_days: bool = False) -> str:
    """SQL for the first day of the month of a date column, optionally after adding a number of
    days given as the next parameter. PostgreSQL in production; SQLite for the demo."""
    if connection.vendor == "postgresql":
        shifted = f"{column} + %s" if plus_days else column
        return f"date_trunc('month', {shifted})::date"
    shift = ", '+' || %s || ' days'" if plus_days else ""
    return f"date({column}{shift}, 'start of month')"


def as_date(value) -> dt.date:
    """A date from the database: SQLite returns computed dates as ISO text."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def fetch_all(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def inner_sql(queryset) -> tuple[str, tuple]:
    sql, params = queryset.query.sql_with_params()
    return sql, tuple(params)


@contextmanager
def report_computing():
    """Around the computation of a report's figures: on PostgreSQL, in one transaction with
    JIT compilation off (its compile time costs more than it saves on these one-pass
    aggregates), room to hash a row per membership in memory, and no parallel workers: on
    these index ranges and one-pass aggregates, each worker building its own hash of the same
    rows cost more than it saved (bench/results/reports-computed-2.txt). One query."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        fetch_all(
            "SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true), "
            "set_config('max_parallel_workers_per_gather', '0', true)",
            (),
        )
        yield
