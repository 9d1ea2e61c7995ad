"""Benchmark: signed Stripe webhooks through gunicorn, then the workers' drain.

    .venv/bin/python bench/webhook_ingest.py [--sessions 3000] [--duplicates 1500]
        [--code DIR] [--label before|after] [--rounds 2]

Starts a throw-away PostgreSQL with PostgreSQL's default durability (fsync on, synchronous
commit; the output says so), a throw-away Redis and a fake Stripe API on loopback, seeds
members each with a pending card payment whose Checkout Session the fake Stripe reports as
paid, then starts gunicorn as deployed (`gunicorn -c config/gunicorn.py`, with
bench/webhook_site/wsgi.py putting the baselines in front of config.wsgi,
production settings) from `--code` (default: this checkout; give an export of another branch
to measure its code with the same benchmark) and:

1. Ingest: 8 concurrent senders, each one keep-alive connection, POST pre-signed bodies; the
   sender is one asyncio loop on raw sockets and reports its own CPU. No Celery worker runs
   meanwhile, so the web node has the machine. Beside it, in the same server and the same
   rounds: a WSGI callable without Django that answers 200 (gunicorn's own cost), a bare view
   through every middleware of the pages and through one middleware, and a view that makes one
   primary-key lookup (one middleware).
2. Drain: a Celery worker (the Procfile's, on the `webhooks` queue only: the receipts'
   e-mails wait in the outbox, sending them is not this benchmark's work) and beat start; the
   time until every stored event has reached a final state.
3. Latency: with the worker running, a paced stream of new events; the time from receipt
   (`received_at`) to the end of processing (`processed_at`) of each.

Ends by checking exactly one activation per paid session. Every request goes to 127.0.0.1 and
every loop is bounded. Not part of `make test`.
"""

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import bench_django  # noqa: E402
from scripts.run_tests import redis_server  # noqa: E402
from tests.stack.services import free_port, port_open, production_env, wait_until  # noqa: E402

SECRET = "whsec_bench_ingest"
SENDERS = 8
WEBHOOK = "/billing/stripe/webhook/"
BASELINES = [
    ("bare WSGI answer, no Django", "/bench/bare-wsgi/"),
    ("bare view, full middleware", "/bench/bare/"),
    ("bare view, one middleware", "/bench/bare-lean/"),
    ("one primary-key lookup, one middleware", "/bench/lookup/"),
]
FINAL = ("processed", "ignored", "flagged")
CLK_TCK = os.sysconf("SC_CLK_TCK")


class Paying:
    """What bench/stripe_webhooks.py's seeding tells Stripe: the fake API's sessions."""

    def __init__(self, fake):
        self.fake = fake

    def pay(self, session: dict) -> None:
        self.fake.set_session(session)


def request_bytes(path: str, body: bytes, signature: str) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Stripe-Signature: {signature}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _read_response(reader) -> tuple[int, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length, close = 0, False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection" and value.strip().lower() == b"close":
            close = True
        elif name == b"transfer-encoding":
            raise RuntimeError("The server answered without a Content-Length (chunked)")
    if length:
        await reader.readexactly(length)
    return status, close


async def _sender(port: int, requests, statuses: list, pace) -> None:
    reader = writer = None
    try:
        for request in requests:
            if pace is not None:
                await pace()
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(request)
            status, close = await _read_response(reader)
            statuses.append(status)
            if close:
                writer.close()
                writer = None
    finally:
        if writer is not None:
            writer.close()


def send(port: int, requests: list[bytes], *, rate: float | None = None) -> dict:
    """Send every request over SENDERS keep-alive connections (each takes the next one when its
    answer is in), optionally paced to `rate` per second in all. Returns the outcome and the
    sender's own CPU."""
    statuses: list[int] = []

    async def run():
        shared = iter(requests)
        pace = None
        if rate:
            started = time.monotonic()
            sent = [0]

            async def pace():
                due = started + sent[0] / rate
                sent[0] += 1
                delay = due - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)

        await asyncio.gather(*(_sender(port, shared, statuses, pace) for _ in range(SENDERS)))

    cpu, wall = time.thread_time(), time.perf_counter()
    asyncio.run(run())
    wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
    return {
        "n": len(statuses),
        "seconds": wall,
        "rate": len(statuses) / wall,
        "sender_cpu": cpu,
        "statuses": {s: statuses.count(s) for s in sorted(set(statuses))},
    }


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU of every live process in the process group (gunicorn and its
    workers)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / CLK_TCK


