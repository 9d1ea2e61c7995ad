import json

import pytest
import time_machine

from config.celery import app
from ops import health
from ops.tasks import beat_heartbeat

ALLOWED_VALUES = {"ok", "failing", "stale", "skipped"}


def _body(response) -> dict:
    return json.loads(response.content)


def test_healthz_answers_ok_without_touching_the_database(client):
    # No `db` fixture: any query would raise "Database access not allowed".
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_readyz_is_ready_when_everything_answers(client):
    beat_heartbeat()
    response = client.get("/readyz")
    assert response.status_code == 200
    body = _body(response)
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["migrations"] == "ok"
    assert body["checks"]["beat"] == "ok"
    # The test settings have no Redis and run tasks eagerly.
    assert body["checks"]["redis"] in ("ok", "skipped")
    assert body["checks"]["broker"] in ("ok", "skipped")


@pytest.mark.django_db
def test_readyz_fails_naming_redis_when_redis_is_unreachable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/readyz")
    assert response.status_code == 503
    body = _body(response)
    assert body["status"] == "failing"
    assert body["checks"]["redis"] == "failing"
    assert body["checks"]["database"] == "ok"


@pytest.mark.django_db
def test_readyz_fails_naming_the_broker_when_it_refuses_connections(client, settings):
    # The Celery app reads these from Django's settings.
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    assert app.conf.broker_url == settings.CELERY_BROKER_URL
    response = client.get("/readyz")
    assert response.status_code == 503
    assert _body(response)["checks"]["broker"] == "failing"


@pytest.mark.django_db
def test_readyz_checks_the_broker_when_it_answers(client, settings, redis_url):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = redis_url
    response = client.get("/readyz")
    assert _body(response)["checks"]["broker"] == "ok"


@pytest.mark.django_db
def test_readyz_fails_naming_migrations_when_one_is_unapplied(client, monkeypatch):
    monkeypatch.setattr(health, "pending_migrations", lambda: ["membership.9999_not_applied"])
    response = client.get("/readyz")
    assert response.status_code == 503
    body = _body(response)
    assert body["checks"]["migrations"] == "failing"
    # The migration's name is not published either.
    assert "9999" not in response.content.decode()


@pytest.mark.django_db
def test_the_migration_plan_is_read_once_a_minute(monkeypatch):
    calls = []

    def counting():
        calls.append(1)
        return []

    monkeypatch.setattr(health, "pending_migrations", counting)
    with time_machine.travel("2026-05-01 12:00:00Z", tick=False) as traveller:
        health.readiness()
        health.readiness()
        assert len(calls) == 1
        traveller.shift(61)
        health.readiness()
        assert len(calls) == 2


@pytest.mark.django_db
def test_the_real_migration_plan_of_the_test_database_is_empty():
    assert health.pending_migrations() == []


@pytest.mark.django_db
def test_beat_is_reported_stale_after_the_configured_minutes(client, settings):
    settings.BEAT_STALE_MINUTES = 5
    with time_machine.travel("2026-05-01 12:00:00Z", tick=False) as traveller:
        beat_heartbeat()
        traveller.shift(4 * 60)
        assert _body(client.get("/readyz"))["checks"]["beat"] == "ok"
        traveller.shift(2 * 60)
        response = client.get("/readyz")
        assert _body(response)["checks"]["beat"] == "stale"
        # Reported, but not a reason to take this web node out of rotation by default.
        assert response.status_code == 200
        settings.READYZ_REQUIRE_BEAT = True
        assert client.get("/readyz").status_code == 503


@pytest.mark.django_db
def test_beat_never_seen_is_stale(client):
    assert _body(client.get("/readyz"))["checks"]["beat"] == "stale"


@pytest.mark.django_db
def test_readyz_says_nothing_but_check_names_and_states(client, member, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    for response in (client.get("/readyz"), client.get("/healthz")):
        text = response.content.decode()
        assert member.user.email not in text
        assert "127.0.0.1" not in text
        assert "redis://" not in text
    body = _body(client.get("/readyz"))
    assert set(body) == {"status", "checks"}
    assert set(body["checks"]) == {"database", "migrations", "redis", "broker", "beat"}
    assert set(body["checks"].values()) <= ALLOWED_VALUES


@pytest.mark.django_db
def test_probes_need_no_sign_in_and_are_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code in (200, 503)
    # Every other page still goes to HTTPS.
    assert client.get("/profile/").status_code == 301
