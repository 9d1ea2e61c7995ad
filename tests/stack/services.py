"""Real processes for multi-process tests: gunicorn, Celery workers, PostgreSQL, Redis.

Each service runs on a free loopback port, writes its output to a log file in a temporary
folder, and can be stopped (or killed) and started again on the same port. Every wait has a
timeout, and `stop()` is safe to call on a service that is already down.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent
SECRET_KEY = "stack-test-" + "k7" * 30

# Variables of the test process that a deployed process never has, or that the stack sets.
_NOT_INHERITED = {
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DATABASE_URL",
    "REDIS_URL",
    "REDIS_CACHE_URL",
    "EMAIL_URL",
    "STRIPE_SECRET_KEY",
    "STRIPE_PUBLISHABLE_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_API_BASE",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


def wait_until(condition, *, timeout: float, what: str, interval: float = 0.1):
    """Poll `condition` until it returns something truthy; fail with `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"Timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def production_env(**overrides: str) -> dict[str, str]:
    """The environment of a deployed process: production settings and the given services."""
    env = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=SECRET_KEY,
        SECURE_SSL_REDIRECT="false",
        ALLOWED_HOSTS="127.0.0.1",
        STAFF_REQUIRE_2FA="true",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


class Process:
    """One long-running child process (in its own process group) with its output in a log."""

    def __init__(
        self,
        name: str,
        command: list[str],
        *,
        env: dict,
        log_dir: Path,
        ready=None,
        ready_text: str = "",
    ):
        self.name = name
        self.command = command
        self.env = env
        self.log_path = Path(log_dir) / f"{name}.log"
        self.ready = ready  # a callable that says the process is serving
        self.ready_text = ready_text  # or a line it logs once it is
        self.proc: subprocess.Popen | None = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, *, timeout: float = 30) -> "Process":
        assert not self.running, f"{self.name} is already running"
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        ready = self.ready or (lambda: self.ready_text in self._log_from(offset))
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child keeps it open
        try:
            self.proc = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log.close()
        if self.ready is not None or self.ready_text:
            try:
                wait_until(lambda: ready() or self._died(), timeout=timeout, what=self.name)
            except TimeoutError:
                self.stop()
                raise
            if not self.running:
                raise RuntimeError(f"{self.name} exited at start:\n{self.log_tail()}")
        return self

    def _log_from(self, offset: int) -> str:
        with open(self.log_path, "rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")

    def _died(self) -> bool:
        return self.proc is not None and self.proc.poll() is not None

    def _signal_group(self, sig) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)

    def stop(self, *, timeout: float = 15) -> None:
        """SIGTERM the process group, then SIGKILL what is left after `timeout`."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self._signal_group(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=timeout)
        # Children (gunicorn's workers) may outlive their parent: the group goes too.
        self._signal_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        self.proc = None

    def kill(self) -> None:
        """SIGKILL, as the kernel's OOM killer or a lost machine would: no clean shutdown."""
        if self.proc is None:
            return
        self._signal_group(signal.SIGKILL)
        self.proc.wait(timeout=10)
        # The parent's end is not the group's: a gunicorn worker still dying holds the listening
        # socket and would take (and drop) one more connection. Dead means every process gone.
        deadline = time.monotonic() + 10
        while _group_running(self.proc.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        self.proc = None

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def _group_running(group: int) -> bool:
    """Whether a process of the group is still running (a zombie, which holds no socket and
    that nobody may reap here, does not count). Linux's /proc."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 2 and fields[2] == str(group) and fields[0] != "Z":
            return True
    return False


def gunicorn(*, env: dict, log_dir: Path, name: str = "web", workers: int = 1) -> Process:
    port = free_port()
    process = Process(
        name,
        [
            str(BIN / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
        ],
        env=env,
        log_dir=log_dir,
        ready=lambda: port_open(port),
    )
    process.port = port
    return process


def collectstatic(env: dict) -> None:
    """The manifest production's static storage needs to render any page."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=180,
    )


def _run_tests_module():
    """scripts/run_tests.py, whose PostgreSQL helpers the stack reuses."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "icma_run_tests", ROOT / "scripts" / "run_tests.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class PostgresCluster:
    """A PostgreSQL cluster of the stack's own (as scripts/run_tests.py makes the suite's) that
    can be stopped and started again on the same port and data folder."""

    def __init__(self):
        import pwd
        import tempfile

        helpers = _run_tests_module()
        self.bindir = helpers.find_postgres_bin()
        if self.bindir is None:
            raise FileNotFoundError("PostgreSQL binaries (initdb, pg_ctl) are not installed")
        run_as = helpers.unprivileged_user()
        self.dir = Path(tempfile.mkdtemp(prefix="icma-stack-pg-"))
        self.prefix: list[str] = []
        if run_as:
            info = pwd.getpwnam(run_as)
            os.chown(self.dir, info.pw_uid, info.pw_gid)
            self.prefix = ["runuser", "-u", run_as, "--"]
        self.data = self.dir / "data"
        self.log_path = self.dir / "postgres.log"
        self.port = free_port()
        self.initialised = False

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _pg_ctl(self, *args: str, timeout: float = 90) -> None:
        subprocess.run(
            [*self.prefix, str(self.bindir / "pg_ctl"), "-D", str(self.data), *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=timeout,
        )

    def start(self) -> None:
        if not self.initialised:
            subprocess.run(
                [
                    *self.prefix,
                    str(self.bindir / "initdb"),
                    *("-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync"),
                    *("-E", "UTF8", "--locale=C"),
                ],
                check=True,
                stdout=subprocess.DEVNULL,
                timeout=120,
            )
            self.initialised = True
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
        )
        self._pg_ctl("-o", options, "-l", str(self.log_path), "-w", "-t", "60", "start")

    def stop(self, *, mode: str = "fast") -> None:
        """`fast` ends the open sessions, as a crash or failover does for the clients."""
        if self.data.exists() and (self.data / "postmaster.pid").exists():
            self._pg_ctl("-m", mode, "-w", "-t", "60", "stop")

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True, connect_timeout=10) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def remove(self) -> None:
        import shutil

        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self.stop(mode="immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


class RedisServer:
    """A Redis without persistence (what is queued is lost on a restart, as on a replaced
    cache node), restartable on the same port."""

    def __init__(self, *, log_dir: Path):
        import shutil

        binary = shutil.which("redis-server")
        if binary is None:
            raise FileNotFoundError("redis-server is not installed")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = Process(
            "redis",
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", str(log_dir)],
            env=dict(os.environ),
            log_dir=log_dir,
            ready=lambda: port_open(self.port),
        )

    def start(self) -> None:
        self.process.start(timeout=15)

    def stop(self) -> None:
        self.process.stop(timeout=10)


def celery_worker(*, env: dict, log_dir: Path, name: str) -> Process:
    """One Celery worker (solo pool: one task at a time) on all of the project's queues."""
    return Process(
        name,
        [
            str(BIN / "celery"),
            "-A",
            "config",
            "worker",
            "-Q",
            "celery,webhooks,mail,bulk",
            "--pool=solo",
            "--hostname",
            f"{name}@stack",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
        log_dir=log_dir,
        ready_text=f"{name}@stack ready.",
    )


def manage(*args: str, env: dict, timeout: float = 300) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def run_module(module: str, *args: str, env: dict, timeout: float = 120):
    """Run `python -m module args…` with the stack's environment; its last stdout line is
    JSON (the seeding and probing scripts)."""
    import json

    result = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{module} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def pid_with_local_port(pids: list[int], port: int) -> int | None:
    """Which of these processes holds the loopback TCP connection whose local port is `port`
    (read from /proc, as `ss -p` does)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError), open(table) as lines:
            next(lines)
            for line in lines:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(fields[9])
    for pid in pids:
        with contextlib.suppress(FileNotFoundError, PermissionError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(FileNotFoundError):
                    link = os.readlink(f"/proc/{pid}/fd/{fd}")
                    if link.startswith("socket:[") and link[8:-1] in inodes:
                        return pid
    return None
