"""The daily job with the mail server down, then up, and one of two workers killed in the
middle of a conversation with it: every due reminder and every receipt is sent exactly once,
and the day's installments, expiries and card charges ran anyway (all real processes: two
Celery workers on Redis, PostgreSQL, an SMTP server)."""

import collections
import datetime as dt
import time

import pytest

from communications.services.outbox import OUTBOX_HEADER
from tests.stack.services import pid_with_local_port, run_module, wait_until

pytestmark = [pytest.mark.stack, pytest.mark.redis, pytest.mark.postgres]

DAY = dt.date(2027, 9, 24)
REMINDED = 30


def probe(stack) -> dict:
    return run_module("tests.stack.probe_daily", env=stack.env, timeout=60)


def received_ids(smtp) -> collections.Counter:
    with smtp._lock:
        return collections.Counter(m["message"][OUTBOX_HEADER] for m in smtp.messages)


def test_mail_down_then_a_worker_killed_mid_send_every_message_goes_out_once(
    stack_factory, smtp_server
):
    smtp_server.refuse(True)  # the relay refuses everything from the start
    stack = stack_factory(
        workers=2,
        web_workers=1,
        EMAIL_URL=smtp_server.url,
        OUTBOX_RETRY_BASE_SECONDS="1",
        OUTBOX_SWEEP_AFTER_SECONDS="2",
        OUTBOX_SENDING_STALE_SECONDS="8",
        CELERY_VISIBILITY_TIMEOUT="15",
    )
    seeded = run_module(
        "tests.stack.seed_daily", DAY.isoformat(), str(REMINDED), env=stack.env, timeout=180
    )
    stack.send_task("membership.tasks.run_membership_daily", DAY.isoformat())

    def day_done():
        state = probe(stack)
        reminders = [r for r in state["reminders"] if r["key"] == "7"]
        charges = state["charges"]
        return (
            len(reminders) == REMINDED
            and state["invoices"][str(seeded["stale_invoice"])] == "expired"
            and seeded["installment"] in state["installment_notices"]
            and charges
            and charges[0]["state"] == "paid"
        )

    wait_until(day_done, timeout=180, what="the day's parts to run", interval=1)
    state = probe(stack)
    assert smtp_server.messages == []
    assert smtp_server.refused > 0
    assert not any(r["sent"] for r in state["reminders"])  # not sent while the relay refuses
    # Waiting for a retry, or in the middle of one that the relay is about to refuse.
    assert {m["state"] for m in state["messages"].values()} <= {"queued", "sending"}

    # The relay is back, but it holds one reminder's conversation at RCPT TO: the worker
    # sending it is killed there, mid-send, and the other worker carries on alone.
    stalled_to = next(
        m["to"] for m in state["messages"].values() if (m["key"] or "").startswith("reminder-")
    )
    smtp_server.stall(stalled_to)
    smtp_server.refuse(False)
    assert smtp_server.stalled.wait(timeout=120), "no worker reached the stalled recipient"
    peer_port = smtp_server.stalled_peers[0][1]
    pids = {worker.proc.pid: worker for worker in stack.workers if worker.running}
    holder = pid_with_local_port(list(pids), peer_port)
    assert holder is not None, "could not tell which worker holds the conversation"
    killed = pids[holder]
    killed.kill()
    smtp_server.stall(stalled_to, False)

    def all_sent():
        stack.send_task("communications.tasks.sweep_outbox")  # as beat does every minute
        messages = probe(stack)["messages"].values()
        return all(m["state"] == "sent" for m in messages)

    wait_until(all_sent, timeout=240, what="every message to be sent", interval=3)
    time.sleep(2)  # let any duplicate that was on its way arrive before counting

    state = probe(stack)
    counts = received_ids(smtp_server)
    duplicates = {pk: n for pk, n in counts.items() if n > 1}
    assert duplicates == {}, f"sent more than once: {duplicates}"
    assert set(counts) == set(state["messages"]), "every outbox message reached the relay"
    by_key = collections.Counter((m["key"] or "").split("-")[0] for m in state["messages"].values())
    assert by_key["reminder"] == REMINDED + 1  # the 7-day ones and the card member's grace one
    assert by_key["receipt"] >= REMINDED + 3  # the seeded cheques and the day's card charge
    assert all(r["sent"] for r in state["reminders"])
    reminder_mail = [m for m in smtp_server.messages if "ends in 7 days" in m["message"]["Subject"]]
    assert len(reminder_mail) == REMINDED
    assert len({m["to"][0] for m in reminder_mail}) == REMINDED
    assert any(m["to"] == [stalled_to] for m in smtp_server.messages)
    assert not killed.running
