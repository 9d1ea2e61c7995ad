"""Benchmark: `membership_daily` on a catch-up day and on a normal day, at several sizes.

    .venv/bin/python bench/membership_daily.py [--sizes 10000,100000] [--experts-every 20]
        [--other /path/to/a/checkout/of/main --other-label main]

Starts a throw-away PostgreSQL with its default durability (fsync on) and a throw-away Redis
as the Celery broker (no worker reads it, so queued e-mails wait there, outside the measured
process), migrates, and seeds members with `bench.seed.seed_history` (several years of terms,
invoices and payments each; set-based, so a million members take minutes). One member in
`--experts-every` also has an active expert profile, so lapses pause experts.

At each size, from the same state (every stored status reset to `active`, no reminder and no
outbox row yet, every expert active), it runs:

- the catch-up run: the job for the day before DAY, which has every transition and every
  reminder due since the seeded history began to do at once;
- the normal day: the job for DAY, the day after;
- the same day again, which must send nothing twice;
- a baseline beside them: `SELECT count(*)` of the memberships, and 1,000 primary-key
  lookups of members (the job's times are printed as multiples of the lookups' time, which
  follows how busy the machine is).

With `--other`, the same runs use another checkout's code too (its bench script must have
the `--child` mode), on the same data, each from the same reset state.

Each run is a fresh child process (Django set up, then the measured call), which prints its
wall time, its SQL statements (counted by a `connection.execute_wrapper`, which has no cap,
unlike Django's query log that stops at 9,000 entries) and its peak memory: `ru_maxrss` from
`resource.getrusage(RUSAGE_SELF)` of the child, and the resident size before the call, so
that the call's own share is the difference. Not part of `make test`.
"""

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DAY = dt.date(2027, 3, 15)
PK_LOOKUPS = 1_000


def resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def child(what: str, on: str) -> None:
    """In a fresh process: set Django up on the parent's database, run one thing, print JSON."""
    import django

    django.setup()
    from django.db import connection

    calls = 0

    def count(execute, sql, params, many, context):
        nonlocal calls
        calls += 1
        return execute(sql, params, many, context)

    connection.ensure_connection()
    before = resident_mb()
    result: dict = {}
    with connection.execute_wrapper(count):
        started = time.perf_counter()
        if what == "job":
            from membership.services.daily import membership_daily

            result = membership_daily(on=dt.date.fromisoformat(on))
        else:
            from membership.models import Member, Membership

            result = {"memberships": Membership.objects.count()}
            result["count_seconds"] = time.perf_counter() - started
            ids = list(Member.objects.order_by("pk").values_list("pk", flat=True)[:PK_LOOKUPS])
            looked_up = time.perf_counter()
            for pk in ids:
                Member.objects.filter(pk=pk).values_list("pk", flat=True).first()
            result["lookups_seconds"] = time.perf_counter() - looked_up
        elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    print(
        json.dumps(
            {"seconds": elapsed, "queries": calls, "peak_mb": peak, "before_mb": before, **result}
        ),
        flush=True,
    )


