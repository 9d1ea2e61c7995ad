import os
from pathlib import Path
from types import SimpleNamespace

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOT_DIR = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/icma-screens"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def service_missing(what: str):
    """A missing service fails the test in CI and skips it elsewhere."""
    message = f"{what} is not available"
    if IN_CI:
        pytest.fail(f"{message}, and CI=true requires it.")
    pytest.skip(message)


@pytest.fixture
def redis_url():
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        service_missing("Redis (TEST_REDIS_URL)")
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.RedisError:
        service_missing(f"Redis at {url}")
    client.flushdb()
    return url


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM_PATH).exists():
        service_missing(f"Chromium ({CHROMIUM_PATH})")
    # Playwright's sync API keeps an event loop in this thread; Django's ORM must still work.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    """`screenshot("name")` saves a full-page PNG under SCREENSHOT_DIR for a person to look at."""

    def take(name: str):
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"), full_page=True)

    return take


@pytest.fixture
def member(db):
    from tests.factories import MemberFactory

    return MemberFactory()


@pytest.fixture
def member_client(client, member):
    client.force_login(member.user)
    return client


@pytest.fixture
def membership_staff(db):
    from tests.factories import staff_user

    return staff_user(groups=["Membership staff"])


@pytest.fixture
def international_staff(db):
    from tests.factories import staff_user

    return staff_user(groups=["International programs staff"])


@pytest.fixture
def staff_client(client, membership_staff):
    client.force_login(membership_staff)
    return client


@pytest.fixture
def celery_workers(redis_url, settings):
    """`with celery_workers(2): ...` runs that many real Celery workers (threads in this
    process) consuming from the test Redis, with eager mode off until the block ends."""
    from contextlib import ExitStack, contextmanager

    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    @contextmanager
    def running(count: int = 1):
        saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}
        app.conf.broker_url = redis_url
        app.conf.task_always_eager = False
        settings.CELERY_TASK_ALWAYS_EAGER = False
        try:
            with ExitStack() as stack:
                for n in range(count):
                    stack.enter_context(
                        start_worker(
                            app,
                            pool="solo",
                            perform_ping_check=False,
                            hostname=f"worker{n}@test",
                            queues=settings.CELERY_QUEUE_NAMES,
                            loglevel="WARNING",
                        )
                    )
                yield app
        finally:
            app.conf.update(saved)
            # Even eager calls borrow a producer from a pool, and the stopped workers closed
            # theirs: let the app make fresh pools for the memory broker.
            from kombu import pools

            pools.reset()
            app._pool = None
            app.amqp._producer_pool = None

    return running


PROJECT_APPS = ("membership", "billing", "experts")


def reseed_reference_data():
    """Run the project's data migrations again (they are idempotent): a transactional test
    starts from a flushed database, without the categories, schedule and lists they seed."""
    from django.apps import apps
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import RunPython

    loader = MigrationLoader(connection)
    plan: list = []
    for leaf in loader.graph.leaf_nodes():
        if leaf[0] in PROJECT_APPS:
            plan += [k for k in loader.graph.forwards_plan(leaf) if k not in plan]
    # Schema steps written as RunPython (indexes, triggers) pick their SQL by the database
    # vendor and are not idempotent: an unknown vendor makes them do nothing; data steps run.
    data_only = SimpleNamespace(connection=SimpleNamespace(vendor="reseed", alias="default"))
    for key in plan:
        if key[0] not in PROJECT_APPS:
            continue
        for operation in loader.graph.nodes[key].operations:
            if isinstance(operation, RunPython):
                operation.code(apps, data_only)


@pytest.fixture(autouse=True)
def _reference_data_in_transactional_tests(request):
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("live_server", "transactional_db")
    )
    if transactional:
        request.getfixturevalue("transactional_db")
        reseed_reference_data()
