"""The webhook endpoint: what it refuses, what it flags, what it ignores (acceptance 3)."""

import json
import time

import pytest

from billing.models import EventState, Invoice, Payment, PaymentState, StripeEvent
from billing.services.stripe_checkout import card_checkout_start
from membership.models import Membership, Status
from tests.billing.stripe_support import (
    event_for,
    new_id,
    paid_session,
    post_event,
    signature_header,
    stripe_object,
)
from tests.factories import issue_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending_payment(member, fake_stripe):
    card_checkout_start(invoice=issue_invoice(member))
    return Payment.objects.get(invoice__member=member)


def assert_nothing_activated(member):
    membership = Membership.objects.get(member=member)
    assert membership.status == Status.PENDING
    assert membership.paid_through_on is None
    assert Invoice.objects.get(member=member).paid_cents == 0


def test_a_bad_signature_is_refused_and_nothing_is_stored(client, pending_payment, member):
    event = event_for("checkout.session.completed", paid_session(pending_payment))

    response = post_event(client, event, secret="whsec_someone_else")

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    assert_nothing_activated(member)


def test_a_signature_older_than_five_minutes_is_refused(client, pending_payment, member):
    event = event_for("checkout.session.completed", paid_session(pending_payment))

    response = post_event(client, event, timestamp=time.time() - 301)

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    assert_nothing_activated(member)


def test_a_signed_body_that_is_not_json_is_refused(client, stripe_keys):
    response = post_event(client, b"<html>not json</html>")

    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_a_signed_body_that_is_not_utf8_is_refused(client, stripe_keys):
    response = post_event(client, b"\xff\xfe{}")

    assert response.status_code == 400


def test_a_json_body_that_is_not_an_event_is_refused(client, stripe_keys):
    response = post_event(client, b'["not", "an", "event"]')

    assert response.status_code == 400


def test_a_missing_signature_header_is_refused(client, stripe_keys):
    body = json.dumps(event_for("charge.refunded", stripe_object("charge"))).encode()

    response = client.post("/billing/stripe/webhook/", data=body, content_type="application/json")

    assert response.status_code == 400


def test_a_header_in_another_scheme_is_refused(client, stripe_keys):
    body = json.dumps(event_for("charge.refunded", stripe_object("charge"))).encode()
    header = signature_header(body).replace("v1=", "v0=")

    response = post_event(client, body, header=header)

    assert response.status_code == 400


def test_get_is_not_allowed(client, stripe_keys):
    assert client.get("/billing/stripe/webhook/").status_code == 405


def test_an_amount_that_does_not_match_the_invoice_is_flagged_and_activates_nothing(
    deliver, pending_payment, member, fake_stripe
):
    session = paid_session(pending_payment, amount_cents=pending_payment.amount_cents - 100)
    fake_stripe.pay(session)

    response = deliver(event_for("checkout.session.completed", session))

    assert response.status_code == 200
    event = StripeEvent.objects.get()
    assert event.state == EventState.FLAGGED
    assert "Nothing was activated" in event.error
    assert event.payment == pending_payment
    pending_payment.refresh_from_db()
    assert pending_payment.state == PaymentState.PENDING
    assert_nothing_activated(member)


def test_a_currency_that_does_not_match_is_flagged(deliver, pending_payment, member, fake_stripe):
    session = paid_session(pending_payment, currency="eur")
    fake_stripe.pay(session)

    deliver(event_for("checkout.session.completed", session))

    assert StripeEvent.objects.get().state == EventState.FLAGGED
    assert_nothing_activated(member)


def test_a_forged_paid_event_for_an_unpaid_session_activates_nothing(
    deliver, pending_payment, member
):
    # The payload says "paid", but Stripe's own copy of the session (retrieved) does not.
    deliver(event_for("checkout.session.completed", paid_session(pending_payment)))

    assert StripeEvent.objects.get().state == EventState.PROCESSED
    assert_nothing_activated(member)


def test_unknown_event_types_are_stored_and_ignored(deliver, stripe_keys):
    response = deliver(event_for("customer.created", stripe_object("customer")))

    assert response.status_code == 200
    assert StripeEvent.objects.get().state == EventState.IGNORED


