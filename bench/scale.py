"""Every row of the scale table in one run: each benchmark below, one after another, at the
sizes the scale goals name, each printing its figures next to the baseline it runs beside.

    .venv/bin/python bench/scale.py [--quick] [--only webhooks,search,...] [--out FILE]

- webhooks: bench/webhook_ingest.py --ingest-only, 3,000 sessions, 8 senders; beside a bare
  view, the same on the webhook's path and one primary-key lookup, in the same gunicorn.
- member pages: bench/member_pages.py, 10,000 members, 8 connections; beside a bare view, a
  view loading the session and user, a primary-key lookup.
- search: bench/member_search.py at 1,000,000 members; beside a primary-key lookup.
- matching: bench/expert_matching.py at 10,000 and 100,000 experts; the ratio between them.
- daily job: bench/membership_daily.py at 1,000,000 members (catch-up, normal day, the same
  day again); beside count(*) of memberships and 1,000 primary-key lookups.
- export: bench/member_export.py at 1,000,000 members; beside a PostgreSQL COPY of the same
  columns.
- reports: bench/reports.py at 10,000 and 100,000 members; beside the home page.

Each benchmark starts its own throw-away PostgreSQL with PostgreSQL's default durability
(fsync on; each prints its settings first) and is run as its own process, so one failing
does not stop the others; the summary at the end says how each ended and how long it took.
A fixed piece of work is timed at the start and at the end ("machine speed"): goals stated in
absolute time can only be compared between runs on machines about as fast.
`--quick` runs every row at 10,000 (a check that the benchmarks still run, minutes instead of
an hour and a half). The whole output is also written to `--out`
(default bench/results/scale-<date>.txt). Not part of `make test`.
"""

import argparse
import datetime as dt
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def rows(quick: bool) -> list[tuple[str, list[str]]]:
    big = "10000" if quick else "1000000"
    hundred_k = "10000" if quick else "100000"
    return [
        (
            "webhooks",
            ["bench/webhook_ingest.py", "--ingest-only"]
            + (["--sessions", "500", "--duplicates", "200", "--rounds", "1"] if quick else []),
        ),
        (
            "member pages",
            ["bench/member_pages.py", "--members", "10000"]
            + (["--seconds", "3", "--rounds", "1"] if quick else []),
        ),
        ("search", ["bench/member_search.py", "--count", big] + (["--runs", "3"] if quick else [])),
        (
            "matching",
            ["bench/expert_matching.py", "--sizes", "10000"] + ([] if quick else ["100000"]),
        ),
        ("daily job", ["bench/membership_daily.py", "--sizes", big]),
        ("export", ["bench/member_export.py", "--count", big]),
        ("reports", ["bench/reports.py", "--sizes", "10000" if quick else f"10000,{hundred_k}"]),
    ]


def machine_speed() -> str:
    """The same fixed work on every run, so runs on different days can be compared: absolute
    goals only mean something on a machine about as fast as the one they were met on."""
    started = time.perf_counter()
    table: dict[int, int] = {}
    for i in range(1_000_000):
        table[i % 5_000] = table.get(i % 5_000, 0) + i
    loop = time.perf_counter() - started
    started = time.perf_counter()
    hashlib.sha256(bytes(64 * 1024 * 1024)).hexdigest()
    digest = time.perf_counter() - started
    return f"a fixed Python loop {loop * 1000:.0f} ms, sha256 of 64 MB {digest * 1000:.0f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="every row at 10,000")
    parser.add_argument("--only", default="", help="comma-separated row names")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    out = args.out or ROOT / "bench" / "results" / f"scale-{dt.date.today().isoformat()}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    ended: list[tuple[str, int, float]] = []
    with out.open("w") as log:

        def say(line: str) -> None:
            print(line, flush=True)
            log.write(line + "\n")
            log.flush()

        load = os.getloadavg()
        say(
            f"bench/scale.py {'--quick ' if args.quick else ''}on {os.cpu_count()} cores, "
            f"load average {load[0]:.1f} (1 min) at the start"
        )
        say(f"machine speed at the start: {machine_speed()} (lower is faster)")
        for name, argv in rows(args.quick):
            if wanted and name not in wanted:
                continue
            say(f"\n=== {name}: {' '.join(argv)}")
            started = time.monotonic()
            child = subprocess.Popen(
                [PYTHON, *argv],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                bufsize=1,
            )
            assert child.stdout is not None
            for line in child.stdout:
                say(f"[{name}] {line.rstrip()}")
            code = child.wait()
            ended.append((name, code, time.monotonic() - started))
        say(f"\nmachine speed at the end: {machine_speed()}")
        say("\n=== summary")
        for name, code, seconds in ended:
            state = "ok" if code == 0 else f"FAILED (exit {code})"
            say(f"{name:<14} {state:<18} {seconds / 60:6.1f} min")
    print(f"written to {out}")
    return 0 if all(code == 0 for _n, code, _s in ended) else 1


if __name__ == "__main__":
    sys.exit(main())
