"""The webhook does the least it can: verify, store, answer. One task drains a burst of stored
events in batches, and every paid session is still activated exactly once."""

import json
import random
import threading

import pytest
from django.core.cache import cache
from django.db import connection

from billing import tasks
from billing.models import EventState, Payment, StripeEvent
from billing.services import stripe_events
from billing.services.stripe_checkout import card_checkout_start
from billing.services.stripe_events import DOORBELL_KEY, stripe_events_drain
from membership.models import Membership, MembershipTerm, Status
from tests.billing.stripe_support import event_for, paid_session, post_event
from tests.factories import MemberFactory, issue_invoice

pytestmark = pytest.mark.django_db


def paid_members(fake_stripe, count: int) -> list[tuple]:
    """Members with an open join invoice and a Checkout Session Stripe reports as paid."""
    made = []
    for _ in range(count):
        member = MemberFactory()
        card_checkout_start(invoice=issue_invoice(member))
        payment = Payment.objects.get(invoice__member=member)
        session = paid_session(payment)
        fake_stripe.pay(session)
        made.append((member, session))
    return made


def events_with_duplicates(made: list[tuple], rng: random.Random) -> list[dict]:
    """Per session: completed, a redelivery of it, and the intent succeeding; shuffled."""
    events = []
    for _member, session in made:
        completed = event_for("checkout.session.completed", session)
        events += [
            completed,
            dict(completed),
            event_for("payment_intent.succeeded", session["payment_intent"]),
        ]
    rng.shuffle(events)
    return events


def count_publishes(monkeypatch) -> dict:
    published = {"drain": 0, "one": 0}
    drain, one = tasks.drain_stripe_events.delay, tasks.process_stripe_event.delay

    def drain_delay(*args, **kwargs):
        published["drain"] += 1
        return drain(*args, **kwargs)

    def one_delay(*args, **kwargs):
        published["one"] += 1
        return one(*args, **kwargs)

    monkeypatch.setattr(tasks.drain_stripe_events, "delay", drain_delay)
    monkeypatch.setattr(tasks.process_stripe_event, "delay", one_delay)
    return published


def assert_one_activation_each(made: list[tuple]) -> None:
    for member, _session in made:
        assert Membership.objects.get(member=member).status == Status.ACTIVE
        assert MembershipTerm.objects.filter(membership__member=member).count() == 1
        assert Payment.objects.get(invoice__member=member).state == "confirmed"


def test_a_burst_of_webhooks_publishes_one_task_and_every_session_activates_once(
    client, fake_stripe, monkeypatch, django_capture_on_commit_callbacks
):
    made = paid_members(fake_stripe, 6)
    events = events_with_duplicates(made, random.Random(7))
    published = count_publishes(monkeypatch)
    # The burst arrives while the drain task is still on its way: the bell is rung and the
    # requests answer without touching the broker.
    with monkeypatch.context() as held:
        held.setattr(tasks.drain_stripe_events, "apply_async", lambda *a, **k: None)
        with django_capture_on_commit_callbacks(execute=True):
            answers = [post_event(client, event) for event in events]
    assert [a.status_code for a in answers] == [200] * len(events)
    assert sum(a.json()["duplicate"] for a in answers) == len(made)  # the redeliveries
    assert published == {"drain": 1, "one": 0}
    assert StripeEvent.objects.filter(state=EventState.RECEIVED).count() == 2 * len(made)

    # The worker's drain takes them all, in batches smaller than the backlog.
    assert stripe_events_drain(batch=4) == (2 * len(made), False)
    assert not StripeEvent.objects.exclude(
        state__in=[EventState.PROCESSED, EventState.IGNORED]
    ).exists()
    assert StripeEvent.objects.filter(attempts=1).count() == 2 * len(made)
    assert_one_activation_each(made)
    assert cache.get(DOORBELL_KEY) is None  # reset: the next event rings again


def test_the_next_event_after_a_drain_rings_again_and_is_processed(
    deliver, fake_stripe, monkeypatch
):
    (first, second) = paid_members(fake_stripe, 2)
    published = count_publishes(monkeypatch)
    deliver(event_for("checkout.session.completed", first[1]))
    deliver(event_for("checkout.session.completed", second[1]))
    assert published["drain"] == 2  # each arrived after the previous drain had finished
    assert_one_activation_each([first, second])


def test_an_event_stored_while_the_drain_finishes_is_not_left_behind(fake_stripe, monkeypatch):
    """The drain resets the bell, then looks once more: an event stored between its last empty
    look and the reset is seen by the second look; one stored after the reset rings again."""
    (late,) = paid_members(fake_stripe, 1)
    cache.add(DOORBELL_KEY, 1, timeout=30)  # a drain is running
    real_delete = cache.delete
    stored = {}

    def delete_after_a_late_event(key, *args, **kwargs):
        if key == DOORBELL_KEY and not stored:
            event = event_for("checkout.session.completed", late[1])
            stored["event"] = StripeEvent.objects.create(
                stripe_id=event["id"], type=event["type"], payload=event
            )
            # Its webhook found the bell rung and published nothing.
            assert stripe_events.doorbell_ring() is False
        return real_delete(key, *args, **kwargs)

    monkeypatch.setattr(cache, "delete", delete_after_a_late_event)
    assert stripe_events_drain() == (1, False)
    stored["event"].refresh_from_db()
    assert stored["event"].state == EventState.PROCESSED
    assert_one_activation_each([late])


def test_a_lost_drain_task_is_covered_by_the_sweep(client, fake_stripe, monkeypatch):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    (made,) = paid_members(fake_stripe, 1)
    cache.add(DOORBELL_KEY, 1, timeout=30)  # rung, but its task was lost with a worker
    post_event(client, event_for("checkout.session.completed", made[1]))
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=3)):
        assert tasks.stripe_events_sweep() == 1
    assert_one_activation_each([made])


