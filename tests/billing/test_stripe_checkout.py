"""Joining by card: Checkout's parameters, the signed webhook, the success page (acceptance 1)."""

import pytest
from django.core import mail
from django.urls import reverse

from billing.models import (
    EventState,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentState,
    StripeCustomer,
    StripeEvent,
)
from membership.models import Membership, MembershipTerm, Status, TermStatus
from tests.billing.stripe_support import event_for, paid_session
from tests.billing.test_member_pages import review_data
from tests.factories import issue_invoice

pytestmark = pytest.mark.django_db


def join_by_card(member_client, **overrides):
    return member_client.post(
        reverse("billing:join"),
        review_data(action="confirm", payment_method="stripe", **overrides),
    )


def test_join_by_card_sends_the_member_to_checkout_with_the_invoice(
    member_client, member, fake_stripe
):
    response = join_by_card(member_client, auto_renew="on")

    invoice = Invoice.objects.get(member=member)
    payment = Payment.objects.get(invoice=invoice)
    session_id = payment.gateway_ids["checkout_session"]
    assert response.status_code == 302
    assert response["Location"] == f"https://checkout.stripe.com/c/pay/{session_id}"
    [(_args, customer_call)] = fake_stripe.calls_to("customers.create")
    assert customer_call["params"]["email"] == member.user.email
    assert customer_call["params"]["metadata"] == {"member_id": str(member.pk)}
    [(_args, call)] = fake_stripe.calls_to("checkout.sessions.create")
    params, options = call["params"], call["options"]
    assert options == {"idempotency_key": f"payment-{payment.pk}"}
    assert params["mode"] == "payment"
    assert params["currency"] == "usd"
    assert params["customer"] == StripeCustomer.objects.get(member=member).customer_id
    assert params["client_reference_id"] == f"member-{member.pk}-invoice-{invoice.pk}"
    expected_metadata = {
        "payment_id": str(payment.pk),
        "invoice_id": str(invoice.pk),
        "invoice_number": invoice.number,
        "member_id": str(member.pk),
    }
    assert params["metadata"] == expected_metadata
    assert params["payment_intent_data"] == {
        "metadata": expected_metadata,
        "setup_future_usage": "off_session",
    }
    assert sum(item["price_data"]["unit_amount"] for item in params["line_items"]) == (
        invoice.total_cents
    )
    assert all(item["price_data"]["currency"] == "usd" for item in params["line_items"])
    assert params["success_url"].endswith(
        "/billing/stripe/success/?session_id={CHECKOUT_SESSION_ID}"
    )
    assert params["cancel_url"].endswith(f"/billing/stripe/cancel/{invoice.number}/")
    assert payment.state == PaymentState.PENDING
    assert payment.amount_cents == invoice.total_cents


def test_a_second_checkout_reuses_the_members_stripe_customer(member, fake_stripe):
    from billing.services.stripe_checkout import card_checkout_start

    invoice = issue_invoice(member)
    card_checkout_start(invoice=invoice)
    card_checkout_start(invoice=invoice)

    assert len(fake_stripe.calls_to("customers.create")) == 1
    customers = {
        c[1]["params"]["customer"] for c in fake_stripe.calls_to("checkout.sessions.create")
    }
    assert len(customers) == 1


