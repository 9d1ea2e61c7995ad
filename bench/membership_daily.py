"""Benchmark: `membership_daily` over 10,000 and 100,000 members.

    .venv/bin/python bench/membership_daily.py [--sizes 10000 100000]

Starts a throw-away PostgreSQL (as `make test` does), migrates it, seeds members with
`seed_members`, gives each a paid term whose end date is spread evenly over a year (so each day
some members get their 60-, 30- and 7-day reminders and some fall into grace or lapse), then
runs the daily job for one day and prints its time and its SQL query count at each size, with
the ratios against the smallest size. Not part of `make test`.
"""

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import bench_django  # noqa: E402

DAY = dt.date(2027, 3, 15)
BATCH = 5_000


def grow(target: int, rng: random.Random) -> None:
    """Add members, each with a membership and one paid term, until there are `target`."""
    from django.core.management import call_command
    from django.db import transaction

    from membership.dates import add_months
    from membership.models import Member, Membership, MembershipCategory, MembershipTerm

    have = Member.objects.count()
    if have >= target:
        return
    with open(os.devnull, "w") as quiet:
        call_command("seed_members", count=target - have, seed=rng.randint(0, 10**6), stdout=quiet)
    full = MembershipCategory.objects.get(code="full")
    new_ids = list(Member.objects.filter(membership__isnull=True).values_list("pk", flat=True))
    for offset in range(0, len(new_ids), BATCH):
        chunk = new_ids[offset : offset + BATCH]
        with transaction.atomic():
            memberships, terms = [], []
            for member_id in chunk:
                # Ends spread over [DAY - 90 days, DAY + 300 days): some lapsed, some in grace.
                end = DAY + dt.timedelta(days=rng.randrange(-90, 300))
                start = add_months(end, -12)
                memberships.append(
                    Membership(
                        member_id=member_id,
                        member_since_on=start,
                        paid_through_on=end,
                        status="active",
                        category=full,
                    )
                )
            Membership.objects.bulk_create(memberships)
            for membership in memberships:
                terms.append(
                    MembershipTerm(
                        membership=membership,
                        category=full,
                        kind="join",
                        status="active",
                        start_on=add_months(membership.paid_through_on, -12),
                        end_on=membership.paid_through_on,
                    )
                )
            MembershipTerm.objects.bulk_create(terms)


def run_daily(on=DAY):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from membership.services.daily import membership_daily

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        summary = membership_daily(on=on)
        elapsed = time.perf_counter() - started
    return elapsed, len(queries), summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    with bench_django(settings_module="config.settings.dev", environ={"EMAIL_URL": "locmem://"}):
        from django.core import mail

        from communications.models import OutgoingMessage

        # The job queues its e-mails in the outbox; workers send them. Measure the job alone:
        # tasks go to an in-memory broker instead of running inside the measured call.
        from config.celery import app
        from membership.models import Membership, Reminder

        # (the namespaced key is the one Celery reads when Django settings configure it)
        app.conf.update(CELERY_TASK_ALWAYS_EAGER=False, task_always_eager=False)
        mail.outbox = []
        rng = random.Random(2026)
        rows = []
        for size in sorted(args.sizes):
            grow(size, rng)
            # Each size starts from the same state: no reminders yet, statuses as seeded.
            Reminder.objects.all().delete()
            OutgoingMessage.objects.all().delete()
            Membership.objects.update(status="active")
            # Steady state: yesterday's run has already caught up with the backlog.
            backlog_elapsed, backlog_queries, backlog = run_daily(DAY - dt.timedelta(days=1))
            print(
                f"{size:>8,} members, catch-up run of the day before: {backlog_elapsed:6.2f} s, "
                f"{backlog_queries} queries, {backlog['reminders_sent']} reminders",
                flush=True,
            )
            elapsed, queries, summary = run_daily()
            rows.append((size, elapsed, queries, summary))
            again_elapsed, again_queries, again = run_daily()
            print(
                f"{size:>8,} members: {elapsed:6.2f} s, {queries:3d} queries "
                f"(reminders {summary['reminders_sent']}, to grace {summary['to_grace']}, "
                f"lapsed {summary['lapsed']}); second run the same day: {again_elapsed:5.2f} s, "
                f"{again_queries} queries, {again['reminders_sent']} reminders",
                flush=True,
            )
        base = rows[0]
        for size, elapsed, queries, _summary in rows[1:]:
            print(
                f"{size:,} vs {base[0]:,} members: time x{elapsed / base[1]:.2f}, "
                f"queries x{queries / base[2]:.2f} ({queries} vs {base[2]})"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
