import time

import pytest
import structlog

from ops.tasks import HEARTBEAT_KEY

SALARY_FORMS = ("150000", "150,000", "15000000")


def _no_personal_data(text: str, member) -> None:
    assert member.user.email not in text
    assert member.user.email.split("@")[0] not in text
    for form in SALARY_FORMS:
        assert form not in text


@pytest.mark.django_db
def test_a_member_request_is_one_json_line_with_ids_and_no_personal_data(
    member_client, member, json_logs
):
    response = member_client.get("/profile/")
    assert response.status_code == 200
    # The page itself shows the member's e-mail and salary; the logs must not.
    assert member.user.email in response.content.decode()

    finished = json_logs.events("request_finished")
    assert len(finished) == 1
    line = finished[0]
    assert line["request_id"]
    assert line["user_id"] == member.user.pk
    assert line["code"] == 200
    assert line["request"] == "GET /profile/"
    assert line["view"] == "membership:profile"
    assert isinstance(line["duration_ms"], int | float)
    assert line["level"] == "info"
    assert "ip" not in line
    # `request_started` is a DEBUG line: one line per request at INFO.
    assert json_logs.events("request_started") == []
    _no_personal_data(json_logs.text, member)


@pytest.mark.django_db
def test_query_strings_are_not_logged(client, json_logs):
    client.get("/api/dues/quote?salary=98765&population=5000")
    (line,) = json_logs.events("request_finished")
    assert line["request"] == "GET /api/dues/quote"
    assert "98765" not in json_logs.text


def test_keys_naming_personal_data_are_redacted(json_logs):
    structlog.get_logger("tests.ops").info(
        "something_happened", email="someone@example.org", salary=123456, member_id=7
    )
    (line,) = json_logs.events("something_happened")
    assert line["member_id"] == 7
    assert "someone@example.org" not in json_logs.text
    assert "123456" not in json_logs.text


def test_standard_library_lines_are_json_with_the_request_context(json_logs):
    import logging

    structlog.contextvars.bind_contextvars(request_id="abc-123")
    logging.getLogger("billing.something").warning("Stripe event %s failed", 42)
    (line,) = json_logs.events("Stripe event 42 failed")
    assert line["request_id"] == "abc-123"
    assert line["level"] == "warning"
    assert line["logger"] == "billing.something"


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)  # the worker closes this thread's connections
def test_a_task_queued_by_a_request_logs_the_same_request_id(
    member_client, member, settings, celery_workers, json_logs
):
    from django.core.cache import cache

    settings.ROOT_URLCONF = "tests.ops.urls"
    cache.delete(HEARTBEAT_KEY)
    with celery_workers(1):
        response = member_client.get("/test-only/queue-heartbeat")
        assert response.status_code == 200
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not json_logs.events("task_succeeded"):
            time.sleep(0.1)

    (request_line,) = json_logs.events("request_finished")
    request_id = request_line["request_id"]
    task_lines = [line for line in json_logs.lines() if line.get("task_id")]
    assert task_lines, json_logs.text
    events = {line["event"] for line in task_lines}
    assert {"beat_heartbeat", "task_succeeded"} <= events
    for line in task_lines:
        assert line["request_id"] == request_id
        assert line["user_id"] == member.user.pk
        assert line["task"] == "ops.tasks.beat_heartbeat"
    (succeeded,) = json_logs.events("task_succeeded")
    assert "duration_ms" in succeeded
    assert cache.get(HEARTBEAT_KEY) is not None
    _no_personal_data(json_logs.text, member)
