"""Benchmark: each report page at 10,000 and 100,000 members (three terms each on average).

    .venv/bin/python bench/reports.py [--sizes 10000 100000 1000000] [--runs 5]

Starts a throw-away PostgreSQL (as `make test` does), migrates it, seeds members with several
years of history set-based (bench/seed.py: joins, renewals on time and within grace, waivers,
lapses and reinstatements, invoices, payments, refunds, open and closed-unpaid renewals), then
requests every report page as a membership staff member and prints the median server time of
`--runs` requests and the number of SQL queries of each, beside a baseline (the home page
through the same middleware and sign-in), with the time and query ratios against the smallest
size (queries must be x1.00). PostgreSQL runs with its default durability (fsync on), printed
first. Not part of `make test`.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import bench_django  # noqa: E402

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


def grow(target: int) -> None:
    """Members up to `target`, with several years of terms, invoices, payments and refunds
    (bench/seed.py, set-based)."""
    from django.utils import timezone

    from bench.seed import seed_history
    from membership.models import Member

    have = Member.objects.count()
    if have < target:
        seed_history(target - have, today=timezone.localdate())


def measure(client, name, query, runs):
    """The median server time of `runs` requests (after one to warm the caches) and the
    number of SQL queries of one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    client.get(reverse(name) + query)  # warm the caches once
    times, counts = [], set()
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(reverse(name) + query)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, (name, response.status_code)
        counts.add(len(queries))
    assert len(counts) == 1, (name, counts)
    return statistics.median(times), counts.pop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=5, help="requests per page (median)")
    args = parser.parse_args()
    with bench_django():
        from django.test import Client
        from django.test.utils import setup_test_environment

        from tests.factories import staff_user

        setup_test_environment()
        client = Client()
        client.force_login(staff_user(groups=["Membership staff"]))
        results = {}
        for size in sorted(args.sizes):
            started = time.perf_counter()
            grow(size)
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
                cursor.execute("SELECT COUNT(*) FROM membership_membershipterm")
                (terms,) = cursor.fetchone()
            print(
                f"{size:>9,} members ({terms:,} terms) seeded in "
                f"{time.perf_counter() - started:.0f} s",
                flush=True,
            )
            base_elapsed, base_queries = measure(client, *BASELINE, args.runs)
            print(
                f"{size:>9,} {'baseline (home page)':<22} {base_elapsed * 1000:8.0f} ms "
                f"{base_queries:4d} queries",
                flush=True,
            )
            for name, query in PAGES:
                elapsed, queries = measure(client, name, query, args.runs)
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
