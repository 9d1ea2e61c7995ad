"""Benchmark: each report page at 10,000, 100,000 and 1,000,000 members (three terms each on
average), computed from the rows and served from its snapshot.

    .venv/bin/python bench/reports.py --sizes 10000,100000,1000000 [--runs 7] [--computed-runs 3]

Starts a throw-away PostgreSQL (as `make test` does) with its default durability (fsync on;
the settings are printed first), migrates it, seeds members with several years of history
set-based (bench/seed.py: joins, renewals on time and within grace, waivers, lapses and
reinstatements, invoices, payments, refunds, open and closed-unpaid renewals; the seeder writes
with the triggers off, so the revenue per day the triggers keep is rebuilt once after it, as
migration reports 0002 does for an existing database), then requests
every report page as a membership staff member, beside a baseline (the home page through the
same middleware and sign-in):

- **served**: the page as staff see it while nothing it counts has changed, from its snapshot
  (reports/snapshots.py); the median of `--runs` requests;
- **computed**: the page with no snapshot, its figures computed from the rows (the first view of
  a set of filters on a day, a view past the stale window, the sweep and the Refresh button);
  the median of `--computed-runs` requests, each after deleting the snapshots.

Each line gives the median server time, the number of SQL queries (which must not change with
the size) and the ratio to the baseline's time, then every size against the smallest. The
machine's load average is printed with each size: on a shared machine compare the ratios.
Not part of `make test`.
"""

import argparse
import os
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
    from reports.models import ReportSnapshot
    from reports.summaries import revenue_days_rebuild, standing_rebuild

    have = Member.objects.count()
    if have < target:
        seed_history(target - have, today=timezone.localdate())
        # The seeder writes with the triggers off: the revenue per day is summed and the
        # standing episodes built once here, as the migrations do for an existing database.
        revenue_days_rebuild()
        standing_rebuild()
    # The seeder writes with the triggers off (no DataChange), so the stored figures of the
    # smaller size must go.
    ReportSnapshot.objects.all().delete()


def measure(client, name, query, runs, *, computed=False):
    """The median server time of `runs` requests and their number of SQL queries: served from
    the page's snapshot (after one request that stores it), or with `computed` each request
    computing the figures (the snapshots deleted before it)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from reports.models import ReportSnapshot

    url = reverse(name) + query
    client.get(url)  # warms the caches, and stores the snapshot when serving
    times, counts = [], set()
    for _ in range(runs):
        if computed:
            ReportSnapshot.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, (name, response.status_code)
        counts.add(len(queries))
    assert len(counts) == 1, (name, counts)
    return statistics.median(times), counts.pop()


def sizes(text: list[str]) -> list[int]:
    """`--sizes 10000,100000` or `--sizes 10000 100000`."""
    return sorted({int(part) for item in text for part in item.split(",") if part.strip()})


def server_settings() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        values = []
        for name in ("jit", "work_mem", "shared_buffers", "max_parallel_workers_per_gather"):
            cursor.execute(f"SHOW {name}")
            values.append(f"{name}={cursor.fetchone()[0]}")
    return "PostgreSQL " + ", ".join(values)


def load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", nargs="+", default=["10000,100000"])
    parser.add_argument("--runs", type=int, default=7, help="requests per served page (median)")
    parser.add_argument(
        "--computed-runs", type=int, default=3, help="requests per computed page (median)"
    )
    args = parser.parse_args()
    wanted = sizes(args.sizes)
    with bench_django():
        from django.test import Client
        from django.test.utils import setup_test_environment

        from tests.factories import staff_user

        print(server_settings(), flush=True)
        setup_test_environment()
        client = Client()
        client.force_login(staff_user(groups=["Membership staff"]))
        results = {}
        for size in wanted:
            started = time.perf_counter()
            grow(size)
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
                cursor.execute("SELECT COUNT(*) FROM membership_membershipterm")
                (terms,) = cursor.fetchone()
            print(
                f"{size:>9,} members ({terms:,} terms) seeded in "
                f"{time.perf_counter() - started:.0f} s; {load()}",
                flush=True,
            )
            base, base_q = measure(client, *BASELINE, args.runs)
            results[(size, "baseline")] = (base, base_q, base, base_q)
            print(
                f"{size:>9,} {'baseline (home page)':<22} served {base * 1000:7.0f} ms "
                f"{base_q:3d} q",
                flush=True,
            )
            for name, query in PAGES:
                served, served_q = measure(client, name, query, args.runs)
                if name == "reports:staff_home":  # no snapshot: always computed
                    computed, computed_q = served, served_q
                else:
                    computed, computed_q = measure(
                        client, name, query, args.computed_runs, computed=True
                    )
                results[(size, name)] = (served, served_q, computed, computed_q)
                print(
                    f"{size:>9,} {name:<22} served {served * 1000:7.0f} ms {served_q:3d} q "
                    f"(x{served / base:5.1f} baseline) | computed {computed * 1000:7.0f} ms "
                    f"{computed_q:3d} q (x{computed / base:6.1f} baseline)",
                    flush=True,
                )
        first = wanted[0]
        for size in wanted[1:]:
            for name, _query in PAGES:
                s0, sq0, c0, cq0 = results[(first, name)]
                s1, sq1, c1, cq1 = results[(size, name)]
                print(
                    f"{size:,} vs {first:,} {name:<22} served time x{s1 / s0:5.2f}, "
                    f"queries x{sq1 / sq0:.2f} | computed time x{c1 / c0:5.2f}, "
                    f"queries x{cq1 / cq0:.2f}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