def postgres_cpu_seconds(postmaster: int) -> float:
    """User + system CPU of the PostgreSQL server: the postmaster (with its finished children)
    and every live process it started (backends, WAL writer, checkpointer)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, parent = int(entry.name), int(fields[1])
        if pid == postmaster:
            total += sum(int(f) for f in fields[11:15])
        elif parent == postmaster:
            total += int(fields[11]) + int(fields[12])
    return total / CLK_TCK


def postmaster_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    stat = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
    return int(stat[1])


def cpu_now(web_pid: int, postmaster: int) -> tuple[float, float]:
    return group_cpu_seconds(web_pid), postgres_cpu_seconds(postmaster)


class Service:
    def __init__(self, name: str, command: list[str], *, env: dict, cwd: Path, log_dir: Path):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def signed(events: list[dict], path: str = WEBHOOK) -> list[bytes]:
    """Bodies signed now (Stripe's tolerance is 5 minutes: sign each phase just before it)."""
    from tests.billing.stripe_support import signature_header

    out = []
    for event in events:
        body = json.dumps(event).encode()
        out.append(request_bytes(path, body, signature_header(body, secret=SECRET)))
    return out


def describe(result: dict, *, server_cpu: float | None = None) -> str:
    text = (
        f"{result['n']:>6,} requests in {result['seconds']:6.2f} s = {result['rate']:7,.0f}/s; "
        f"sender CPU {result['sender_cpu']:.2f} s "
        f"({result['sender_cpu'] * 1e6 / max(result['n'], 1):.0f} us/request)"
    )
    if server_cpu is not None:
        text += f"; server CPU {server_cpu * 1e6 / max(result['n'], 1):,.0f} us/request"
    if "pg_cpu" in result:
        text += f"; PostgreSQL CPU {result['pg_cpu'] * 1e6 / max(result['n'], 1):,.0f} us/request"
    return text + f"; statuses {result['statuses']}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=3_000)
    parser.add_argument("--duplicates", type=int, default=1_500)
    # Paced below what the workers can process (a receipt PDF per activation), so the figure is
    # the delay of an event that finds the workers idle, not the length of a queue.
    parser.add_argument("--latency-events", type=int, default=100)
    parser.add_argument("--latency-rate", type=float, default=4.0)
    parser.add_argument("--baseline-requests", type=int, default=3_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout to serve")
    parser.add_argument("--label", default="")
    parser.add_argument("--drain-limit", type=float, default=900.0, help="seconds")
    parser.add_argument("--ingest-only", action="store_true", help="skip the drain and latency")
    args = parser.parse_args()
    # A `timeout` or Ctrl-C still stops the servers this started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))
    code = args.code.resolve()
    work = Path(tempfile.mkdtemp(prefix="icma-bench-ingest-"))
    services: list[Service] = []

    from tests.stack.fake_stripe import FakeStripe

    with (
        bench_django(environ={"STRIPE_WEBHOOK_SECRET": SECRET}) as database_url,
        redis_server("redis-server") as redis_url,
        FakeStripe() as fake,
    ):
        from bench.stripe_webhooks import build_events, seed
        from billing.models import Invoice, Payment, StripeEvent
        from membership.models import MembershipTerm

        commit = subprocess.run(
            ["git", "-C", str(code), "log", "-1", "--format=%h %s"],
            capture_output=True, text=True, check=False,
        ).stdout.strip() or "(not a git checkout)"  # fmt: skip
        print(f"Code served: {code} [{args.label}] {commit[:100]}", flush=True)
        rng = random.Random(2026)
        print(f"Seeding {args.sessions + args.latency_events:,} paid sessions...", flush=True)
        payments = seed(args.sessions + args.latency_events, rng, Paying(fake))
        late_payments = payments[args.sessions :]
        payments = payments[: args.sessions]
        events, redeliveries = build_events(payments, args.duplicates, rng)
        posts = events + redeliveries
        rng.shuffle(posts)
        late_events, _none = build_events(late_payments, 0, rng)

        port = free_port()
        env = production_env(
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            STRIPE_SECRET_KEY="sk_test_bench",
            STRIPE_PUBLISHABLE_KEY="pk_test_bench",
            STRIPE_WEBHOOK_SECRET=SECRET,
            STRIPE_API_BASE=fake.url,
            DJANGO_SETTINGS_MODULE="webhook_site.settings",
            PYTHONPATH=f"{code}:{ROOT / 'bench'}",
            PORT=str(port),
            LOG_LEVEL=os.environ.get("LOG_LEVEL", "INFO"),
        )
        bin_dir = Path(sys.executable).parent
        # The receipts the workers render need production's static manifest.
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=code, env=env, check=True, timeout=300,
        )  # fmt: skip
        try:
            web = Service(
                "web",
                [bin_dir / "gunicorn", "-c", code / "config/gunicorn.py", "webhook_site.wsgi"],
                env=env, cwd=code, log_dir=work,
            )  # fmt: skip
            services.append(web)
            wait_until(lambda: port_open(port), timeout=60, what="gunicorn")
            gunicorn_conf = subprocess.run(
                [sys.executable, "-c", "import runpy,sys; c=runpy.run_path(sys.argv[1]); "
                 "print(c['workers'], c['worker_class'], c['threads'])",
                 str(code / "config/gunicorn.py")],
                capture_output=True, text=True, env=env, check=True,
            ).stdout.split()  # fmt: skip
            print(
                f"gunicorn: {gunicorn_conf[0]} workers x {gunicorn_conf[2]} threads "
                f"({gunicorn_conf[1]}), production settings, LOG_LEVEL={env['LOG_LEVEL']}; "
                f"{SENDERS} concurrent keep-alive senders, one asyncio loop",
                flush=True,
            )
            postmaster = postmaster_pid()
            body = json.dumps(posts[0]).encode()
            warm = [request_bytes(p, body, "t=1,v1=0") for _n, p in BASELINES for _ in range(300)]
            send(port, warm)

            chunks = [posts[n :: args.rounds] for n in range(args.rounds)]
            totals: dict[str, list] = {}
            for round_no, chunk in enumerate(chunks, 1):
                print(f"Round {round_no}:", flush=True)
                for name, path in BASELINES:
                    requests = [
                        request_bytes(path, body, "t=1,v1=0") for _ in range(args.baseline_requests)
                    ]
                    before = cpu_now(web.proc.pid, postmaster)
                    result = send(port, requests)
                    after = cpu_now(web.proc.pid, postmaster)
                    cpu, result["pg_cpu"] = after[0] - before[0], after[1] - before[1]
                    totals.setdefault(name, []).append((result, cpu))
                    print(f"  {name:<50} {describe(result, server_cpu=cpu)}", flush=True)
                requests = signed(chunk)
                before = cpu_now(web.proc.pid, postmaster)
                result = send(port, requests)
                after = cpu_now(web.proc.pid, postmaster)
                cpu, result["pg_cpu"] = after[0] - before[0], after[1] - before[1]
                totals.setdefault("webhook", []).append((result, cpu))
                print(f"  {'signed webhook (verify, store, 200)':<50} "
                      f"{describe(result, server_cpu=cpu)}", flush=True)  # fmt: skip
                if set(result["statuses"]) != {200}:
                    print(f"Unexpected answers: {result['statuses']}\n", flush=True)
                    return 1
            stored = StripeEvent.objects.count()
            print(
                f"Stored {stored:,} events from {len(posts):,} deliveries "
                f"({len(redeliveries):,} exact redeliveries)",
                flush=True,
            )
            print("Summary (all rounds):", flush=True)
            rates = {}
            for name, runs in totals.items():
                n = sum(r["n"] for r, _c in runs)
                seconds = sum(r["seconds"] for r, _c in runs)
                rates[name] = n / seconds
                sender = sum(r["sender_cpu"] for r, _c in runs)
                server = sum(c for _r, c in runs)
                database = sum(r["pg_cpu"] for r, _c in runs)
                print(
                    f"  {name:<50} {rates[name]:7,.0f}/s  server CPU {server * 1e6 / n:5,.0f} "
                    f"us/request  PostgreSQL CPU {database * 1e6 / n:5,.0f} us/request  "
                    f"sender CPU {sender * 1e6 / n:4.0f} us/request",
                    flush=True,
                )
            webhook_rate = rates.pop("webhook")
            print(
                "  webhook / baselines: "
                + ", ".join(f"{webhook_rate / rate:.2f} of {name}" for name, rate in rates.items()),
                flush=True,
            )

            if args.ingest_only:
                return 0
            worker_cmd = [str(bin_dir / "celery"), "-A", "config", "worker", "-Q",
                          "webhooks", "--without-gossip", "--without-mingle",
                          "--loglevel=WARNING", "--hostname", "bench@ingest"]  # fmt: skip
            beat_cmd = [str(bin_dir / "celery"), "-A", "config", "beat", "--loglevel=WARNING",
                        "-s", str(work / "beat-schedule")]  # fmt: skip
            started = time.perf_counter()
            services.append(Service("worker", worker_cmd, env=env, cwd=code, log_dir=work))
            services.append(Service("beat", beat_cmd, env=env, cwd=code, log_dir=work))

            def unfinished() -> int:
                return StripeEvent.objects.exclude(state__in=FINAL).count()

            try:
                wait_until(lambda: unfinished() == 0, timeout=args.drain_limit, what="the drain")
            except TimeoutError:
                left = unfinished()
                print(
                    f"Drain: NOT finished after {args.drain_limit:.0f} s: {stored - left:,} of "
                    f"{stored:,} stored events final ({(stored - left) / args.drain_limit:,.1f} "
                    "events/s); latency not measured behind that backlog",
                    flush=True,
                )
                return 1
            drain = time.perf_counter() - started
            print(
                f"Drain: a worker (2 processes, queue webhooks) and beat started; all "
                f"{stored:,} stored events final after {drain:.1f} s (worker start-up included) "
                f"= {stored / drain:,.0f} events/s",
                flush=True,
            )

            time.sleep(2)  # the worker is idle and waiting
            result = send(port, signed(late_events), rate=args.latency_rate)
            wait_until(lambda: unfinished() == 0, timeout=300, what="the late events", interval=0.1)
            from django.db.models import F

            lags = sorted(
                (row.total_seconds())
                for row in StripeEvent.objects.filter(
                    stripe_id__in=[e["id"] for e in late_events]
                ).values_list(F("processed_at") - F("received_at"), flat=True)
            )
            print(
                f"Latency: {len(late_events):,} new events at {result['rate']:,.0f}/s with the "
                f"worker running; receipt to processed p50 {lags[len(lags) // 2] * 1000:,.0f} "
                f"ms, p95 {lags[int(len(lags) * 0.95)] * 1000:,.0f} ms, "
                f"max {lags[-1] * 1000:,.0f} ms",
                flush=True,
            )
        finally:
            for service in reversed(services):
                service.stop()

        all_payments = len(payments) + len(late_payments)
        paid = Invoice.objects.filter(status="paid").count()
        active_terms = MembershipTerm.objects.filter(status="active").count()
        confirmed = Payment.objects.filter(state="confirmed").count()
        ok = paid == active_terms == confirmed == all_payments
        print(
            f"Activations: {active_terms:,} active terms, {paid:,} paid invoices, {confirmed:,} "
            f"confirmed payments for {all_payments:,} paid sessions: "
            + ("exactly one per session" if ok else "MISMATCH"),
            flush=True,
        )
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