def test_completed_event_activates_once_however_often_it_comes(
    member_client, member, fake_stripe, deliver
):
    join_by_card(member_client)
    payment = Payment.objects.get(invoice__member=member)
    session = paid_session(payment)
    fake_stripe.pay(session)
    event = event_for("checkout.session.completed", session)

    first = deliver(event)

    assert first.status_code == 200
    invoice = Invoice.objects.get(member=member)
    membership = Membership.objects.get(member=member)
    assert invoice.status == InvoiceStatus.PAID
    assert membership.status == Status.ACTIVE
    paid_through = membership.paid_through_on
    receipts = len([m for m in mail.outbox if "receipt" in m.subject.lower()])

    for _ in range(5):
        again = deliver(event)
        assert again.status_code == 200
        assert again.json()["duplicate"] is True
    page = member_client.get(
        reverse("stripe:success") + f"?session_id={payment.gateway_ids['checkout_session']}"
    )

    assert page.status_code == 200
    assert b"Thank you for your payment" in page.content
    invoice.refresh_from_db()
    membership.refresh_from_db()
    assert StripeEvent.objects.get().state == EventState.PROCESSED
    assert invoice.paid_cents == invoice.total_cents
    assert membership.paid_through_on == paid_through
    assert (
        MembershipTerm.objects.filter(membership=membership, status=TermStatus.ACTIVE).count() == 1
    )
    assert Payment.objects.filter(invoice=invoice, state=PaymentState.CONFIRMED).count() == 1
    assert len([m for m in mail.outbox if "receipt" in m.subject.lower()]) == receipts


def test_success_page_fulfils_before_the_webhook_arrives(member_client, member, fake_stripe):
    join_by_card(member_client)
    payment = Payment.objects.get(invoice__member=member)
    fake_stripe.pay(paid_session(payment))

    page = member_client.get(
        reverse("stripe:success") + f"?session_id={payment.gateway_ids['checkout_session']}"
    )

    assert b"payment-confirmed" in page.content
    assert Membership.objects.get(member=member).status == Status.ACTIVE


def test_success_page_of_an_unpaid_session_activates_nothing(member_client, member, fake_stripe):
    join_by_card(member_client)
    payment = Payment.objects.get(invoice__member=member)

    page = member_client.get(
        reverse("stripe:success") + f"?session_id={payment.gateway_ids['checkout_session']}"
    )

    assert b"has not confirmed the payment yet" in page.content
    assert Membership.objects.get(member=member).status == Status.PENDING


def test_success_page_of_another_members_session_is_404(member_client, fake_stripe):
    from tests.factories import MemberFactory

    other = MemberFactory()
    from billing.services.stripe_checkout import card_checkout_start

    card_checkout_start(invoice=issue_invoice(other))
    session_id = Payment.objects.get(invoice__member=other).gateway_ids["checkout_session"]

    page = member_client.get(reverse("stripe:success") + f"?session_id={session_id}")

    assert page.status_code == 404


def test_cancel_page_leaves_the_invoice_open_and_offers_the_card_again(
    member_client, member, fake_stripe
):
    join_by_card(member_client)
    invoice = Invoice.objects.get(member=member)

    page = member_client.get(reverse("stripe:cancel", args=[invoice.number]))

    assert b"Nothing was charged" in page.content
    assert reverse("stripe:pay", args=[invoice.number]).encode() in page.content
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN


def test_without_keys_card_payment_is_not_offered_and_the_page_says_why(member_client, settings):
    settings.STRIPE_SECRET_KEY = ""
    page = member_client.get(reverse("billing:join"))

    assert b'value="stripe"' not in page.content
    assert b"online card payments are not set up" in page.content
    assert b"auto_renew" not in page.content
    refused = join_by_card(member_client)
    assert refused.status_code == 200  # "stripe" is not a valid choice: nothing is issued
    assert not Invoice.objects.exists()


def test_with_keys_the_join_page_offers_card_and_auto_renew(member_client, stripe_keys):
    page = member_client.get(reverse("billing:join"))

    assert b'value="stripe"' in page.content
    assert b"auto_renew" in page.content
    assert b"online card payments are not set up" not in page.content


def test_invoice_page_offers_card_payment_when_stripe_is_on(member_client, member, stripe_keys):
    invoice = issue_invoice(member)

    page = member_client.get(reverse("billing:invoice", args=[invoice.number]))

    assert reverse("stripe:pay", args=[invoice.number]).encode() in page.content


def test_pay_page_starts_checkout_for_the_open_invoice(member_client, member, fake_stripe):
    invoice = issue_invoice(member)

    response = member_client.post(reverse("stripe:pay", args=[invoice.number]))

    assert response.status_code == 302
    assert response["Location"].startswith("https://checkout.stripe.com/")
    assert Payment.objects.get(invoice=invoice).state == PaymentState.PENDING


