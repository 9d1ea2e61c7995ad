"""`stripe_reconcile`: events that never arrived are fetched from Stripe (localstripe) and
processed through the same handlers."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from billing.models import EventState, Invoice, InvoiceStatus, Payment, PaymentState, StripeEvent
from membership.models import Membership, Status
from tests.billing.stripe_support import charge_saved_card

pytestmark = pytest.mark.django_db


def charged_but_never_told(member, sdk) -> Payment:
    """A saved-card charge that went through at Stripe while its webhook was lost."""
    payment, _outcome = charge_saved_card(member, sdk)
    return payment


def reconcile(**options) -> str:
    out = io.StringIO()
    call_command("stripe_reconcile", since=timezone.now().date().isoformat(), stdout=out, **options)
    return out.getvalue()


def test_a_missed_payment_event_is_fetched_and_applied_once(member, localstripe):
    payment = charged_but_never_told(member, localstripe)

    printed = reconcile()

    invoice = Invoice.objects.get(pk=payment.invoice_id)
    assert invoice.status == InvoiceStatus.PAID
    assert Membership.objects.get(member=member).status == Status.ACTIVE
    event = StripeEvent.objects.get(type="payment_intent.succeeded", payment=payment)
    assert event.state == EventState.PROCESSED
    assert f"{event.stripe_id} payment_intent.succeeded: processed" in printed
    assert "missing and now processed" in printed

    again = reconcile()

    assert f"{event.stripe_id}" not in again
    assert Payment.objects.filter(invoice=invoice, state=PaymentState.CONFIRMED).count() == 1


def test_an_event_stored_but_never_processed_is_processed_not_counted_as_done(member, localstripe):
    from billing.gateways import stripe as gateway

    payment = charged_but_never_told(member, localstripe)
    since = timezone.now() - timezone.timedelta(days=1)
    event = next(
        e
        for e in gateway.events_since(since=since)
        if e["type"] == "payment_intent.succeeded"
        and e["data"]["object"]["metadata"].get("payment_id") == str(payment.pk)
    )
    # Stored by the webhook, but its task was lost: left `received`.
    StripeEvent.objects.create(stripe_id=event["id"], type=event["type"], payload=event)

    printed = reconcile()

    stored = StripeEvent.objects.get(stripe_id=event["id"])
    assert stored.state == EventState.PROCESSED
    assert f"{event['id']} payment_intent.succeeded: processed" in printed
    assert Invoice.objects.get(pk=payment.invoice_id).status == InvoiceStatus.PAID


def test_dry_run_only_prints(member, localstripe):
    charged_but_never_told(member, localstripe)

    printed = reconcile(dry_run=True)

    assert "would process" in printed
    assert not StripeEvent.objects.exists()


def test_a_bad_date_says_what_to_type(stripe_keys):
    with pytest.raises(CommandError, match="like 2026-11-01"):
        call_command("stripe_reconcile", since="last week")


def test_without_keys_it_says_what_to_set(settings):
    settings.STRIPE_SECRET_KEY = ""
    with pytest.raises(CommandError, match="STRIPE_SECRET_KEY"):
        call_command("stripe_reconcile", since="2026-11-01")
