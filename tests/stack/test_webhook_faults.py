"""A storm of Stripe webhooks while the services under the portal fail (acceptance 2).

Members pay by card while Redis restarts, PostgreSQL restarts and later stays down for 15
seconds, and a Celery worker is killed and started again. Stripe redelivers every webhook not
answered 2xx. Once the faults end and the sweep has run, every payment must have been applied
exactly once and every event must have reached a final state."""

import random
import threading
import time
from types import SimpleNamespace

import pytest

from tests.billing.stripe_support import event_for, paid_session, refunded_charge, stripe_object
from tests.stack.webhooks import WebhookSender

pytestmark = [pytest.mark.stack, pytest.mark.redis, pytest.mark.postgres]

PAYING = 20
ALREADY_PAID = 4
EXPIRING = 4
DUPLICATE_SHARE = 0.3
STREAM_SECONDS = 50
CONVERGE_SECONDS = 75
# Deliveries keep flowing around the kill at 12 s, so a worker dies holding a task.
KILL_PAUSE = (10.0, 0.0)  # no quiet time: the kill lands mid-task
SWEEP = "billing.tasks.stripe_events_sweep"
FINAL_STATES = {"processed", "ignored", "flagged"}
# A request this close to a PostgreSQL outage may still have met it.
OUTAGE_MARGIN_SECONDS = (0.5, 2.0)


def as_payment(row: dict) -> SimpleNamespace:
    """What the payload builders read from a payment, from the seeding script's description."""
    invoice = SimpleNamespace(
        pk=row["invoice_id"], number=row["invoice_number"], member_id=row["member_id"]
    )
    return SimpleNamespace(
        pk=row["payment_id"],
        amount_cents=row["amount_cents"],
        gateway_ids=row["gateway_ids"],
        invoice=invoice,
    )


def expired_session(payment) -> dict:
    return stripe_object(
        "checkout.session",
        id=payment.gateway_ids["checkout_session"],
        mode="payment",
        status="expired",
        payment_status="unpaid",
        payment_intent=None,
        metadata={
            "payment_id": str(payment.pk),
            "invoice_id": str(payment.invoice.pk),
            "invoice_number": payment.invoice.number,
            "member_id": str(payment.invoice.member_id),
        },
    )


class Faults:
    """Runs the fault timeline in a thread and remembers when PostgreSQL was down."""

    def __init__(self, stack, started_at: float):
        self.stack = stack
        self.started_at = started_at
        self.postgres_down: list[tuple[float, float]] = []
        self.done: list[str] = []
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="faults", daemon=True)

    def _at(self, seconds: float) -> None:
        time.sleep(max(0.0, self.started_at + seconds - time.monotonic()))

    def _postgres_outage(self, seconds: float) -> None:
        began = time.monotonic()
        try:
            self.stack.postgres.stop()
            time.sleep(seconds)
            self.stack.postgres.start()
        finally:
            self.postgres_down.append((began, time.monotonic()))

    def _run(self) -> None:
        stack = self.stack
        try:
            self._at(4)
            stack.redis.stop()
            time.sleep(4)
            stack.redis.start()
            self.done.append("redis down for 4 s, then up")
            self._at(12)
            # Whichever worker is first seen mid-task is killed: which one takes an event
            # is Celery's choice, and one worker alone may be idle for a while.
            busy = self._wait_until_busy(stack.workers, timeout=14)
            worker = busy or stack.workers[0]
            worker.kill()
            self.done.append("a worker killed mid-task" if busy else "a worker killed idle")
            time.sleep(4)
            worker.start(timeout=60)
            self.done.append("the killed worker started again")
            self._at(20)
            self._postgres_outage(0)
            self.done.append("postgres restarted")
            self._at(29.5)  # just after a burst of deliveries: the workers have a queue
            self._postgres_outage(15)
            self.done.append("postgres down for 15 s, then up")
        except BaseException as error:  # reported by the test, not lost in the thread
            self.error = error

    def _wait_until_busy(self, workers, *, timeout: float):
        """Wait until one of the workers is in the middle of a task: it holds a call to Stripe
        that is being answered (found from /proc by the call's client port), so the kill lands
        in the middle of processing an event. The busy worker, or None if none was seen."""
        from tests.stack.services import pid_with_local_port

        fake = self.stack.fake_stripe
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with fake._lock:
                ports = list(fake.in_flight)
            for worker in workers:
                if any(pid_with_local_port([worker.proc.pid], port) for port in ports):
                    return worker
            time.sleep(0.02)
        return None

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout=timeout)
        assert not self._thread.is_alive(), "the fault timeline did not finish"
        if self.error is not None:
            raise self.error

    def during_outage(self, attempt) -> bool:
        before, after = OUTAGE_MARGIN_SECONDS
        return any(
            attempt.started <= end + after and attempt.finished >= begin - before
            for begin, end in self.postgres_down
        )