def measure(script: str, what: str, on: dt.date) -> dict:
    out = subprocess.run(
        [sys.executable, script, "--child", what, "--on", on.isoformat()],
        # In the script's own checkout: Celery puts the working directory first on sys.path
        # while it loads the apps, so another directory's code would be imported instead.
        cwd=Path(script).resolve().parent.parent,
        check=True,
        capture_output=True,
        text=True,
        env=os.environ,
    )
    # A run whose work failed quietly (a receiver after commit, a part) is not a fair figure:
    # say so, with the first lines of what it logged.
    errors = [ln for ln in out.stderr.splitlines() if "Traceback" in ln or "ERROR" in ln]
    if errors:
        print(f"  ! {script} {what} {on}: {len(errors)} errors logged, first:", flush=True)
        for error_line in out.stderr.splitlines()[:15]:
            print(f"  ! {error_line[:200]}", flush=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def grow(target: int, experts_every: int) -> None:
    """Seed members up to `target`, then give one in `experts_every` an expert profile."""
    from django.db.models.functions import Mod

    from bench.seed import seed_history
    from experts.models import ExpertProfile
    from membership.models import Member

    have = Member.objects.count()
    if have < target:
        seed_history(target - have, today=DAY, log=lambda line: print(line, flush=True))
    missing = (
        Member.objects.filter(expert_profile__isnull=True)
        .annotate(bucket=Mod("pk", experts_every))
        .filter(bucket=0)
        .values_list("pk", flat=True)
    )
    batch = []
    for member_id in missing.iterator(chunk_size=5_000):
        batch.append(ExpertProfile(member_id=member_id, summary="Budgeting and city services."))
        if len(batch) == 5_000:
            ExpertProfile.objects.bulk_create(batch)
            batch = []
    ExpertProfile.objects.bulk_create(batch)


def reset() -> None:
    """The state each size starts from: every status `active`, nothing reminded or queued."""
    import redis
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as c:
        c.execute("SET LOCAL session_replication_role = replica")  # no history of the reset
        c.execute("DELETE FROM membership_reminder")
        c.execute("DELETE FROM communications_outgoingmessage")
        c.execute("UPDATE membership_membership SET status = 'active' WHERE status <> 'active'")
        c.execute(
            "UPDATE experts_expertprofile SET status = 'active', paused_for_lapse = false,"
            " paused_at = NULL WHERE status <> 'active' OR paused_for_lapse"
        )
    with connection.cursor() as c:
        c.execute("VACUUM ANALYZE")
    redis.Redis.from_url(os.environ["REDIS_URL"]).flushall()


def line(size: int, label: str, run: dict, base: dict, extra: str = "") -> str:
    return (
        f"{size:>9,} {label:<28} {run['seconds']:8.2f} s {run['queries']:>7,} queries "
        f"peak {run['peak_mb']:5.0f} MB (before the call {run['before_mb']:4.0f} MB) "
        f"x{run['seconds'] / base['lookups_seconds']:5.1f} the pk lookups{extra}"
    )


def run_all(size: int, label: str, script: str) -> tuple[dict, dict, dict]:
    reset()
    base = measure(script, "baseline", DAY)
    catch_up = measure(script, "job", DAY - dt.timedelta(days=1))
    normal = measure(script, "job", DAY)
    again = measure(script, "job", DAY)
    print(
        f"{size:>9,} {label}: baseline SELECT count(*) of {base['memberships']:,} memberships "
        f"{base['count_seconds']:.3f} s, 1 query; {PK_LOOKUPS:,} primary-key lookups "
        f"{base['lookups_seconds']:.2f} s ({base['lookups_seconds'] / PK_LOOKUPS * 1000:.2f} "
        f"ms a query); peak {base['peak_mb']:.0f} MB (before {base['before_mb']:.0f} MB)",
        flush=True,
    )
    for what, run in (("catch-up (DAY - 1)", catch_up), ("normal day (DAY)", normal)):
        counts = (
            f"; reminders {run['reminders_sent']:,}, to grace {run['to_grace']:,}, "
            f"lapsed {run['lapsed']:,}, back {run['back_to_active']:,}"
        )
        print(line(size, f"{label} {what}", run, base, counts), flush=True)
    sent_again = f"; reminders {again['reminders_sent']}"
    print(line(size, f"{label} same day again", again, base, sent_again), flush=True)
    return base, catch_up, normal


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", nargs="+", default=["10000,100000"])
    parser.add_argument("--experts-every", type=int, default=20)
    parser.add_argument("--child", choices=["job", "baseline"])
    parser.add_argument("--on")
    parser.add_argument(
        "--other",
        help="a checkout of other code (main's, say) to run beside this one on the same data",
    )
    parser.add_argument("--other-label", default="main")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.on)
        return 0
    sizes = sorted({int(s) for item in args.sizes for s in item.split(",") if s})

    import shutil
    from contextlib import ExitStack

    from bench.support import bench_django
    from scripts.run_tests import redis_server

    with ExitStack() as stack:
        os.environ["REDIS_URL"] = stack.enter_context(redis_server(shutil.which("redis-server")))
        # Mail goes nowhere: no worker runs, and the job only queues it in the outbox.
        stack.enter_context(
            bench_django(settings_module="config.settings.dev", environ={"EMAIL_URL": "locmem://"})
        )
        print(
            "Each figure is one fresh child process; peak = ru_maxrss of that child "
            "(resource.getrusage), which includes Python and Django.",
            flush=True,
        )
        codes = [("this code", __file__)]
        if args.other:
            codes.insert(0, (args.other_label, str(Path(args.other) / "bench/membership_daily.py")))
        rows = []
        for size in sizes:
            started = time.perf_counter()
            grow(size, args.experts_every)
            print(f"{size:>9,} members seeded in {time.perf_counter() - started:.0f} s")
            for label, script in codes:
                rows.append((size, label, *run_all(size, label, script)))
        for label, _script in codes:
            mine = [row for row in rows if row[1] == label]
            first = mine[0]
            for size, _label, _base, catch_up, normal in mine[1:]:
                print(
                    f"{label}, {size:,} vs {first[0]:,} members: catch-up time x"
                    f"{catch_up['seconds'] / first[3]['seconds']:.1f}, queries "
                    f"{catch_up['queries']:,} vs {first[3]['queries']:,}; normal day time x"
                    f"{normal['seconds'] / first[4]['seconds']:.1f}, queries "
                    f"{normal['queries']:,} vs {first[4]['queries']:,}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