def test_first_card_installment_goes_through_checkout_with_the_card_saved(
    member, fake_stripe, deliver
):
    import datetime as dt

    from billing.services.stripe_checkout import card_checkout_start
    from tests.factories import pay_invoice

    pay_invoice(issue_invoice(member, on=dt.date(2026, 8, 1)), on=dt.date(2026, 8, 1))
    renewal = issue_invoice(member, kind="renewal", on=dt.date(2027, 6, 1), installments=2)
    first = renewal.installments.get(number=1)

    card_checkout_start(invoice=renewal)

    [(_args, call)] = fake_stripe.calls_to("checkout.sessions.create")
    params = call["params"]
    assert [item["price_data"]["unit_amount"] for item in params["line_items"]] == [
        first.amount_cents
    ]
    assert "Installment 1 of 2" in params["line_items"][0]["price_data"]["product_data"]["name"]
    assert params["payment_intent_data"]["setup_future_usage"] == "off_session"
    payment = Payment.objects.get(invoice=renewal)
    session = paid_session(payment)
    fake_stripe.pay(session)
    deliver(event_for("checkout.session.completed", session))

    first.refresh_from_db()
    assert first.paid_at is not None
    customer = StripeCustomer.objects.get(member=member)
    assert customer.payment_method_id == f"pm_for_payment_{payment.pk}"
    assert customer.auto_renew is False  # saved for the installments, not for renewals


def test_review_step_carries_the_card_choice_to_the_confirm_button(member_client, fake_stripe):
    review = member_client.post(
        reverse("billing:join"), review_data(payment_method="stripe", auto_renew="on")
    )

    page = review.content.decode()
    assert 'name="payment_method" value="stripe"' in page
    assert 'name="auto_renew" value="True"' in page
    assert "Confirm and pay by card" in page


def test_when_stripe_cannot_be_reached_the_invoice_stays_open_with_a_way_forward(
    member_client, member, fake_stripe
):
    import stripe

    def unreachable(params=None, options=None):
        raise stripe.APIConnectionError("Could not connect to Stripe.")

    fake_stripe.checkout_sessions_create = unreachable

    response = join_by_card(member_client)

    invoice = Invoice.objects.get(member=member)
    assert response["Location"] == reverse("billing:invoice", args=[invoice.number])
    page = member_client.get(response["Location"]).content.decode()
    assert "Stripe refused the request" in page
    assert "pay by invoice / cheque" in page
    assert invoice.status == InvoiceStatus.OPEN


def test_opening_checkout_again_expires_the_earlier_session(member, fake_stripe):
    from billing.services.stripe_checkout import card_checkout_start

    invoice = issue_invoice(member)
    card_checkout_start(invoice=invoice)
    first = Payment.objects.get(invoice=invoice)
    card_checkout_start(invoice=invoice)

    [(args, _kwargs)] = fake_stripe.calls_to("checkout.sessions.expire")
    assert args == (first.gateway_ids["checkout_session"],)
    first.refresh_from_db()
    assert first.state == PaymentState.CANCELED
    assert "Replaced by a new Checkout" in first.note
    second = Payment.objects.exclude(pk=first.pk).get(invoice=invoice)
    assert second.state == PaymentState.PENDING
    assert fake_stripe.sessions[first.gateway_ids["checkout_session"]]["status"] == "expired"


def test_a_session_paid_meanwhile_is_not_cancelled_by_a_new_checkout(member, fake_stripe):
    from billing.services.stripe_checkout import card_checkout_start

    invoice = issue_invoice(member)
    card_checkout_start(invoice=invoice)
    first = Payment.objects.get(invoice=invoice)
    fake_stripe.pay(paid_session(first))  # paid at Stripe, its event not here yet
    card_checkout_start(invoice=invoice)
    first.refresh_from_db()
    assert first.state == PaymentState.PENDING  # its event will confirm it
