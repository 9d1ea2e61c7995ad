"""Probes for load balancers and orchestrators.

- `/healthz`: the process answers. No database, no Redis: restarting a process does not cure
  a database outage, so liveness must not depend on it.
- `/readyz`: this process can serve: the database answers, every migration is applied, Redis
  and the Celery broker accept a connection. The beat heartbeat is reported; it fails
  readiness only with READYZ_REQUIRE_BEAT (beat is one process for the whole site, and a web
  node taken out of rotation does not bring it back).

Both answer without authentication and say nothing but check names and ok/failing.
"""

import logging
import threading
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

OK, FAILING, STALE, SKIPPED = "ok", "failing", "stale", "skipped"

# The migration plan is read from disk and the database: do it at most once a minute.
MIGRATIONS_CHECK_TTL = 60.0
_migrations_lock = threading.Lock()
_migrations_cache: dict = {"at": None, "pending": None}


@never_cache
@require_GET
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


def pending_migrations(alias: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The migrations that `migrate` would apply now, as `app.name` labels."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[alias])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def migrations_reset_cache() -> None:
    with _migrations_lock:
        _migrations_cache.update(at=None, pending=None)


def migrations_pending_cached() -> list[str]:
    now = time.monotonic()
    with _migrations_lock:
        at = _migrations_cache["at"]
        if at is not None and now - at < MIGRATIONS_CHECK_TTL:
            return _migrations_cache["pending"]
    pending = pending_migrations()
    with _migrations_lock:
        _migrations_cache.update(at=now, pending=pending)
    return pending


def check_database() -> str:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return OK


def check_migrations() -> str:
    return FAILING if migrations_pending_cached() else OK


def redis_urls() -> list[str]:
    """Every Redis the site relies on: the broker's and the shared cache's."""
    urls = []
    if settings.REDIS_URL:
        urls.append(settings.REDIS_URL)
    cache = settings.CACHES.get("default", {})
    if cache.get("BACKEND", "").endswith("RedisCache"):
        location = cache.get("LOCATION")
        for url in [location] if isinstance(location, str) else list(location or []):
            if url and url not in urls:
                urls.append(url)
    return urls


def check_redis() -> str:
    import redis

    urls = redis_urls()
    if not urls:
        return SKIPPED  # development: no Redis configured, tasks run in-process
    timeout = getattr(settings, "READYZ_TIMEOUT_SECONDS", 2)
    for url in urls:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        try:
            client.ping()
        finally:
            client.close()
    return OK


def check_broker() -> str:
    """The broker takes a connection and opens a channel (for Redis, a PING): what publishing
    a task needs first."""
    from config.celery import app

    if app.conf.task_always_eager:
        return SKIPPED
    timeout = getattr(settings, "READYZ_TIMEOUT_SECONDS", 2)
    with app.connection_for_write() as connection:
        connection.ensure_connection(
            max_retries=1, interval_start=0, interval_step=0.2, timeout=timeout
        )
        connection.default_channel  # noqa: B018 - opening the channel is the check
    return OK


def check_beat() -> str:
    from ops.tasks import beat_last_seen

    seen = beat_last_seen()
    minutes = getattr(settings, "BEAT_STALE_MINUTES", 5)
    if seen is None or time.time() - seen > minutes * 60:
        return STALE
    return OK


CHECKS = {
    "database": check_database,
    "migrations": check_migrations,
    "redis": check_redis,
    "broker": check_broker,
    "beat": check_beat,
}
# Failures of these make /readyz answer 503; the others are reported only.
REQUIRED = ("database", "migrations", "redis", "broker")


def readiness() -> tuple[bool, dict[str, str]]:
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        if name == "migrations" and results.get("database") != OK:
            results[name] = FAILING  # cannot be known without the database
            continue
        try:
            results[name] = check()
        except Exception as error:  # noqa: BLE001 - any failure of a dependency means not ready
            logger.warning("readiness check %s failed: %s", name, type(error).__name__)
            results[name] = FAILING
    required = list(REQUIRED)
    if getattr(settings, "READYZ_REQUIRE_BEAT", False):
        required.append("beat")
    ready = all(results[name] in (OK, SKIPPED) for name in required)
    return ready, results


@never_cache
@require_GET
def readyz(request):
    ready, results = readiness()
    response = JsonResponse(
        {"status": OK if ready else FAILING, "checks": results}, status=200 if ready else 503
    )
    # The request line says 503 already; Django's "Service Unavailable" error line at every
    # probe would only repeat it.
    response._has_been_logged = True
    return response
