"""Prometheus metrics at /metrics.

- Request latency: a histogram by resolved view name (`membership:profile`, never the raw
  path, so ids do not make new series) and method, and responses by view and status.
- At scrape time, in three round trips whatever the number of rows: Celery queue lengths
  (LLEN of each queue in CELERY_QUEUE_NAMES on the broker's Redis, one pipeline), the outbox
  backlog and the Stripe events not finished yet (one aggregate query each).

Without PROMETHEUS_MULTIPROC_DIR each gunicorn worker keeps its own request histogram and a
scrape sees the one worker that answered it. With PROMETHEUS_MULTIPROC_DIR set (an empty
folder, emptied at each start, the same for every worker of the node), prometheus-client's
multiprocess mode adds up all the workers of the node. The scrape-time gauges are the same
whichever worker answers.

Access: with METRICS_TOKEN set, `Authorization: Bearer <token>` is required; without it, only
clients whose address is in METRICS_ALLOWED_IPS (addresses or networks) are answered.
"""

import hmac
import ipaddress
import os
import time

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

from ops.middleware import view_name

# `_created` series double the output and no dashboard of ours reads them.
disable_created_metrics()

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUEST_LATENCY = Histogram(
    "icma_http_request_duration_seconds",
    "Time to answer a request, by resolved view name.",
    ["view", "method"],
    buckets=LATENCY_BUCKETS,
)
RESPONSES = Counter(
    "icma_http_responses",
    "Responses by resolved view name and status code.",
    ["view", "status"],
)


class RequestMetricsMiddleware:
    """First in MIDDLEWARE, so the time includes every other middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        view = view_name(request)
        REQUEST_LATENCY.labels(view=view, method=_method(request.method)).observe(
            time.perf_counter() - started
        )
        RESPONSES.labels(view=view, status=str(response.status_code)).inc()
        return response


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _method(method: str | None) -> str:
    return method if method in _METHODS else "other"  # a client's method is not a label value


# --- Scrape-time gauges ---


def _age_seconds(oldest, now) -> float:
    return max((now - oldest).total_seconds(), 0.0) if oldest else 0.0


def _queue_lengths(broker_url: str, queues: list[str]) -> dict[str, int]:
    import redis

    client = redis.Redis.from_url(broker_url, socket_connect_timeout=2, socket_timeout=2)
    try:
        pipe = client.pipeline(transaction=False)
        for queue in queues:
            pipe.llen(queue)
        return dict(zip(queues, (int(n) for n in pipe.execute()), strict=True))
    finally:
        client.close()


def outbox_backlog() -> dict:
    """Messages not sent yet, by state, and the oldest queued one's creation: one query."""
    from django.db.models import Count, Min

    from communications.models import MessageState, OutgoingMessage

    states = (MessageState.QUEUED, MessageState.SENDING, MessageState.FAILED)
    rows = (
        OutgoingMessage.objects.filter(state__in=states)
        .order_by()
        .values("state")
        .annotate(n=Count("pk"), oldest=Min("created_at"))
    )
    by_state = {str(s): {"n": 0, "oldest": None} for s in states}
    for row in rows:
        by_state[row["state"]] = {"n": row["n"], "oldest": row["oldest"]}
    return by_state


def stripe_events_backlog() -> dict:
    """Events received but not finished, by state, with the oldest of each: one query."""
    from django.db.models import Count, Min

    from billing.models import EventState, StripeEvent

    states = (EventState.RECEIVED, EventState.PROCESSING, EventState.FAILED)
    rows = (
        StripeEvent.objects.filter(state__in=states)
        .order_by()
        .values("state")
        .annotate(n=Count("pk"), oldest=Min("received_at"))
    )
    by_state = {str(s): {"n": 0, "oldest": None} for s in states}
    for row in rows:
        by_state[row["state"]] = {"n": row["n"], "oldest": row["oldest"]}
    return by_state


class BacklogCollector:
    """Computed at each scrape; a source that cannot be reached reports `up 0` and no value
    rather than failing the whole scrape."""

    def describe(self):
        return []  # registering must not query anything

    def collect(self):
        up = GaugeMetricFamily(
            "icma_metrics_source_up",
            "Whether a source of the scrape-time gauges answered (1) or not (0).",
            labels=["source"],
        )
        now = timezone.now()
        try:
            outbox = outbox_backlog()
            events = stripe_events_backlog()
        except Exception:  # noqa: BLE001 - the scrape reports the database as down instead
            up.add_metric(["database"], 0)
        else:
            up.add_metric(["database"], 1)
            yield from self._outbox(outbox, now)
            yield from self._events(events, now)
        broker_url = settings.CELERY_BROKER_URL
        if broker_url.startswith(("redis://", "rediss://", "unix://")):
            try:
                lengths = _queue_lengths(broker_url, list(settings.CELERY_QUEUE_NAMES))
            except Exception:  # noqa: BLE001
                up.add_metric(["broker"], 0)
            else:
                up.add_metric(["broker"], 1)
                depth = GaugeMetricFamily(
                    "icma_celery_queue_length",
                    "Tasks waiting in each Celery queue on the broker (LLEN).",
                    labels=["queue"],
                )
                for queue, n in lengths.items():
                    depth.add_metric([queue], n)
                yield depth
        yield up

    @staticmethod
    def _outbox(outbox: dict, now):
        messages = GaugeMetricFamily(
            "icma_outbox_messages",
            "Outbox messages not sent: queued, sending, failed (given up).",
            labels=["state"],
        )
        for state, row in outbox.items():
            messages.add_metric([state], row["n"])
        yield messages
        yield GaugeMetricFamily(
            "icma_outbox_oldest_queued_age_seconds",
            "Age of the oldest queued outbox message (0 when none is queued).",
            value=_age_seconds(outbox["queued"]["oldest"], now),
        )

    @staticmethod
    def _events(events: dict, now):
        unfinished = GaugeMetricFamily(
            "icma_stripe_events_unfinished",
            "Stripe webhook events not processed yet: received, processing, failed (to retry).",
            labels=["state"],
        )
        for state, row in events.items():
            unfinished.add_metric([state], row["n"])
        yield unfinished
        oldest = [row["oldest"] for row in events.values() if row["oldest"]]
        yield GaugeMetricFamily(
            "icma_stripe_events_oldest_unfinished_age_seconds",
            "Age of the oldest Stripe event not processed yet (0 when there is none).",
            value=_age_seconds(min(oldest) if oldest else None, now),
        )


class _Forward:
    """Exposes another registry's metrics in the per-scrape registry."""

    def __init__(self, registry):
        self.registry = registry

    def describe(self):
        return []

    def collect(self):
        return self.registry.collect()


def multiprocess_mode() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def scrape_registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if multiprocess_mode():
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Forward(REGISTRY))
    registry.register(BacklogCollector())
    return registry


# --- Access ---


def _client_allowed(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in getattr(settings, "METRICS_ALLOWED_IPS", []):
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def metrics_authorized(request) -> bool:
    token = getattr(settings, "METRICS_TOKEN", "")
    if token:
        header = request.headers.get("Authorization", "")
        scheme, _, given = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), token.encode()
        )
    return _client_allowed(request.META.get("REMOTE_ADDR", ""))


@never_cache
@require_GET
def metrics_view(request):
    if not metrics_authorized(request):
        return HttpResponseForbidden("forbidden", content_type="text/plain")
    return HttpResponse(generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST)
