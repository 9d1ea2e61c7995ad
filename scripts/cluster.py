"""`make cluster`: the portal as it runs in production, on this machine's loopback.

Starts a throw-away PostgreSQL (migrated, with the demo accounts) and Redis, two gunicorn nodes
with production settings behind HAProxy (round-robin, health checks on /healthz), two Celery
workers on the named queues and one beat. Prints the URL and the demo accounts, and stops
everything on Ctrl-C or SIGTERM. Logs and HAProxy's configuration are under ./.cluster/.

    .venv/bin/python scripts/cluster.py [--port 8080] [--web-workers 2]

Plain HTTP on loopback only: SECURE_SSL_REDIRECT and the Secure cookie flags are off, and
ALLOWED_HOSTS is 127.0.0.1 and localhost. Everything else is config.settings.production.
"""

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.stack.services import (  # noqa: E402
    BIN,
    PostgresCluster,
    Process,
    RedisServer,
    celery_worker,
    collectstatic,
    free_port,
    gunicorn,
    manage,
    port_open,
    production_env,
)

HEALTH_PATH = os.environ.get("CLUSTER_HEALTH_PATH", "/healthz")


def haproxy_config(*, port: int, nodes: list, socket_path: Path, health_path: str) -> str:
    servers = "\n".join(f"    server {node.name} 127.0.0.1:{node.port} check" for node in nodes)
    return f"""\
global
    maxconn 4096
    stats socket {socket_path} mode 600 level admin
    log stdout format raw local0 info

defaults
    mode http
    log global
    option httplog
    option dontlognull
    option http-server-close
    option forwardfor
    # A node that refuses the connection (stopped, killed) is skipped for the next one.
    retries 3
    option redispatch
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout http-request 10s
    # A node busy with slow requests (a sync worker hashing a password) is not dead.
    timeout check 5s

frontend portal
    bind 127.0.0.1:{port}
    default_backend web

backend web
    balance roundrobin
    option httpchk
    http-check send meth GET uri {health_path} ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
    default-server inter 1s fall 3 rise 2
{servers}
"""


