"""Benchmark: the staff member CSV export of every member, beside a plain PostgreSQL COPY.

    .venv/bin/python bench/member_export.py [--count 100000] [--chunk 5000]

Starts a throw-away PostgreSQL with its default durability (fsync on), migrates it, seeds
`--count` members with `bench/seed.py` (full history: memberships, terms, invoices), then:

- baseline: `COPY (the export's columns: members, users, memberships, categories) TO STDOUT
  WITH CSV` into a file, through psycopg's COPY protocol;
- the export as the code under test does it. With the background job (this branch): the web
  request that starts it, the worker's run (`member_export_run`, in this process, as a Celery
  worker runs it) and the download streamed to a file. With the old in-request export (the
  code before the job, run from a copy of that tree): the one request that builds and streams
  the whole file (`GET /staff/members/export.csv`).

Each step prints its wall time, its ratio to the baseline, its queries and the peak growth of
this process's resident memory during the step (VmHWM after resetting it through
/proc/self/clear_refs, less the resident size at the start). The file is checked: the rows it
holds and, for the job, the closing line's checksum. Not part of `make test`.
"""

import argparse
import datetime as dt
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class Step:
    """Times a step, counts its queries, and measures the growth of resident memory."""

    def __init__(self, name: str):
        self.name = name

    def __enter__(self):
        from django.db import connection

        self.queries = 0

        def count(execute, sql, params, many, context):
            self.queries += 1
            return execute(sql, params, many, context)

        self._wrapper = connection.execute_wrapper(count)
        self._wrapper.__enter__()
        Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS now
        self.rss_start_kb = _status_kb("VmRSS")
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.started
        self.peak_growth_mb = (_status_kb("VmHWM") - self.rss_start_kb) / 1024
        self._wrapper.__exit__(*exc)
        return False

    def line(self, baseline: float | None, extra: str = "") -> str:
        ratio = f" (x{self.seconds / baseline:5.2f} of the COPY)" if baseline else ""
        return (
            f"{self.name:<44} {self.seconds:8.2f} s{ratio}, {self.queries:5d} queries, "
            f"peak memory +{self.peak_growth_mb:7.1f} MB{extra}"
        )


BASELINE_SQL = """
COPY (
  SELECT m.id, m.full_name, u.email, m.position, m.employer, m.country, m.state_province,
         c.name, ms.status, ms.paid_through_on, ms.member_since_on
  FROM membership_member m
  JOIN auth_user u ON u.id = m.user_id
  LEFT JOIN membership_membership ms ON ms.member_id = m.id
  LEFT JOIN membership_membershipcategory c ON c.id = ms.category_id
  ORDER BY m.id
) TO STDOUT WITH CSV HEADER
"""


def baseline_copy(path: Path) -> Step:
    from django.db import connection

    with Step("baseline: COPY of the same columns to a file") as step:
        connection.ensure_connection()
        raw = connection.connection
        with raw.cursor() as cursor, path.open("wb") as out, cursor.copy(BASELINE_SQL) as copy:
            for block in copy:
                out.write(block)
    step.queries = 1  # one COPY statement, sent past Django's cursor
    return step


def staff_client():
    from allauth.mfa.models import Authenticator
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    user = get_user_model().objects.create(
        username="bench-export-staff", email="bench-export-staff@example.net"
    )
    user.groups.add(Group.objects.get(name="Membership staff"))
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client = Client()
    client.force_login(user)
    return client, user


def _stream_to(response, path: Path) -> int:
    size = 0
    with path.open("wb") as out:
        for block in response.streaming_content:
            out.write(block)
            size += len(block)
    return size


def _data_lines(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for _line in f)


def _checked(path: Path) -> str:
    """The closing line's count and checksum against the bytes before it (read in blocks)."""
    size = path.stat().st_size
    with path.open("rb") as f:
        f.seek(max(0, size - 200))
        tail = f.read()
    last = tail[tail.rstrip(b"\r\n").rfind(b"\n") + 1 :]
    body_size = size - len(last)
    digest = hashlib.sha256()
    with path.open("rb") as f:
        left = body_size
        while left:
            block = f.read(min(left, 1 << 20))
            digest.update(block)
            left -= len(block)
    ok = digest.hexdigest().encode() in last
    return f"closing line {last.strip().decode()!r}, checksum {'matches' if ok else 'WRONG'}"


def export_with_job(client, user, folder: Path, baseline: float) -> None:
    from django.urls import reverse

    from billing.models import MemberExport
    from billing.services import member_exports
    from billing.services.member_exports import member_export_run

    # The request saves the job and queues the task after commit; here the queued task is
    # kept rather than sent, and the worker's part is measured on its own below, as a worker
    # process runs it.
    queued = []
    member_exports._enqueue = queued.append
    client.get(reverse("billing_staff:member_list"))  # warm templates and the session
    with Step("job: the web request that starts it") as start:
        response = client.post(reverse("billing_staff:member_export"))
    assert response.status_code == 302, response.status_code
    print(start.line(baseline), flush=True)
    export = MemberExport.objects.latest("pk")
    assert queued == [export.pk], queued
    with Step("job: the worker writes the file") as run:
        state = member_export_run(export_id=export.pk)
    export.refresh_from_db()
    print(
        run.line(baseline, f", {state}, {export.rows_written:,} rows in {export.parts} parts"),
        flush=True,
    )
    path = folder / "job.csv"
    with Step("job: the download, streamed to a file") as download:
        response = client.get(reverse("billing_staff:member_export_download", args=[export.pk]))
        size = _stream_to(response, path)
    print(download.line(baseline, f", {size / 1e6:,.1f} MB"), flush=True)
    print(
        f"{'job: worker and download together':<44} {run.seconds + download.seconds:8.2f} s"
        f" (x{(run.seconds + download.seconds) / baseline:5.2f} of the COPY)",
        flush=True,
    )
    print(f"  file: {_data_lines(path):,} lines; {_checked(path)}", flush=True)


def export_in_request(client, folder: Path, baseline: float) -> None:
    client.get("/staff/members/")  # warm templates and the session
    path = folder / "old.csv"
    with Step("old: one request builds and streams it all") as step:
        response = client.get("/staff/members/export.csv")
        size = _stream_to(response, path)
    print(step.line(baseline, f", {size / 1e6:,.1f} MB"), flush=True)
    print(f"  file: {_data_lines(path):,} lines (header and rows, no closing line)", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=5_000)
    args = parser.parse_args()
    environ = {"MEMBER_EXPORT_CHUNK_ROWS": str(args.chunk), "LOG_LEVEL": "WARNING"}

    from bench.seed import seed_history
    from bench.support import bench_django

    with bench_django(environ=environ):
        started = time.perf_counter()
        seed_history(args.count, today=dt.date.today(), log=lambda *a, **k: None)
        print(f"seeded {args.count:,} members in {time.perf_counter() - started:.0f} s", flush=True)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        from django.test.utils import setup_test_environment

        setup_test_environment()  # the test client's host, as in the test suite
        client, user = staff_client()
        with tempfile.TemporaryDirectory(prefix="icma-export-bench-") as tmp:
            folder = Path(tmp)
            copy = baseline_copy(folder / "copy.csv")
            print(copy.line(None, f", {(folder / 'copy.csv').stat().st_size / 1e6:,.1f} MB"))
            try:
                import billing.services.member_exports  # noqa: F401
            except ImportError:
                export_in_request(client, folder, copy.seconds)
            else:
                export_with_job(client, user, folder, copy.seconds)
    print(f"python {sys.version.split()[0]}, pid {os.getpid()}, {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
