"""Requests per second of the member pages against reference views, served by gunicorn.

    .venv/bin/python bench/member_pages.py [--members 10000] [--seconds 10] [--rounds 2]
        [--before-commit <commit>]

One throw-away PostgreSQL (fsync on, PostgreSQL's default durability), migrated and seeded
with `--members` members (seed_members, with memberships) and one signed-in member who has a
paid invoice. The portal is served by gunicorn with config/gunicorn.py (production settings,
the benchmark's URLconf: bench/member_pages_urls.py adds the reference views). With
`--before-commit`, that commit's code (git archive) is served too, by a second gunicorn on
the same database, and every URL is measured on both, alternating, `--rounds` times; the best
round counts. `wrk` drives each URL with 8 keep-alive connections (the session cookie on all
but the bare view) for `--seconds`.

The cache is a throw-away Redis, as production's (member pages are served from it while
nothing they show has changed: membership/page_cache.py). `--uncached` also serves this tree
with that cache off (MEMBER_PAGE_CACHE_SECONDS=0): each page rendered every time, as after
a change.

Prints requests/s, median and 99th percentile latency, each page's ratio to the view that
only loads the session and user, and the page's queries (Django test client, same data; for
a cached page, the queries of a repeat view).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import ROOT, bench_django  # noqa: E402

CONNECTIONS = 8
REFERENCES = [
    ("bare view (no session)", "/bench/bare/"),
    ("session and user only", "/bench/session-user/"),
    ("primary-key lookup", "/bench/pk/?pk={member_pk}"),
]
PAGES = [
    ("home (signed in)", "/"),
    ("dashboard", "/membership/"),
    ("own profile", "/members/{member_number}/"),
    ("profile form", "/profile/"),
]
SESSION_USER = "session and user only"
ENVIRON = {
    "DJANGO_SECRET_KEY": "benchmark-only-secret-key-not-used-anywhere-else-0123456789",
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "LOG_LEVEL": "WARNING",
    # The seeding's invoice and receipt e-mails are kept in memory, not printed into the results.
    "EMAIL_URL": "locmem://",
}


def seed(members: int) -> dict:
    import io

    from django.core.management import call_command
    from django.test import Client

    from tests.factories import MemberFactory, issue_invoice, pay_invoice

    started = time.perf_counter()
    call_command("seed_members", count=members, seed=7, with_memberships=True, stdout=io.StringIO())
    member = MemberFactory(full_name="Jordan Bench")
    pay_invoice(issue_invoice(member), reference="CHQ-1")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(member.user)
    print(
        f"Seeded {members:,} members and the signed-in one in {time.perf_counter() - started:.1f}s"
    )
    return {
        "member": member,
        "cookie": f"sessionid={client.cookies['sessionid'].value}",
        "client": client,
    }


def queries_of(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


def export_tree(commit: str) -> Path:
    """`commit`'s code in a temporary folder, with this benchmark's settings and URLconf."""
    target = Path(tempfile.mkdtemp(prefix="icma-bench-before-"))
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    for name in ("member_pages_settings.py", "member_pages_urls.py"):
        shutil.copy(ROOT / "bench" / name, target / "bench" / name)
    return target


class Server:
    """gunicorn serving `tree` on `port` (production settings, the benchmark's URLconf)."""

    def __init__(self, tree: Path, port: int, database_url: str, extra: dict | None = None):
        env = {
            **os.environ,
            **ENVIRON,
            **(extra or {}),
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "bench.member_pages_settings",
            "PORT": str(port),
            "PYTHONPATH": str(tree),
        }
        # The manifest static storage needs the tree's collected files.
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=tree,
            env=env,
            check=True,
        )
        self.port = port
        self.log = open(tempfile.mktemp(prefix="icma-bench-gunicorn-", suffix=".log"), "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "config/gunicorn.py", "config.wsgi"],
            cwd=tree,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(self.url("/bench/bare/"), timeout=2).read()
                break
            except OSError:
                if time.time() > deadline or self.process.poll() is not None:
                    raise SystemExit(f"gunicorn on {port} failed; see {self.log.name}") from None
                time.sleep(0.3)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


def wrk(url: str, *, seconds: int, cookie: str | None) -> dict:
    command = ["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{seconds}s", "--latency"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": re.search(r"50%\s+([\d.]+\w+)", out).group(1),
        "p99": re.search(r"99%\s+([\d.]+\w+)", out).group(1),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
    }


def load_average() -> str:
    return f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--before-commit", default="")
    parser.add_argument("--uncached", action="store_true")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("This benchmark needs wrk (Debian: apt-get install wrk).", file=sys.stderr)
        return 2
    redis_binary = shutil.which("redis-server")
    if redis_binary is None:
        print("This benchmark needs redis-server (Debian: redis-server).", file=sys.stderr)
        return 2
    from scripts.run_tests import redis_server

    with redis_server(redis_binary) as redis_url:
        ENVIRON["REDIS_URL"] = redis_url
        return measure(args)


def measure(args) -> int:
    with bench_django(settings_module="bench.member_pages_settings", environ=ENVIRON) as url:
        from django.core.management import call_command

        # Pages and invoice documents name static files through the manifest.
        call_command("collectstatic", interactive=False, verbosity=0)
        data = seed(args.members)
        member = data["member"]
        fill = {"member_pk": member.pk, "member_number": member.member_number}
        targets = [(name, path.format(**fill)) for name, path in REFERENCES + PAGES]
        queries = {name: queries_of(data["client"], path) for name, path in targets}
        trees = {"after": (ROOT, {})}
        if args.before_commit:
            trees = {"before": (export_tree(args.before_commit), {}), **trees}
        if args.uncached:
            trees["uncached"] = (ROOT, {"MEMBER_PAGE_CACHE_SECONDS": "0"})
        from scripts.run_tests import free_port

        servers = {
            label: Server(tree, free_port(), url, extra) for label, (tree, extra) in trees.items()
        }
        print(
            f"gunicorn -c config/gunicorn.py (gthread, WEB_CONCURRENCY="
            f"{os.environ.get('WEB_CONCURRENCY', '2')}, GUNICORN_THREADS="
            f"{os.environ.get('GUNICORN_THREADS', '4')}), production settings, wrk with "
            f"{CONNECTIONS} keep-alive connections, {args.seconds}s per URL, best of "
            f"{args.rounds} alternating rounds"
        )
        if args.before_commit:
            print(f"before: commit {args.before_commit} (git archive); after: this tree")
        best: dict[tuple[str, str], dict] = {}
        try:
            for name, path in targets:
                cookie = None if path == "/bench/bare/" else data["cookie"]
                for server in servers.values():
                    wrk(server.url(path), seconds=2, cookie=cookie)  # warm-up
                for _round in range(args.rounds):
                    for label, server in servers.items():
                        result = wrk(server.url(path), seconds=args.seconds, cookie=cookie)
                        key = (label, name)
                        if key not in best or result["rps"] > best[key]["rps"]:
                            best[key] = result
                print(f"  measured {name} (load average {load_average()})", flush=True)
        finally:
            for server in servers.values():
                server.stop()

    labels = list(servers)
    print()
    header = f"{'URL':<26}{'queries':>8}"
    for label in labels:
        header += f" | {label + ' req/s':>13}{'p50':>9}{'p99':>9}{'ratio':>7}"
    if "before" in labels:
        header += f" | {'after/before':>12}"
    print(header)
    for name, _path in targets:
        line = f"{name:<26}{queries[name]:>8}"
        for label in labels:
            result = best[(label, name)]
            ratio = result["rps"] / best[(label, SESSION_USER)]["rps"]
            line += f" | {result['rps']:>13,.1f}{result['p50']:>9}{result['p99']:>9}{ratio:>6.0%} "
            if result["non_2xx"]:
                line += f" ({result['non_2xx']} non-2xx!)"
        if "before" in labels:
            line += f" | {best[('after', name)]['rps'] / best[('before', name)]['rps']:>11.2f}x"
        print(line)
    print()
    print(
        "ratio: the URL's requests/s over the session-and-user view's, same server. "
        "queries: this tree's code, signed in, a repeat view. after: the member pages from "
        "the cache (nothing changed since the first view). Goal: every member page at "
        "least 60 %."
    )
    for name, _path in PAGES:
        after = best[("after", name)]["rps"] / best[("after", SESSION_USER)]["rps"]
        print(f"  {name}: {after:.0%} {'(goal met)' if after >= 0.6 else '(below the goal)'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
