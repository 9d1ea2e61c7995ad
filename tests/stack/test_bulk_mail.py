"""A bulk send to 20,000 members with a real Celery worker, PostgreSQL, Redis and an SMTP
server: the worker is killed with SIGKILL in the middle of the send and started again, and
still every member gets exactly one copy, unsubscribed members none, and the campaign page
reaches 100 %."""

import collections
import time

import pytest

from tests.stack.services import run_module, wait_until

pytestmark = [pytest.mark.stack, pytest.mark.redis, pytest.mark.postgres]

MEMBERS = 20_000
UNSUBSCRIBED = 200


def test_bulk_send_to_20000_members_survives_a_killed_worker_and_sends_each_once(
    stack_factory, smtp_server
):
    began = time.monotonic()
    stack = stack_factory(
        workers=1,
        web_workers=1,
        EMAIL_URL=smtp_server.url,
        OUTBOX_SWEEP_AFTER_SECONDS="2",
        OUTBOX_SENDING_STALE_SECONDS="5",
        CELERY_VISIBILITY_TIMEOUT="10",
        CAMPAIGN_STALE_SECONDS="8",
    )
    # The relay holds the conversation to one member well into the send: the worker is
    # killed there, with the rest of its chunk claimed and the rest of the segment unwritten.
    stalled_to = "bulk2222@example.org"
    smtp_server.stall(stalled_to)
    seeded = run_module(
        "tests.stack.seed_bulk",
        str(MEMBERS),
        str(UNSUBSCRIBED),
        "100000",
        env=stack.env,
        timeout=180,
    )
    assert seeded["total"] == MEMBERS - UNSUBSCRIBED
    assert smtp_server.stalled.wait(timeout=120), "the send never reached the stalled member"
    (worker,) = stack.workers
    before_kill = len(smtp_server.messages)
    worker.kill()  # SIGKILL, mid-send
    assert 0 < before_kill < MEMBERS - UNSUBSCRIBED
    print(f"killed after {before_kill} messages, {time.monotonic() - began:.0f} s", flush=True)
    smtp_server.stall(stalled_to, False)
    worker.start(timeout=60)

    def finished():
        stack.send_task("communications.tasks.sweep_outbox")  # as beat does every minute
        state = run_module("tests.stack.probe_bulk", str(seeded["campaign"]), env=stack.env)
        print("progress", state["progress"], "received", len(smtp_server.messages), flush=True)
        return state if state["progress"]["finished"] else None

    wait_until(finished, timeout=420, what="the campaign to finish", interval=3)
    time.sleep(1)  # a duplicate on its way would arrive now
    state = run_module("tests.stack.probe_bulk", str(seeded["campaign"]), env=stack.env)

    with smtp_server._lock:
        received = collections.Counter(m["to"][0] for m in smtp_server.messages)
        sample = next(m["message"] for m in smtp_server.messages if m["to"] == [stalled_to])
    duplicates = {to: n for to, n in received.items() if n > 1}
    assert duplicates == {}, f"sent more than once: {list(duplicates.items())[:5]}"
    expected = set(seeded["emails"]) - set(seeded["unsubscribed"])
    assert set(received) == expected
    assert not set(received) & set(seeded["unsubscribed"])
    assert state["progress"] | {"state": None} == {
        "state": None,
        "state_label": "Finished",  # as the page says it, translated
        "sent": len(expected),
        "failed": 0,
        "pending": 0,
        "total": len(expected),
        "percent": 100,
        "finished": True,
    }
    assert state["page_status"] == 200 and state["page_percent"] == 100
    assert sample["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/unsubscribe/" in sample["List-Unsubscribe"]
    print(f"bulk send of {len(expected)} with a killed worker: {time.monotonic() - began:.0f} s")
