"""Figures kept in step by the database: the revenue per day (reports.models.RevenueDay),
appended to by triggers on PostgreSQL, folded here into one row per key."""

from django.db import connection

from membership.dates import add_months
from reports.models import RevenueDay


def summaries_kept() -> bool:
    """The triggers exist on PostgreSQL only; SQLite (the demo) reads the rows."""
    return connection.vendor == "postgresql"


def revenue_days_fold() -> None:
    """One row per (measure, day, category, method) in place of the rows the triggers
    appended; keys no row stands behind any more go. Rows written meanwhile are not seen by
    the delete and stay as they are, so nothing is counted twice or lost. One statement."""
    if not summaries_kept():
        return
    table = RevenueDay._meta.db_table
    columns = "measure, day, category_name, method"
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH gone AS (DELETE FROM {table} RETURNING {columns}, cents, source_rows) "  # noqa: S608
            f"INSERT INTO {table} ({columns}, cents, source_rows) "
            f"SELECT {columns}, SUM(cents), SUM(source_rows) FROM gone GROUP BY {columns} "
            "HAVING SUM(source_rows) <> 0"
        )


def revenue_days_rebuild() -> None:
    """Every key summed again from the invoices, payments and refunds: after rows were
    written with the triggers off (the benchmark seeder)."""
    if summaries_kept():
        with connection.cursor() as cursor:
            cursor.execute("SELECT reports_revenue_rebuild()")


def revenue_by_month(*, months: list, category: str = "") -> list[tuple]:
    """(measure, category, method, first day of the month, cents) per month of `months` (first
    days, consecutive), and with the month None for the days before or after them: those
    bring no money to the span, but list their category and method as the rows would."""
    table = RevenueDay._meta.db_table
    bounds = [*months, add_months(months[-1], 1)]
    where, params = ("WHERE category_name = %s", [category]) if category else ("", [])
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT measure, category_name, method, width_bucket(day, %s), SUM(cents) "  # noqa: S608
            f"FROM {table} {where} GROUP BY 1, 2, 3, 4 HAVING SUM(source_rows) > 0",
            [bounds, *params],
        )
        rows = cursor.fetchall()
    size = len(months)
    return [
        (measure, category_name, method, months[i - 1] if 0 < i <= size else None, cents)
        for measure, category_name, method, i, cents in rows
    ]


def standing_rebuild(grace_days: int | None = None) -> None:
    """Every membership's standing episodes worked out again from its terms, with the grace
    period of the lifecycle rules (or `grace_days`): after staff change the grace period,
    and after rows were written with the triggers off (the benchmark seeder). One statement;
    terms written meanwhile wait for it."""
    if not summaries_kept():
        return
    if grace_days is None:
        from membership.models import MembershipRules

        grace_days = MembershipRules.current().grace_days
    with connection.cursor() as cursor:
        cursor.execute("SELECT reports_standing_rebuild(%s)", [grace_days])


def standing_ensure() -> bool:
    """The refresh sweep's check: the episodes were built with today's grace period (else the
    membership report reads the terms, slower); built again when not. True when rebuilt."""
    if not summaries_kept():
        return False
    from membership.models import MembershipRules
    from reports.models import StandingBuild

    grace_days = MembershipRules.current().grace_days
    if StandingBuild.objects.filter(grace_days=grace_days).exists():
        return False
    standing_rebuild(grace_days)
    return True