def test_a_session_that_is_not_ours_is_ignored(deliver, fake_stripe):
    session = stripe_object("checkout.session", id=new_id("cs"), payment_status="paid")
    fake_stripe.pay(session)

    deliver(event_for("checkout.session.completed", session))

    assert StripeEvent.objects.get().state == EventState.IGNORED


def test_expired_checkout_cancels_the_attempt_but_never_a_confirmed_payment(
    deliver, pending_payment, fake_stripe
):
    session = paid_session(pending_payment)
    deliver(event_for("checkout.session.expired", {**session, "status": "expired"}))
    pending_payment.refresh_from_db()
    assert pending_payment.state == PaymentState.CANCELED

    fake_stripe.pay(session)
    deliver(event_for("checkout.session.completed", session))
    deliver(event_for("checkout.session.async_payment_failed", session))

    pending_payment.refresh_from_db()
    assert pending_payment.state == PaymentState.CONFIRMED


def test_payment_intent_succeeded_fulfils_a_checkout_payment_through_its_session(
    deliver, pending_payment, member, fake_stripe
):
    session = paid_session(pending_payment)
    fake_stripe.pay(session)

    deliver(event_for("payment_intent.succeeded", session["payment_intent"]))

    assert Membership.objects.get(member=member).status == Status.ACTIVE


def test_a_failed_attempt_on_the_checkout_page_changes_nothing(deliver, pending_payment):
    intent = paid_session(pending_payment)["payment_intent"]

    deliver(
        event_for("payment_intent.payment_failed", {**intent, "status": "requires_payment_method"})
    )

    pending_payment.refresh_from_db()
    assert pending_payment.state == PaymentState.PENDING


def test_a_dispute_is_flagged_for_staff(deliver, pending_payment, fake_stripe):
    session = paid_session(pending_payment)
    fake_stripe.pay(session)
    deliver(event_for("checkout.session.completed", session))
    dispute = stripe_object(
        "dispute",
        charge=f"ch_for_payment_{pending_payment.pk}",
        amount=pending_payment.amount_cents,
    )

    deliver(event_for("charge.dispute.created", dispute))

    flagged = StripeEvent.objects.get(type="charge.dispute.created")
    assert flagged.state == EventState.FLAGGED
    assert flagged.payment == pending_payment
    assert "Answer the dispute" in flagged.error


def test_money_for_an_invoice_already_paid_by_cheque_is_kept_and_flagged(
    deliver, pending_payment, member, fake_stripe
):
    from tests.factories import pay_invoice

    pay_invoice(pending_payment.invoice)
    session = paid_session(pending_payment)
    fake_stripe.pay(session)

    deliver(event_for("checkout.session.completed", session))

    event = StripeEvent.objects.get()
    assert event.state == EventState.FLAGGED
    pending_payment.refresh_from_db()
    assert pending_payment.is_overpayment
    invoice = Invoice.objects.get(member=member)
    assert invoice.paid_cents == invoice.total_cents


def test_stripe_unreachable_leaves_the_event_failed_for_a_retry(
    deliver, pending_payment, member, fake_stripe
):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    from billing.gateways import PaymentError
    from billing.tasks import stripe_events_sweep

    session = paid_session(pending_payment)

    def down(*args, **kwargs):
        raise PaymentError("Stripe is unreachable")

    fake_stripe.checkout_sessions_retrieve = down
    response = deliver(event_for("checkout.session.completed", session))
    assert response.status_code == 200
    event = StripeEvent.objects.get()
    assert event.state == EventState.FAILED
    assert "Stripe is unreachable" in event.error
    assert stripe_events_sweep() == 0  # its retry is not due yet

    del fake_stripe.checkout_sessions_retrieve  # Stripe is back
    fake_stripe.pay(session)
    with time_machine.travel(event.next_attempt_at + dt.timedelta(seconds=1)):
        assert timezone.now() > event.next_attempt_at
        assert stripe_events_sweep() == 1

    assert StripeEvent.objects.get().state == EventState.PROCESSED
    assert Membership.objects.get(member=member).status == Status.ACTIVE
