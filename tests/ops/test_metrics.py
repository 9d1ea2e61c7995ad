import datetime as dt

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from billing.models import EventState, StripeEvent
from communications.models import MessageState, OutgoingMessage

TOKEN = "scrape-token-for-tests"


def _scrape(client) -> dict:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            key = (sample.name, tuple(sorted(sample.labels.items())))
            samples[key] = sample.value
    return samples


def _value(samples: dict, name: str, **labels) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


@pytest.mark.django_db
def test_metrics_are_refused_without_the_token(client, token):
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 403
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.django_db
def test_without_a_token_only_listed_addresses_may_scrape(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1", "::1", "10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.2.3.4").status_code == 200
    settings.METRICS_ALLOWED_IPS = []
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


def _message(state: str, *, age_minutes: int = 0) -> OutgoingMessage:
    message = OutgoingMessage.objects.create(
        template="test",
        to="someone@example.org",
        subject="s",
        body_text="b",
        state=state,
        next_attempt_at=timezone.now(),
    )
    if age_minutes:
        OutgoingMessage.objects.filter(pk=message.pk).update(
            created_at=timezone.now() - dt.timedelta(minutes=age_minutes)
        )
    return message


def _event(n: int, state: str, *, age_minutes: int = 0) -> StripeEvent:
    event = StripeEvent.objects.create(
        stripe_id=f"evt_test_{n}", type="payment_intent.succeeded", payload={}, state=state
    )
    if age_minutes:
        StripeEvent.objects.filter(pk=event.pk).update(
            received_at=timezone.now() - dt.timedelta(minutes=age_minutes)
        )
    return event


@pytest.mark.django_db
def test_outbox_and_webhook_backlogs_are_counted(client, token, django_assert_max_num_queries):
    _message(MessageState.QUEUED, age_minutes=30)
    _message(MessageState.QUEUED)
    _message(MessageState.SENDING)
    for _ in range(3):
        _message(MessageState.FAILED)
    for _ in range(4):
        _message(MessageState.SENT, age_minutes=90)
    _event(1, EventState.RECEIVED, age_minutes=20)
    _event(2, EventState.PROCESSING)
    _event(3, EventState.PROCESSING)
    _event(4, EventState.FAILED, age_minutes=5)
    _event(5, EventState.PROCESSED, age_minutes=600)
    _event(6, EventState.FLAGGED, age_minutes=600)

    # One aggregate query per backlog, whatever the number of rows.
    with django_assert_max_num_queries(2):
        samples = _scrape(client)

    assert _value(samples, "icma_outbox_messages", state="queued") == 2
    assert _value(samples, "icma_outbox_messages", state="sending") == 1
    assert _value(samples, "icma_outbox_messages", state="failed") == 3
    age = _value(samples, "icma_outbox_oldest_queued_age_seconds")
    assert 30 * 60 <= age < 31 * 60

    assert _value(samples, "icma_stripe_events_unfinished", state="received") == 1
    assert _value(samples, "icma_stripe_events_unfinished", state="processing") == 2
    assert _value(samples, "icma_stripe_events_unfinished", state="failed") == 1
    age = _value(samples, "icma_stripe_events_oldest_unfinished_age_seconds")
    assert 20 * 60 <= age < 21 * 60
    assert _value(samples, "icma_metrics_source_up", source="database") == 1


@pytest.mark.django_db
def test_empty_backlogs_read_zero(client, token):
    samples = _scrape(client)
    assert _value(samples, "icma_outbox_messages", state="queued") == 0
    assert _value(samples, "icma_outbox_oldest_queued_age_seconds") == 0
    assert _value(samples, "icma_stripe_events_unfinished", state="received") == 0
    assert _value(samples, "icma_stripe_events_oldest_unfinished_age_seconds") == 0


@pytest.mark.redis
@pytest.mark.django_db
def test_celery_queue_lengths_come_from_the_broker(client, token, settings, redis_url):
    import redis

    settings.CELERY_BROKER_URL = redis_url
    broker = redis.Redis.from_url(redis_url)
    broker.rpush("bulk", *[f"task-{n}" for n in range(3)])
    broker.rpush("mail", "task")
    samples = _scrape(client)
    assert _value(samples, "icma_celery_queue_length", queue="bulk") == 3
    assert _value(samples, "icma_celery_queue_length", queue="mail") == 1
    assert _value(samples, "icma_celery_queue_length", queue="webhooks") == 0
    assert _value(samples, "icma_celery_queue_length", queue="celery") == 0
    assert _value(samples, "icma_metrics_source_up", source="broker") == 1


@pytest.mark.django_db
def test_an_unreachable_broker_is_reported_not_fatal(client, token, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    samples = _scrape(client)
    assert _value(samples, "icma_metrics_source_up", source="broker") == 0
    assert _value(samples, "icma_outbox_messages", state="queued") == 0


@pytest.mark.django_db
def test_request_latency_is_a_histogram_by_view_name(client, token, member):
    before = _scrape(client)
    count = "icma_http_request_duration_seconds_count"
    start = _value(before, count, view="membership:member_detail", method="GET") or 0
    client.get(f"/members/{member.member_number}/")
    client.get(f"/members/{member.member_number}/")
    client.get("/healthz")
    after = _scrape(client)
    assert _value(after, count, view="membership:member_detail", method="GET") == start + 2
    assert _value(after, count, view="ops:healthz", method="GET") >= 1
    assert (
        _value(
            after,
            "icma_http_request_duration_seconds_bucket",
            view="ops:healthz",
            method="GET",
            le="+Inf",
        )
        >= 1
    )
    # Labels are view names, never raw paths with ids in them.
    assert not any(member.member_number in str(labels) for _name, labels in after)
