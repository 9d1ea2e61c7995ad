"""Fixtures that start the project's own processes on loopback ports, separate from the suite's
shared PostgreSQL and Redis: a restartable PostgreSQL and Redis, gunicorn, Celery workers and a
fake Stripe API. Everything is stopped and every folder removed on teardown, even on failure."""

import shutil
import tempfile
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.billing.stripe_support import WEBHOOK_SECRET
from tests.conftest import service_missing
from tests.stack.fake_stripe import FakeStripe
from tests.stack.services import (
    PostgresCluster,
    RedisServer,
    celery_worker,
    collectstatic,
    gunicorn,
    manage,
    production_env,
    run_module,
)


@pytest.fixture(scope="session")
def static_manifest():
    """Production's static storage needs the collected manifest to render any page."""
    collectstatic(production_env(REDIS_URL="redis://127.0.0.1:1/0"))


class Stack:
    """The services of one test, and what the test can do to them."""

    def __init__(self, *, root: Path, postgres, redis, fake_stripe, env):
        self.root = root
        self.postgres: PostgresCluster = postgres
        self.redis: RedisServer = redis
        self.fake_stripe: FakeStripe = fake_stripe
        self.env: dict = env
        self.web = None
        self.workers: list = []

    def seed(self, *, pending: int, paid: int) -> dict:
        return run_module("tests.stack.seed", str(pending), str(paid), env=self.env)

    def probe(self) -> dict:
        return run_module("tests.stack.probe", env=self.env, timeout=60)

    def send_task(self, name: str, *args, queue: str | None = None) -> None:
        """Send a task by name through the stack's Redis, as beat would."""
        from celery import Celery

        app = Celery("stack-test", broker=self.redis.url, set_as_current=False)
        try:
            app.send_task(name, args=args, retry=False, queue=queue)
        finally:
            app.close()

    def logs(self) -> str:
        parts = []
        for process in [self.web, *self.workers]:
            if process is not None:
                parts.append(f"--- {process.name} ---\n{process.log_tail(25)}")
        return "\n".join(parts)


@pytest.fixture
def stack_factory(static_manifest):
    """`stack_factory(workers=2, **env)` starts a full stack and returns a `Stack`."""
    for binary in ("redis-server", "runuser"):
        if shutil.which(binary) is None:
            service_missing(binary)
    with ExitStack() as cleanup:
        root = Path(tempfile.mkdtemp(prefix="icma-stack-"))
        cleanup.callback(shutil.rmtree, root, True)

        def start(*, workers: int = 2, web_workers: int = 2, stripe_latency=0.0, **extra_env):
            try:
                postgres = PostgresCluster()
            except FileNotFoundError as error:
                service_missing(str(error))
            cleanup.callback(postgres.remove)
            postgres.start()
            redis = RedisServer(log_dir=root)
            cleanup.callback(redis.stop)
            redis.start()
            fake = cleanup.enter_context(FakeStripe(latency=stripe_latency))
            env = production_env(
                **{
                    "DATABASE_URL": postgres.create_database("icma_stack"),
                    "REDIS_URL": redis.url,
                    "STRIPE_SECRET_KEY": "sk_test_stack",
                    "STRIPE_PUBLISHABLE_KEY": "pk_test_stack",
                    "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
                    "STRIPE_API_BASE": fake.url,
                    "EMAIL_URL": "console://",
                    **extra_env,
                }
            )
            manage("migrate", "--noinput", env=env)
            stack = Stack(root=root, postgres=postgres, redis=redis, fake_stripe=fake, env=env)
            stack.web = gunicorn(env=env, log_dir=root, workers=web_workers)
            cleanup.callback(stack.web.stop)
            stack.web.start(timeout=60)
            for n in range(workers):
                worker = celery_worker(env=env, log_dir=root, name=f"worker{n}")
                cleanup.callback(worker.stop)
                stack.workers.append(worker)
                worker.start(timeout=60)
            return stack

        yield start


@pytest.fixture
def smtp_server():
    """A loopback SMTP server (`.url` for EMAIL_URL) that a test can switch to 421 and back."""
    from tests.stack.smtp import SmtpServer

    with SmtpServer() as server:
        yield server
