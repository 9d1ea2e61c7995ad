"""Benchmark: the member import's dry run and commit of a 10,000-row export on PostgreSQL.

    .venv/bin/python bench/member_import.py [--rows 10000]

Starts a throw-away PostgreSQL (as `make test` does), builds the realistic export of
tests/membership/import_export.py (Windows-1252, with every kind of refused row), then times
the dry run (`member_import_upload`) and the commit (`member_import_run`, the Celery task's
body, run in this process) and prints both with the peak Python memory of each (tracemalloc).
Targets: dry run <= 30 s, commit <= 120 s on a 2-core machine. Not part of `make test`.
"""

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import bench_django  # noqa: E402


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def measure(label, work):
    """Wall time, and the process's peak resident memory after the step (no tracing
    overhead: tracemalloc would slow the very thing being timed)."""
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    print(f"{label}: {seconds:.1f} s, peak RSS so far {_peak_rss_mib():.0f} MiB", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    with bench_django():
        from django.utils import timezone

        from membership.imports.services import member_import_run, member_import_upload
        from membership.models import ImportedPayment, ImportState, Member, MemberImport
        from tests.membership.import_export import export_build

        print(f"before: peak RSS {_peak_rss_mib():.0f} MiB", flush=True)
        data, expected = export_build(args.rows, today=timezone.localdate(), encoding="cp1252")
        print(f"{args.rows} rows, {len(data) / 2**20:.1f} MiB, {expected.new} good", flush=True)
        member_import = measure(
            "dry run", lambda: member_import_upload(filename="bench.csv", data=data, user=None)
        )
        assert member_import.rows_new == expected.new
        measure("commit", lambda: member_import_run(import_id=member_import.pk))
        assert Member.objects.filter(legacy_id__isnull=False).count() == expected.new
        assert ImportedPayment.objects.count() == expected.payments
        # A second commit of the same file: reads every row again and creates nothing.
        MemberImport.objects.filter(pk=member_import.pk).update(state=ImportState.QUEUED)
        measure("commit again", lambda: member_import_run(import_id=member_import.pk))
        assert Member.objects.filter(legacy_id__isnull=False).count() == expected.new
        print("imported:", expected.new, "members,", expected.payments, "payments", flush=True)


if __name__ == "__main__":
    main()
