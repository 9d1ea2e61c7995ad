"""Run the test suite against throw-away services.

- PostgreSQL: when its binaries are on PATH or under /usr/lib/postgresql/*/bin, a cluster is
  created in a temporary folder on a free loopback port and removed afterwards. Otherwise the
  suite runs on SQLite, with a notice.
- Redis: when `redis-server` exists, one is started on a free loopback port for the tests that
  need a real broker (TEST_REDIS_URL).
- With CI=true a missing PostgreSQL is an error here, and a missing Redis or Chromium makes the
  tests that need them fail rather than skip (see tests/conftest.py).
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() == "true"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_postgres_bin() -> Path | None:
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def unprivileged_user() -> str | None:
    """PostgreSQL refuses to run as root; pick a user to run it as."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise SystemExit(
        "Running as root, but there is no 'postgres' or 'nobody' user to run PostgreSQL."
    )


@contextmanager
def postgres_cluster(bindir: Path, *, durable: bool = False):
    """A throw-away cluster. Tests trade durability for speed; `durable=True` keeps
    PostgreSQL's defaults (fsync, synchronous commit, full-page writes) for benchmarks."""
    run_as = unprivileged_user()
    tmp = Path(tempfile.mkdtemp(prefix="icma-pg-"))
    data = tmp / "data"
    port = free_port()
    prefix: list[str] = []
    if run_as:
        info = pwd.getpwnam(run_as)
        os.chown(tmp, info.pw_uid, info.pw_gid)
        prefix = ["runuser", "-u", run_as, "--"]
    log = tmp / "postgres.log"
    try:
        subprocess.run(
            [
                *prefix,
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        options = f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c max_connections=200"
        if not durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        subprocess.run(
            [
                *prefix,
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(log),
                "-w",
                "-t",
                "60",
                "start",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"Started a throw-away PostgreSQL on 127.0.0.1:{port}", flush=True)
        yield f"postgres://postgres@127.0.0.1:{port}/icma_portal"
    finally:
        if data.exists():
            subprocess.run(
                [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=False,
            )
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def redis_server(binary: str):
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
        print(f"Started a throw-away Redis on 127.0.0.1:{port}", flush=True)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main(argv: list[str]) -> int:
    env = os.environ.copy()
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    with ExitStack() as stack:
        if env.get("DATABASE_URL", "").startswith("postgres"):
            print("Using PostgreSQL from DATABASE_URL", flush=True)
        else:
            bindir = find_postgres_bin()
            if bindir:
                env["DATABASE_URL"] = stack.enter_context(postgres_cluster(bindir))
            elif IN_CI:
                print("CI=true but no PostgreSQL binaries were found: failing.", file=sys.stderr)
                return 2
            else:
                env.pop("DATABASE_URL", None)
                print(
                    "NOTICE: no PostgreSQL binaries found; running the suite on SQLite.", flush=True
                )
        if not env.get("TEST_REDIS_URL"):
            binary = shutil.which("redis-server")
            if binary:
                env["TEST_REDIS_URL"] = stack.enter_context(redis_server(binary))
            else:
                print(
                    "NOTICE: no redis-server found; tests that need Redis will "
                    + ("fail (CI)." if IN_CI else "be skipped."),
                    flush=True,
                )
        cmd = [sys.executable, "-m", "pytest", *argv]
        return subprocess.call(cmd, cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