class Cluster:
    """The processes of one local cluster; `start()` brings them up, `stop()` takes them down
    (safe to call twice, and after a failed start)."""

    def __init__(
        self,
        root: Path,
        *,
        port: int = 8080,
        nodes: int = 2,
        workers: int = 2,
        web_workers: int = 2,
        extra_env: dict | None = None,
        health_path: str = HEALTH_PATH,
        demo: bool = True,
    ):
        self.root = Path(root)
        self.port = port or free_port()
        self.node_count = nodes
        self.worker_count = workers
        self.web_workers = web_workers
        self.extra_env = extra_env or {}
        self.health_path = health_path
        self.demo = demo
        self.postgres: PostgresCluster | None = None
        self.redis: RedisServer | None = None
        self.nodes: list[Process] = []
        self.workers: list[Process] = []
        self.beat: Process | None = None
        self.haproxy: Process | None = None
        self.env: dict = {}
        self.demo_accounts = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def socket_path(self) -> Path:
        return self.root / "haproxy.sock"

    def start(self) -> "Cluster":
        if self.root.exists():
            shutil.rmtree(self.root)
        self.root.mkdir(parents=True)
        self.postgres = PostgresCluster()
        self.postgres.start()
        self.redis = RedisServer(log_dir=self.root)
        self.redis.start()
        settings = {
            "DATABASE_URL": self.postgres.create_database("icma_cluster"),
            "REDIS_URL": self.redis.url,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": self.url,
            "CSRF_TRUSTED_ORIGINS": f"{self.url},http://localhost:{self.port}",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "DATABASE_CONN_MAX_AGE": "60",
            "EMAIL_URL": "console://",
            "LOG_LEVEL": "INFO",
        }
        self.env = production_env(**{**settings, **self.extra_env})
        # What a platform's release phase runs (the Procfile's `release:`), then the demo.
        manage("migrate", "--noinput", env=self.env)
        collectstatic(self.env)
        if self.demo:
            self.demo_accounts = manage("load_demo", env=self.env)
        for n in range(1, self.node_count + 1):
            node = gunicorn(
                env={**self.env, "NODE_NAME": f"web{n}"},
                log_dir=self.root,
                name=f"web{n}",
                workers=self.web_workers,
            )
            self.nodes.append(node)
            node.start(timeout=60)
        for n in range(1, self.worker_count + 1):
            worker = celery_worker(env=self.env, log_dir=self.root, name=f"worker{n}")
            self.workers.append(worker)
            worker.start(timeout=60)
        self.beat = Process(
            "beat",
            [
                str(BIN / "celery"),
                *("-A", "config", "beat", "--loglevel=INFO"),
                *("--schedule", str(self.root / "celerybeat-schedule")),
            ],
            env=self.env,
            log_dir=self.root,
            ready_text="beat: Starting",
        )
        self.beat.start(timeout=60)
        config = self.root / "haproxy.cfg"
        config.write_text(
            haproxy_config(
                port=self.port,
                nodes=self.nodes,
                socket_path=self.socket_path,
                health_path=self.health_path,
            )
        )
        haproxy = shutil.which("haproxy")
        if haproxy is None:
            raise FileNotFoundError("haproxy is not installed (Debian: apt-get install haproxy)")
        self.haproxy = Process(
            "haproxy",
            [haproxy, "-f", str(config), "-db"],
            env=dict(os.environ),
            log_dir=self.root,
            ready=lambda: port_open(self.port),
        )
        self.haproxy.start(timeout=20)
        self.wait_for_servers_up(len(self.nodes))
        return self

    def haproxy_command(self, command: str) -> str:
        """Send one command to HAProxy's admin socket (e.g. `disable server web/web2`)."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(5)
            conn.connect(str(self.socket_path))
            conn.sendall(command.encode() + b"\n")
            chunks = []
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def server_states(self) -> dict[str, str]:
        """HAProxy's view of each web node: UP, DOWN, MAINT, …"""
        states = {}
        lines = self.haproxy_command("show stat").splitlines()
        header = lines[0].lstrip("# ").split(",")
        for line in lines[1:]:
            row = dict(zip(header, line.split(","), strict=False))
            if row.get("pxname") == "web" and row.get("svname") not in ("FRONTEND", "BACKEND"):
                states[row["svname"]] = row.get("status", "")
        return states

    def wait_for_servers_up(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            states = self.server_states()
            if sum(1 for state in states.values() if state.startswith("UP")) >= count:
                return
            time.sleep(0.3)
        raise TimeoutError(f"HAProxy does not see {count} web node(s) up: {self.server_states()}")

    def processes(self) -> list[Process]:
        return [p for p in [self.haproxy, *self.nodes, self.beat, *self.workers] if p is not None]

    def log_files(self) -> list[Path]:
        return sorted(self.root.glob("*.log"))

    def stop(self) -> None:
        for process in self.processes():
            with contextlib.suppress(Exception):
                process.stop(timeout=10)
        if self.redis is not None:
            with contextlib.suppress(Exception):
                self.redis.stop()
        if self.postgres is not None:
            with contextlib.suppress(Exception):
                self.postgres.remove()

    def describe(self) -> dict:
        return {
            "url": self.url,
            "nodes": {node.name: node.port for node in self.nodes},
            "database_url": self.env.get("DATABASE_URL"),
            "redis_url": self.env.get("REDIS_URL"),
            "logs": str(self.root),
        }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("CLUSTER_PORT", "8080")))
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers per node")
    parser.add_argument("--dir", default=str(ROOT / ".cluster"), help="logs and configuration")
    args = parser.parse_args(argv)

    def terminate(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    cluster = Cluster(Path(args.dir), port=args.port, web_workers=args.web_workers)
    try:
        print("Starting PostgreSQL, Redis, 2 web nodes, 2 workers, beat and HAProxy…", flush=True)
        cluster.start()
        print(cluster.demo_accounts.rstrip())
        print(
            f"\nThe portal is on {cluster.url} (HAProxy → "
            + ", ".join(f"{n.name} :{n.port}" for n in cluster.nodes)
            + f"; health checks on {cluster.health_path}).\n"
            "Staff set up TOTP at their first sign-in (production keeps STAFF_REQUIRE_2FA on).\n"
            f"E-mails are printed in the workers' logs; every log is in {cluster.root}/.\n"
            f"{json.dumps(cluster.describe())}\n"
            "Ctrl-C stops everything.",
            flush=True,
        )
        while True:
            time.sleep(1)
            for process in cluster.processes():
                if not process.running:
                    print(f"{process.name} has stopped:\n{process.log_tail(20)}", flush=True)
                    raise KeyboardInterrupt
    except KeyboardInterrupt:
        print("\nStopping…", flush=True)
        return 0
    except (FileNotFoundError, RuntimeError, TimeoutError, subprocess.SubprocessError) as error:
        print(f"The cluster could not start: {error}", file=sys.stderr)
        return 1
    finally:
        with contextlib.suppress(KeyboardInterrupt):
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            cluster.stop()
            print("Stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