def build_stream(seeded: dict, fake_stripe, rng: random.Random):
    """The deliveries (with duplicates) and what each event should end up doing."""
    pending = [as_payment(row) for row in seeded["pending"]]
    paying, expiring = pending[:PAYING], pending[PAYING:]
    completed = []
    for payment in paying:
        session = paid_session(payment)
        fake_stripe.set_session(session)  # the member has paid at Stripe
        completed.append(event_for("checkout.session.completed", session))
    refunds = []
    for payment in map(as_payment, seeded["paid"]):
        refund_id = f"re_stack_{payment.pk}"
        charge = refunded_charge(payment, refunds=[(refund_id, 500)])
        refunds.append((refund_id, event_for("charge.refunded", charge)))
    expired = []
    for payment in expiring:
        session = expired_session(payment)
        fake_stripe.set_session(session)
        expired.append(event_for("checkout.session.expired", session))
    events = completed + [event for _id, event in refunds] + expired
    deliveries = events + rng.sample(completed, round(len(completed) * DUPLICATE_SHARE))
    rng.shuffle(deliveries)
    return deliveries, events, paying, refunds, expiring


def schedule(sender: WebhookSender, deliveries: list[dict]) -> None:
    """Spread over the stream, with a burst just before PostgreSQL goes down for long (so the
    workers have a queue then). The worker is killed in the middle of a task: its event is left
    `processing` until the sweep's stale rule (STRIPE_EVENT_PROCESSING_STALE_SECONDS) takes it
    back, and its unacknowledged message comes back after the visibility timeout."""
    burst, rest = deliveries[:8], deliveries[8:]
    for n, event in enumerate(burst):
        sender.schedule(event, after=28.0 + n * 0.12)
    quiet_from, quiet_for = KILL_PAUSE
    step = (STREAM_SECONDS - 0.5 - quiet_for) / len(rest)
    for n, event in enumerate(rest):
        after = 0.5 + n * step
        sender.schedule(event, after=after + quiet_for if after >= quiet_from else after)


def problems(report: dict, *, events, paying, refunds, expiring) -> list[str]:
    found = []
    stored = report["events"]
    for event in events:
        state = stored.get(event["id"], {}).get("state", "missing")
        if state not in FINAL_STATES:
            found.append(f"event {event['id']} ({event['type']}) is {state}")
    for payment in paying:
        member = report["members"][str(payment.invoice.member_id)]
        if (member["active_terms"], member["invoice_status"], member["payments"]) != (
            1,
            "paid",
            ["confirmed"],
        ):
            found.append(f"paying member {payment.invoice.member_id} is {member}")
    for refund_id, _event in refunds:
        if refund_id not in report["refunds"]:
            found.append(f"refund {refund_id} is not recorded")
    for payment in expiring:
        member = report["members"][str(payment.invoice.member_id)]
        if member["payments"] != ["canceled"] or member["active_terms"] != 0:
            found.append(f"member {payment.invoice.member_id} whose Checkout expired is {member}")
    return found


def test_webhook_storm_through_redis_postgres_and_worker_failures_converges(stack_factory):
    stack = stack_factory(
        workers=2,
        web_workers=2,
        stripe_latency=0.5,
        STRIPE_EVENT_SWEEP_AFTER_SECONDS="3",
        STRIPE_EVENT_RETRY_BASE_SECONDS="1",
        STRIPE_EVENT_PROCESSING_STALE_SECONDS="10",
        CELERY_VISIBILITY_TIMEOUT="20",
    )
    seeded = stack.seed(pending=PAYING + EXPIRING, paid=ALREADY_PAID)
    rng = random.Random(20261201)
    deliveries, events, paying, refunds, expiring = build_stream(seeded, stack.fake_stripe, rng)

    sender = WebhookSender(stack.web.port, threads=3, redeliver_after=2.0)
    schedule(sender, deliveries)
    sender.start()
    faults = Faults(stack, sender.started_at)
    faults.start()
    try:
        faults.join(timeout=STREAM_SECONDS + 60)
        assert sender.join(timeout=60), "webhook deliveries were still being retried"
    finally:
        sender.stop()

    # Beat would send the sweep every minute; here a few times, a few seconds apart.
    deadline = time.monotonic() + CONVERGE_SECONDS
    while True:
        stack.send_task(SWEEP)
        report = stack.probe()
        left = problems(report, events=events, paying=paying, refunds=refunds, expiring=expiring)
        if not left or time.monotonic() > deadline:
            break
        time.sleep(4)

    by_state: dict[str, int] = {}
    for stored in report["events"].values():
        by_state[stored["state"]] = by_state.get(stored["state"], 0) + 1
    server_errors = [a for a in sender.attempts if a.status is None or a.status >= 500]
    outside = [a for a in server_errors if not faults.during_outage(a)]
    first_failed = {
        event_id
        for event_id in {a.event_id for a in server_errors}
        if next(a for a in sender.attempts if a.event_id == event_id) in server_errors
    }
    summary = (
        f"faults: {faults.done}; events by state: {by_state}; "
        f"{len(server_errors)} 5xx/no answer, {len(outside)} of them outside PostgreSQL "
        f"outages: {[(round(a.started - sender.started_at, 1), a.status) for a in outside]}"
    )

    assert "a worker killed mid-task" in faults.done, summary
    assert sender.given_up == [], summary
    assert left == [], summary + "\n" + "\n".join(left[:15]) + "\n" + stack.logs()
    assert not set(by_state) - FINAL_STATES, summary
    assert len(report["events"]) == len(events), summary  # every event stored once
    assert outside == [], summary
    assert first_failed, "no webhook met an outage: the fault timeline did not bite"
    for event_id in first_failed:
        assert report["events"][event_id]["state"] in FINAL_STATES, (event_id, summary)
