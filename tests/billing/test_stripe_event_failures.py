"""Events always finish: every failure is recorded and retried, then flagged; nothing is left
`received`; a broker outage at the webhook never turns a redelivery into a dropped duplicate."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from billing.models import EventState, Payment, StripeEvent
from billing.services import stripe_events
from billing.services.stripe_checkout import card_checkout_start
from billing.services.stripe_events import MAX_ATTEMPTS, stripe_event_process
from billing.tasks import stripe_events_sweep
from membership.models import Membership, Status
from tests.billing.stripe_support import event_for, paid_session, post_event
from tests.factories import issue_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending_payment(member, fake_stripe):
    card_checkout_start(invoice=issue_invoice(member))
    return Payment.objects.get(invoice__member=member)


def test_an_unexpected_handler_error_is_recorded_and_retried_until_it_works(
    deliver, pending_payment, member, fake_stripe, monkeypatch
):
    session = paid_session(pending_payment)
    fake_stripe.pay(session)
    real = stripe_events.HANDLERS["checkout.session.completed"]

    def broken(event):
        raise KeyError("surprise")

    monkeypatch.setitem(stripe_events.HANDLERS, "checkout.session.completed", broken)
    response = deliver(event_for("checkout.session.completed", session))
    assert response.status_code == 200

    event = StripeEvent.objects.get()
    assert event.state == EventState.FAILED
    assert event.attempts == 1
    assert "KeyError" in event.error and "surprise" in event.error
    assert event.next_attempt_at > timezone.now()

    monkeypatch.setitem(stripe_events.HANDLERS, "checkout.session.completed", real)
    with time_machine.travel(event.next_attempt_at + dt.timedelta(seconds=1)):
        assert stripe_events_sweep() == 1
    event.refresh_from_db()
    assert event.state == EventState.PROCESSED
    assert event.attempts == 2
    assert Membership.objects.get(member=member).status == Status.ACTIVE


def test_an_event_that_keeps_failing_is_flagged_for_staff(
    deliver, pending_payment, fake_stripe, monkeypatch
):
    def broken(event):
        raise RuntimeError("still broken")

    monkeypatch.setitem(stripe_events.HANDLERS, "checkout.session.completed", broken)
    deliver(event_for("checkout.session.completed", paid_session(pending_payment)))
    event = StripeEvent.objects.get()
    for _ in range(MAX_ATTEMPTS - 1):
        event.refresh_from_db()
        with time_machine.travel(event.next_attempt_at + dt.timedelta(seconds=1)):
            stripe_event_process(event_id=event.pk)
    event.refresh_from_db()
    assert event.attempts == MAX_ATTEMPTS
    assert event.state == EventState.FLAGGED
    assert "still broken" in event.error
    assert f"{MAX_ATTEMPTS} attempts" in event.error
    # Flagged events are for staff; the sweep leaves them alone.
    with time_machine.travel(timezone.now() + dt.timedelta(days=1)):
        assert stripe_events_sweep() == 0


def test_the_broker_down_at_the_webhook_stores_the_event_answers_200_and_the_sweep_queues_it(
    client, pending_payment, member, fake_stripe, monkeypatch, django_capture_on_commit_callbacks
):
    from billing import tasks

    session = paid_session(pending_payment)
    fake_stripe.pay(session)

    real_delay = tasks.drain_stripe_events.delay
    broker = {"up": False}

    def delay(*args, **kwargs):
        from kombu.exceptions import OperationalError

        if not broker["up"]:
            raise OperationalError("Error 111 connecting to redis. Connection refused.")
        return real_delay(*args, **kwargs)

    monkeypatch.setattr(tasks.drain_stripe_events, "delay", delay)
    event = event_for("checkout.session.completed", session)
    with django_capture_on_commit_callbacks(execute=True):
        first = post_event(client, event)
    assert first.status_code == 200
    stored = StripeEvent.objects.get()
    assert stored.state == EventState.RECEIVED

    # Stripe would not redeliver after a 200; if it does, it is a duplicate of a stored event.
    again = post_event(client, event)
    assert again.status_code == 200 and again.json()["duplicate"] is True

    broker["up"] = True
    assert stripe_events_sweep() == 0  # not forgotten yet: its task may still be on its way
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5)):
        assert stripe_events_sweep() == 1
    stored.refresh_from_db()
    assert stored.state == EventState.PROCESSED
    assert Membership.objects.get(member=member).status == Status.ACTIVE


def test_an_event_left_processing_by_a_dead_worker_is_taken_again(
    pending_payment, member, fake_stripe
):
    session = paid_session(pending_payment)
    fake_stripe.pay(session)
    event = event_for("checkout.session.completed", session)
    stored = StripeEvent.objects.create(
        stripe_id=event["id"],
        type=event["type"],
        payload=event,
        state=EventState.PROCESSING,
        processing_started_at=timezone.now(),
        attempts=1,
    )
    # A worker holding it now: nobody else takes it.
    assert stripe_event_process(event_id=stored.pk) == EventState.PROCESSING
    assert stripe_events_sweep() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=30)):
        assert stripe_events_sweep() == 1
    stored.refresh_from_db()
    assert stored.state == EventState.PROCESSED
    assert stored.attempts == 2
    assert Membership.objects.get(member=member).status == Status.ACTIVE


def _signed_raw(client, body: bytes):
    from tests.billing.stripe_support import signature_header

    return client.post(
        "/billing/stripe/webhook/",
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature_header(body),
    )


@pytest.mark.parametrize(
    "change",
    [
        {"id": "evt_" + "x" * 300},
        {"id": "evt_with\u0000nul"},
        {"id": 12345},
        {"type": "t" * 101},
        {"data": {"object": {"id": "cs_1", "metadata": {"note": "a\u0000b"}}}},
    ],
    ids=["id-300-chars", "id-with-nul", "id-not-a-string", "type-too-long", "nul-in-data"],
)
def test_a_signed_event_that_cannot_be_stored_is_refused_with_400(client, stripe_keys, change):
    import json

    event = {**event_for("checkout.session.completed", {"id": "cs_test_1"}), **change}
    response = _signed_raw(client, json.dumps(event).encode())
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"data": {}},
        {"data": {"object": "cs_test_1"}},
        {"data": "nothing"},
        {"data": {"object": {"id": "cs_test_1", "metadata": ["payment_id", "1"]}}},
        {"created": 10**20},
    ],
    ids=["object-missing", "object-a-string", "data-a-string", "metadata-a-list", "created-1e20"],
)
def test_a_signed_but_odd_event_is_stored_and_finished_never_left_received(
    client, stripe_keys, fake_stripe, change, django_capture_on_commit_callbacks
):
    import json

    event = {**event_for("checkout.session.completed", {"id": "cs_test_1"}), **change}
    with django_capture_on_commit_callbacks(execute=True):
        response = _signed_raw(client, json.dumps(event).encode())
    assert response.status_code == 200
    stored = StripeEvent.objects.get()
    assert stored.state in (EventState.FLAGGED, EventState.IGNORED, EventState.PROCESSED)
    assert stored.state != EventState.RECEIVED


def test_staff_see_how_many_events_are_still_being_processed(client, membership_staff):
    from django.urls import reverse

    for n, state in enumerate([EventState.RECEIVED, EventState.FAILED, EventState.PROCESSED]):
        StripeEvent.objects.create(
            stripe_id=f"evt_waiting_{n}", type="checkout.session.completed", payload={}, state=state
        )
    client.force_login(membership_staff)
    url = reverse("stripe:staff_flagged")
    body = client.get(url).content.decode()
    assert "2 events are still being processed" in body
    assert "overdue" in body  # the failed one has no retry time: due now
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1)):
        body = client.get(url).content.decode()
    assert "2 of them are overdue" in body
