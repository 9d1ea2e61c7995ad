"""Benchmark: the staff member search (`/staff/members/?q=…`) at 1,000,000 members.

    .venv/bin/python bench/member_search.py [--count 1000000] [--runs 9]
    .venv/bin/python bench/member_search.py --database-url postgres://…/db [--runs 9] [--label x]

Without `--database-url` it starts a throw-away PostgreSQL with its default durability
(fsync on), migrates it and seeds `--count` members with `bench/seed.py` (about five minutes
for a million). With it, it measures a database seeded already, which is how the code of two
commits is compared on the same rows (`bench/search_side_by_side.sh`): the script reads only the
page and the database, so it runs unchanged against the older code.

For each of five terms (part of a name, a whole e-mail, a member number, a full name, an
employer) it asks the member list through Django's test client as membership staff, `--runs`
times, and prints the median, best and worst time of the search's own SQL (the queries that
read the member table: the count and the page's rows), the median of the whole page (in-process,
no network; it includes the page's fixed cost: session, permissions, the filter form), the
queries per page and the count the page shows; next to them the baseline, a primary-key lookup
of one member. Not part of `make test`.
"""

import argparse
import datetime as dt
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def terms(count: int) -> list[tuple[str, str]]:
    middle = count // 2
    return [
        ("part of a name", "Gar"),
        ("a whole e-mail", f"seed-{middle}@example.org"),
        ("a member number", f"M-{middle:06d}"),
        ("a full name", "Maria Garcia"),
        ("an employer", "Riverton"),
    ]


def staff_client():
    from allauth.mfa.models import Authenticator
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from membership.permissions import MEMBERSHIP_STAFF_GROUP

    user, created = get_user_model().objects.get_or_create(
        username="bench-search-staff", defaults={"email": "bench-search-staff@example.net"}
    )
    if created:
        user.groups.add(Group.objects.get(name=MEMBERSHIP_STAFF_GROUP))
        Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client = Client()
    client.force_login(user)
    return client


def timed(call, runs: int) -> list[float]:
    call()  # warm caches and the connection; not counted
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def shown_count(content: bytes) -> str:
    text = content.decode()
    more = re.search(r'data-more-than="(\d+)"', text)
    if more:
        return f"more than {int(more.group(1)):,}"
    found = re.search(r"([\d,]+) members? found", text)
    return found.group(1) if found else "none"


def measure(count: int, runs: int, label: str) -> None:
    from django.db import connection
    from django.urls import reverse

    from membership.models import Member

    client = staff_client()
    url = reverse("billing_staff:member_list")
    pk = count // 2

    def lookup():
        Member.objects.filter(pk=pk).values_list("pk", "full_name").first()

    base = timed(lookup, runs)
    print(
        f"[{label}] baseline, a primary-key lookup: median {statistics.median(base):7.2f} ms,"
        f" best {min(base):7.2f} ms, worst {max(base):7.2f} ms",
        flush=True,
    )
    for what, term in terms(count):
        pages, searches, counts = [], [], set()
        for run in range(runs + 1):  # the first warms caches; not counted
            log: list[tuple[float, str]] = []

            def wrapper(execute, sql, params, many, context, log=log):
                started = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    log.append(((time.perf_counter() - started) * 1000, sql))

            with connection.execute_wrapper(wrapper):
                started = time.perf_counter()
                response = client.get(url, {"q": term})
                page_ms = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, response.status_code
            if run:
                pages.append(page_ms)
                # The search's own queries: those that read the member table (count and rows).
                searches.append(sum(ms for ms, sql in log if '"membership_member"' in sql))
                counts.add(len(log))
        median = statistics.median(searches)
        ratio = median / statistics.median(base)
        shown = shown_count(response.content)
        print(
            f"[{label}] {what:<16} {term!r:<27} search SQL median {median:7.1f} ms"
            f" (best {min(searches):7.1f}, worst {max(searches):7.1f}, × {ratio:,.0f}"
            f" of the baseline); whole page median {statistics.median(pages):7.1f} ms;"
            f" {'/'.join(map(str, sorted(counts)))} queries; shown: {shown}",
            flush=True,
        )
    print(
        f"[{label}] {runs} runs each; load average {os.getloadavg()[0]:.1f} on"
        f" {os.cpu_count()} CPUs",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--database-url", help="measure this database, seeded already")
    parser.add_argument("--label", default="this code")
    args = parser.parse_args()
    environ = {"ALLOWED_HOSTS": "testserver"}
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
        os.environ.update(environ)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
        import django

        django.setup()
        from bench.support import durability

        print(durability(), flush=True)
        measure(args.count, args.runs, args.label)
        return 0

    from bench.seed import seed_history
    from bench.support import bench_django

    # Web and database share this machine's CPUs: no parallel workers (as the other benches).
    with bench_django(database_settings={"max_parallel_workers_per_gather": "0"}, environ=environ):
        seed_history(args.count, today=dt.date.today())
        measure(args.count, args.runs, args.label)
    return 0


if __name__ == "__main__":
    sys.exit(main())
