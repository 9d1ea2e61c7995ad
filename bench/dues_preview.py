"""Benchmark the dues impact preview at 10,000 and 100,000 members (not part of `make test`).

    .venv/bin/python bench/dues_preview.py            # starts a throw-away PostgreSQL
    DATABASE_URL=postgres://... .venv/bin/python bench/dues_preview.py

It seeds members with `seed_members`, previews a draft that lowers the small-community cap
against the schedule in effect, and prints the time, the number of queries and the engine's
quotes per second at both sizes. The query count must not change with the number of members,
and the preview over 100,000 members must finish in under 10 seconds.
"""

import io
import os
import sys
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZES = (10_000, 100_000)
TIME_LIMIT_S = 10.0


def start_database(stack: ExitStack) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        return url
    from scripts.run_tests import find_postgres_bin, postgres_cluster

    bindir = find_postgres_bin()
    if bindir is None:
        raise SystemExit("No PostgreSQL binaries found; set DATABASE_URL to a PostgreSQL database.")
    url = stack.enter_context(postgres_cluster(bindir))
    from bench.support import create_database

    create_database(url)
    return url


def measure(draft):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from membership.dues_selectors import dues_schedule_in_effect, dues_schedule_terms
    from membership.selectors import members_for_dues_preview
    from membership.services.dues_preview import dues_impact_preview, impact_compute

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        preview = dues_impact_preview(schedule=draft)
        elapsed = time.perf_counter() - started
    # The engine alone, over facts already in memory.
    from django.utils import timezone

    facts = list(members_for_dues_preview())
    before = dues_schedule_terms(schedule=dues_schedule_in_effect(on=timezone.localdate()))
    after = dues_schedule_terms(schedule=draft)
    started = time.perf_counter()
    engine_only = impact_compute(before=before, after=after, members=facts)
    engine_s = time.perf_counter() - started
    return preview, elapsed, len(queries), engine_only.quotes / engine_s


def main() -> int:
    with ExitStack() as stack:
        os.environ["DATABASE_URL"] = start_database(stack)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
        import django

        django.setup()
        from django.core.management import call_command

        from membership.models import DuesDiscount, Member
        from membership.money import format_cents
        from tests.membership.dues_helpers import draft_from_current

        call_command("migrate", verbosity=0)
        draft = draft_from_current()
        DuesDiscount.objects.filter(schedule=draft, label="Small community discount").update(
            replacement_cap_cents=800_00
        )
        results = []
        for size in SIZES:
            missing = size - Member.objects.count()
            started = time.perf_counter()
            call_command(
                "seed_members",
                count=missing,
                seed=size,
                with_memberships=True,
                stdout=io.StringIO(),
            )
            print(f"Seeded {missing:,} members in {time.perf_counter() - started:.1f}s", flush=True)
            preview, elapsed, queries, qps = measure(draft)
            results.append((size, elapsed, queries, qps))
            print(
                f"{size:>7,} members: preview {elapsed:6.2f}s, {queries} queries, "
                f"engine {qps:,.0f} quotes/s | more {preview.members_more:,}, "
                f"less {preview.members_less:,}, same {preview.members_same:,}, "
                f"not quoted {preview.members_not_quoted:,}, total "
                f"{format_cents(preview.total_before_cents)} → "
                f"{format_cents(preview.total_after_cents)}",
                flush=True,
            )
        (small, t_small, q_small, _), (large, t_large, q_large, _) = results
        print(
            f"Ratio {large // small}x members: {t_large / t_small:.1f}x time, "
            f"queries {q_small} → {q_large} ({'constant' if q_small == q_large else 'GROWING'})"
        )
        ok = q_small == q_large and t_large < TIME_LIMIT_S
        print(
            "PASS" if ok else "FAIL",
            f"(100,000-member preview under {TIME_LIMIT_S:.0f}s with a constant query count)",
        )
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
