"""The webhook does the least it can: verify, store, answer. One task drains a burst of stored
events in batches, and every paid session is still activated exactly once."""

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
