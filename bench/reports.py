"""Benchmark: each report page at 10,000 and 100,000 members (three terms each).

    .venv/bin/python bench/reports.py [--sizes 10000 100000 1000000]

Starts a throw-away PostgreSQL (as `make test` does), migrates it, seeds members with
`seed_members --with-memberships` and gives each two earlier terms (a join and a renewal, some
renewed late or not at all), records a payment per term, then requests every report page as a
membership staff member and prints the server time and the number of SQL queries of each, beside
a baseline (the home page through the same middleware and sign-in), with the time and query
ratios against the smallest size (queries must be x1.00). PostgreSQL runs with its default
durability (fsync on), printed first. Not part of `make test`.
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

BATCH = 5_000
# A bare page through the same middleware, session and sign-in: what any request costs here.
BASELINE = ("home", "")
PAGES = [
    ("reports:staff_home", ""),
    ("reports:membership", ""),
    ("reports:revenue", ""),
    ("reports:aging", ""),
    ("reports:waivers", ""),
    ("reports:forecast", ""),
]


def grow(target: int, rng: random.Random) -> None:
    """Members up to `target`, each with the seeded term and two earlier ones, and invoices."""
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from billing.models import Invoice, Payment
    from membership.dates import add_months
    from membership.models import Member, MembershipTerm

    have = Member.objects.count()
    if have >= target:
        return
    with open(os.devnull, "w") as quiet:
        call_command(
            "seed_members",
            count=target - have,
            seed=rng.randint(0, 10**6),
            with_memberships=True,
            stdout=quiet,
        )
    terms = list(
        MembershipTerm.objects.filter(membership__member__invoices__isnull=True, kind="join")
        .values_list("pk", "membership_id", "membership__member_id", "category_id", "start_on")
        .order_by("pk")
    )
    now = timezone.now()
    for offset in range(0, len(terms), BATCH):
        with transaction.atomic():
            earlier, invoices = [], []
            for pk, membership_id, member_id, category_id, start in terms[offset : offset + BATCH]:
                # The seeded join becomes a renewal of a term a year before, itself renewed
                # from a join two years before (a tenth joined a year later, after a lapse).
                first = add_months(start, -24)
                earlier.append(
                    MembershipTerm(
                        membership_id=membership_id,
                        category_id=category_id,
                        kind="join",
                        status="active",
                        start_on=first,
                        end_on=add_months(first, 12),
                    )
                )
                if rng.random() < 0.9:
                    earlier.append(
                        MembershipTerm(
                            membership_id=membership_id,
                            category_id=category_id,
                            kind="renewal",
                            status="active",
                            start_on=add_months(first, 12),
                            end_on=start,
                        )
                    )
                issued = start - dt.timedelta(days=rng.randrange(0, 60))
                invoices.append(
                    Invoice(
                        number=f"B{pk}",
                        member_id=member_id,
                        term_id=pk,
                        kind="renewal",
                        status="paid" if rng.random() < 0.95 else "open",
                        category_name="Full member",
                        schedule_id_used=1,
                        schedule_name="Seed",
                        schedule_effective_from=dt.date(2026, 7, 1),
                        total_cents=97_500,
                        issued_at=now,
                        issued_on=issued,
                        due_on=issued + dt.timedelta(days=30),
                    )
                )
            MembershipTerm.objects.bulk_create(earlier)
            Invoice.objects.bulk_create(invoices)
            Payment.objects.bulk_create(
                Payment(
                    invoice=inv,
                    gateway=rng.choice(["stripe", "offline"]),
                    state="confirmed",
                    amount_cents=inv.total_cents,
                    received_on=inv.issued_on,
                )
                for inv in invoices
                if inv.status == "paid"
            )


def measure(client, name, query):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    client.get(reverse(name) + query)  # warm the caches once
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(reverse(name) + query)
        elapsed = time.perf_counter() - started
    assert response.status_code == 200, (name, response.status_code)
    return elapsed, len(queries)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    with bench_django():
        from django.test import Client
        from django.test.utils import setup_test_environment

        from tests.factories import staff_user

        setup_test_environment()
        client = Client()
        client.force_login(staff_user(groups=["Membership staff"]))
        rng = random.Random(2026)
        results = {}
        for size in sorted(args.sizes):
            started = time.perf_counter()
            grow(size, rng)
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            print(f"{size:>9,} members seeded in {time.perf_counter() - started:.0f} s", flush=True)
            base_elapsed, base_queries = measure(client, *BASELINE)
            print(
                f"{size:>9,} {'baseline (home page)':<22} {base_elapsed * 1000:8.0f} ms "
                f"{base_queries:4d} queries",
                flush=True,
            )
            for name, query in PAGES:
                elapsed, queries = measure(client, name, query)
                results[(size, name)] = (elapsed, queries)
                line = (
                    f"{size:>9,} {name:<22} {elapsed * 1000:8.0f} ms {queries:4d} queries"
                    f"  (x{elapsed / base_elapsed:6.1f} the baseline's time)"
                )
                print(line, flush=True)
        base = min(args.sizes)
        for size in sorted(args.sizes)[1:]:
            for name, _query in PAGES:
                t0, q0 = results[(base, name)]
                t1, q1 = results[(size, name)]
                print(
                    f"{size:,} vs {base:,} {name:<22} time x{t1 / t0:5.2f}, queries x{q1 / q0:.2f}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
