"""The beat heartbeat: beat queues this every minute, a worker writes the time in the cache,
and /readyz reports `beat: stale` when it is older than BEAT_STALE_MINUTES."""

import time

import structlog
from celery import shared_task
from django.core.cache import cache

HEARTBEAT_KEY = "ops:beat-heartbeat"

logger = structlog.get_logger(__name__)


@shared_task(ignore_result=True)
def beat_heartbeat() -> float:
    now = time.time()
    # No expiry: an old value is what tells readiness that beat (or every worker) stopped.
    cache.set(HEARTBEAT_KEY, now, timeout=None)
    logger.info("beat_heartbeat", at=round(now, 3))
    return now


def beat_last_seen() -> float | None:
    value = cache.get(HEARTBEAT_KEY)
    return float(value) if value is not None else None