def test_a_storm_that_outlasts_the_drain_hands_on_to_a_fresh_task(fake_stripe, monkeypatch):
    made = paid_members(fake_stripe, 3)
    for _member, session in made:
        event = event_for("checkout.session.completed", session)
        StripeEvent.objects.create(stripe_id=event["id"], type=event["type"], payload=event)
    assert stripe_events_drain(batch=1, seconds=0) == (0, True)
    published = count_publishes(monkeypatch)
    assert tasks.drain_stripe_events.apply().get() == 3
    assert published["drain"] == 0
    assert_one_activation_each(made)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SKIP LOCKED needs PostgreSQL")
def test_two_drains_at_once_split_the_events_and_activate_each_session_once(fake_stripe):
    made = paid_members(fake_stripe, 8)
    for event in events_with_duplicates(made, random.Random(11)):
        StripeEvent.objects.get_or_create(
            stripe_id=event["id"], defaults={"type": event["type"], "payload": event}
        )
    results, errors = [], []
    start = threading.Barrier(2)

    def drain():
        try:
            start.wait()
            results.append(stripe_events_drain(batch=3))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=drain) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert sum(done for done, _more in results) == 2 * len(made)
    assert StripeEvent.objects.filter(attempts=1).count() == 2 * len(made)
    assert_one_activation_each(made)


def test_storing_an_event_is_one_insert_that_publishes_nothing(client, stripe_keys, monkeypatch):
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    from tests.billing.stripe_support import stripe_object

    published = count_publishes(monkeypatch)
    event = event_for("charge.refunded", stripe_object("charge"))
    with CaptureQueriesContext(db) as queries:
        first = post_event(client, event)
        again = post_event(client, event)
    assert (first.status_code, again.status_code) == (200, 200)
    assert (first.json()["duplicate"], again.json()["duplicate"]) == (False, True)
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"].upper()]
    assert len(statements) == 2  # one per delivery, the duplicate included
    assert all("INSERT" in s and "ON CONFLICT" in s for s in statements)
    assert published == {"drain": 0, "one": 0}  # the bell rings after commit, if at all
    assert StripeEvent.objects.get().payload == event  # the signed body, as it came


def test_a_burst_rings_once_per_interval_and_the_periodic_drain_takes_the_rest(
    client, fake_stripe, monkeypatch, settings, django_capture_on_commit_callbacks
):
    """With the interval not over, a web process does not even look at the bell: the burst
    is announced once, and beat's drain (every STRIPE_EVENT_DRAIN_EVERY_SECONDS) processes
    what the announced drain did not see, duplicates and any order included."""
    settings.STRIPE_EVENT_RING_EVERY_SECONDS = 60
    monkeypatch.setattr(stripe_events, "_rung_at", [float("-inf")])
    made = paid_members(fake_stripe, 5)
    events = events_with_duplicates(made, random.Random(23))
    published = count_publishes(monkeypatch)
    looks = []
    real_add = cache.add
    monkeypatch.setattr(cache, "add", lambda *a, **k: looks.append(a[0]) or real_add(*a, **k))
    with monkeypatch.context() as held:
        held.setattr(tasks.drain_stripe_events, "apply_async", lambda *a, **k: None)
        with django_capture_on_commit_callbacks(execute=True):
            answers = [post_event(client, event) for event in events]
    assert {a.status_code for a in answers} == {200}
    assert looks == [DOORBELL_KEY]  # one cache round trip for the whole burst
    assert published == {"drain": 1, "one": 0}
    assert StripeEvent.objects.filter(state=EventState.RECEIVED).count() == 2 * len(made)

    assert tasks.drain_stripe_events.apply().get() == 2 * len(made)  # beat's tick
    assert set(StripeEvent.objects.values_list("state", flat=True)) <= {"processed", "ignored"}
    assert_one_activation_each(made)


def test_beat_drains_stored_events_every_second_or_two(settings):
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["stripe-events-drain"]
    assert entry["task"] in app.tasks
    assert entry["task"] == tasks.drain_stripe_events.name
    assert 0 < entry["schedule"] <= 2
    # A tick that could not run in time is dropped, so ticks never pile up behind a backlog.
    assert entry["options"]["expires"] <= 2


def test_an_escaped_backslash_before_u0000_is_text_not_a_nul(client, stripe_keys):
    from tests.billing.stripe_support import stripe_object

    charge = stripe_object("charge", description="C:\\u0000 is a path, not a NUL")
    event = event_for("charge.refunded", charge)
    body = json.dumps(event).encode()
    assert b"\\u0000" in body

    assert post_event(client, body).status_code == 200
    stored = StripeEvent.objects.get(stripe_id=event["id"])
    assert stored.payload["data"]["object"]["description"] == "C:\\u0000 is a path, not a NUL"


def test_a_real_nul_in_a_signed_body_is_still_refused(client, stripe_keys):
    from tests.billing.stripe_support import stripe_object

    event = event_for("charge.refunded", stripe_object("charge", description="a\x00b"))

    assert post_event(client, event).status_code == 400
    assert not StripeEvent.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's JSON refuses it")
def test_a_body_the_database_cannot_store_is_refused_not_retried(client, stripe_keys):
    body = json.dumps(event_for("charge.refunded", {"id": "ch_1"}))[:-1] + ', "x": "\\ud800"}'

    response = post_event(client, body.encode())

    assert response.status_code == 400  # a 5xx would have Stripe redeliver it for days
    assert not StripeEvent.objects.exists()
