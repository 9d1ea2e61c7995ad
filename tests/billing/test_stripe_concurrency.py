"""The same payment's events processed at the same moment by two workers (acceptance 4)."""

import pytest
from django.db import connection
from django.test import Client

from billing.models import EventState, Invoice, Payment, StripeEvent
from billing.services.stripe_checkout import card_checkout_start
from billing.services.stripe_events import stripe_event_process
from membership.models import Membership, MembershipTerm, Status, TermStatus
from tests.billing.stripe_support import event_for, paid_session, post_event
from tests.billing.test_concurrency import run_at_once
from tests.conftest import service_missing
from tests.factories import MemberFactory, issue_invoice

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def paid_at_stripe(fake_stripe):
    if connection.vendor != "postgresql":
        service_missing("PostgreSQL (this test needs real row locks)")
    member = MemberFactory()
    card_checkout_start(invoice=issue_invoice(member))
    payment = Payment.objects.get(invoice__member=member)
    session = paid_session(payment)
    fake_stripe.pay(session)
    return member, payment, session


def assert_activated_once(member):
    invoice = Invoice.objects.get(member=member)
    assert invoice.paid_cents == invoice.total_cents
    assert Payment.objects.filter(invoice=invoice, state="confirmed").count() == 1
    membership = Membership.objects.get(member=member)
    assert membership.status == Status.ACTIVE
    active = MembershipTerm.objects.filter(membership=membership, status=TermStatus.ACTIVE)
    assert active.count() == 1


def test_two_workers_processing_the_same_stored_event_activate_once(paid_at_stripe):
    member, _payment, session = paid_at_stripe
    event = event_for("checkout.session.completed", session)
    stored = StripeEvent.objects.create(stripe_id=event["id"], type=event["type"], payload=event)

    results, errors = run_at_once(
        lambda: stripe_event_process(event_id=stored.pk),
        lambda: stripe_event_process(event_id=stored.pk),
    )

    assert errors == []
    # The second worker found the event claimed (still `processing`) or already done.
    assert results[0] != results[1] or results == [EventState.PROCESSED] * 2
    assert set(results) <= {EventState.PROCESSED, EventState.PROCESSING}
    stored.refresh_from_db()
    assert stored.state == EventState.PROCESSED
    assert stored.attempts == 1  # only one worker ran the handler
    assert_activated_once(member)


def test_completed_and_async_succeeded_processed_at_once_activate_once(paid_at_stripe):
    member, _payment, session = paid_at_stripe
    stored = []
    for kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        event = event_for(kind, session)
        stored.append(StripeEvent.objects.create(stripe_id=event["id"], type=kind, payload=event))

    results, errors = run_at_once(
        *[lambda pk=e.pk: stripe_event_process(event_id=pk) for e in stored]
    )

    assert errors == []
    assert results == [EventState.PROCESSED, EventState.PROCESSED]
    assert_activated_once(member)


def test_two_deliveries_of_one_event_posted_at_once_are_stored_and_applied_once(
    paid_at_stripe,
):
    member, _payment, session = paid_at_stripe
    event = event_for("checkout.session.completed", session)

    results, errors = run_at_once(
        lambda: post_event(Client(), event).status_code,
        lambda: post_event(Client(), event).status_code,
    )

    assert errors == []
    assert results == [200, 200]
    assert StripeEvent.objects.filter(stripe_id=event["id"]).count() == 1
    assert StripeEvent.objects.get().state == EventState.PROCESSED
    assert_activated_once(member)


@pytest.mark.redis
def test_two_real_celery_workers_given_the_same_event_twice_activate_once(
    paid_at_stripe, celery_workers
):
    import time

    from celery.signals import task_postrun

    from billing.tasks import process_stripe_event

    member, _payment, session = paid_at_stripe
    event = event_for("checkout.session.completed", session)
    stored = StripeEvent.objects.create(stripe_id=event["id"], type=event["type"], payload=event)
    finished = []

    def count(sender=None, retval=None, **kwargs):
        if getattr(sender, "name", "") == process_stripe_event.name:
            finished.append(retval)

    task_postrun.connect(count, weak=False)
    try:
        with celery_workers(2):
            for _ in range(2):
                process_stripe_event.delay(stored.pk)
            deadline = time.monotonic() + 30
            while len(finished) < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
    finally:
        task_postrun.disconnect(count)

    assert len(finished) == 2
    assert EventState.PROCESSED in finished
    assert set(finished) <= {EventState.PROCESSED, EventState.PROCESSING}
    stored.refresh_from_db()
    assert stored.state == EventState.PROCESSED
    assert stored.attempts == 1  # one worker ran the handler; the other found it claimed or done
    assert_activated_once(member)
