"""The card payment pages in a real Chromium, with screenshots for a person to look at."""

import pytest
from django.test import Client

from billing.models import EventState, Payment, StripeEvent
from billing.services.stripe_checkout import card_checkout_start
from tests.billing.stripe_support import event_for, paid_session
from tests.factories import MemberFactory, issue_invoice, staff_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, user) -> None:
    """Reuse a Django session in the browser (the login form is covered elsewhere)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def test_join_page_says_why_card_payment_is_not_offered(page, live_server, screenshot, settings):
    settings.STRIPE_SECRET_KEY = ""
    member = MemberFactory()
    sign_in(page, live_server, member.user)

    page.goto("/membership/join/")

    notice = page.get_by_test_id("card-disabled")
    assert "online card payments are not set up" in notice.inner_text()
    assert page.locator("input[value=stripe]").count() == 0
    screenshot("stripe-checkout-disabled")


def test_join_page_offers_card_and_auto_renew_with_keys(page, live_server, screenshot, stripe_keys):
    member = MemberFactory()
    sign_in(page, live_server, member.user)

    page.goto("/membership/join/")

    assert page.locator("input[value=stripe]").count() == 1
    assert page.get_by_label("Renew automatically each year with the card I pay with").count() == 1
    screenshot("stripe-checkout-enabled")


def test_success_page_after_paying(page, live_server, screenshot, fake_stripe):
    member = MemberFactory()
    card_checkout_start(invoice=issue_invoice(member))
    payment = Payment.objects.get(invoice__member=member)
    fake_stripe.pay(paid_session(payment))
    sign_in(page, live_server, member.user)

    page.goto(f"/billing/stripe/success/?session_id={payment.gateway_ids['checkout_session']}")

    assert page.get_by_test_id("payment-confirmed").is_visible()
    screenshot("stripe-success")
    page.get_by_role("link", name="Go to my membership").click()
    assert page.get_by_test_id("membership-status").inner_text() == "Active"


def test_staff_refund_form_and_flagged_events(page, live_server, screenshot, fake_stripe):
    member = MemberFactory()
    card_checkout_start(invoice=issue_invoice(member))
    payment = Payment.objects.get(invoice__member=member)
    fake_stripe.pay(paid_session(payment))
    from billing.services.stripe_checkout import checkout_fulfil

    checkout_fulfil(session_id=payment.gateway_ids["checkout_session"])
    other = MemberFactory()
    card_checkout_start(invoice=issue_invoice(other))
    wrong = Payment.objects.get(invoice__member=other)
    session = paid_session(wrong, amount_cents=wrong.amount_cents - 5_000)
    fake_stripe.pay(session)
    event = event_for("checkout.session.completed", session)
    from billing.services.stripe_events import stripe_event_record

    stripe_event_record(event=event)
    assert StripeEvent.objects.get().state == EventState.FLAGGED
    sign_in(page, live_server, staff_user(groups=["Membership staff"]))

    page.goto(f"/staff/stripe/payments/{payment.pk}/")
    assert (
        page.get_by_label("Amount to refund (USD)").input_value()
        == f"{payment.amount_cents / 100:.2f}"
    )
    assert "pi_for_payment" in page.content()
    screenshot("stripe-staff-refund-form")

    page.goto("/staff/stripe/events/flagged/")
    assert page.get_by_test_id("flagged-event").count() == 1
    assert "Nothing was activated" in page.content()
    screenshot("stripe-flagged-events")
