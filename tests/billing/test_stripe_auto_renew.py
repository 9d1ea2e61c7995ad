"""Auto-renew and card installments over time, charged against localstripe (acceptance 5)."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from billing.documents import payment_method_label
from billing.models import (
    ChargeState,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentState,
    ScheduledCharge,
    StripeCustomer,
)
from billing.services.stripe_checkout import card_payment_confirm
from membership.models import Membership, MembershipTerm, Status, TermStatus
from membership.money import format_cents
from membership.services.daily import membership_daily
from tests.billing.stripe_support import save_card
from tests.factories import issue_invoice, pay_invoice

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
JOINED = dt.date(2026, 8, 15)
ENDS = dt.date(2027, 8, 15)
GOOD_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000341"  # attaches, then every charge is declined
NEEDS_3DS_CARD = "4000002500003155"


@pytest.fixture
def run_day(django_capture_on_commit_callbacks):
    """Run the daily job on `day`, with the clock there too, and the tasks it queues."""

    def run(day: dt.date):
        moment = dt.datetime.combine(day, dt.time(4, 0), NEW_YORK)
        with (
            time_machine.travel(moment, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            return membership_daily(on=day)

    return run


def auto_renewing_member(member, localstripe, card: str):
    with time_machine.travel(dt.datetime.combine(JOINED, dt.time(12), NEW_YORK), tick=False):
        pay_invoice(issue_invoice(member, on=JOINED), on=JOINED)
    save_card(localstripe, member=member, number=card)
    StripeCustomer.objects.filter(member=member).update(auto_renew=True)
    assert Membership.objects.get(member=member).paid_through_on == ENDS


def mails_to(member, containing: str = "") -> list:
    return [m for m in mail.outbox if member.user.email in m.to and containing in m.subject]


def test_notice_a_week_before_then_the_saved_card_is_charged_on_the_end_date(
    member, localstripe, run_day
):
    auto_renewing_member(member, localstripe, GOOD_CARD)
    run_day(ENDS - dt.timedelta(days=8))
    assert not ScheduledCharge.objects.exists()

    run_day(ENDS - dt.timedelta(days=7))

    charge = ScheduledCharge.objects.get()
    renewal = Invoice.objects.get(member=member, status=InvoiceStatus.OPEN)
    assert charge.amount_cents == renewal.total_cents
    [notice] = mails_to(member, "will be charged on")
    assert format_cents(renewal.total_cents) in notice.subject
    assert "August 15, 2027" in notice.subject
    assert format_cents(renewal.total_cents) in notice.body

    for day in range(6, 0, -1):
        run_day(ENDS - dt.timedelta(days=day))
    assert not Payment.objects.filter(invoice=renewal).exists()

    run_day(ENDS)
    run_day(ENDS)  # a second run the same day charges nothing more

    payment = Payment.objects.get(invoice=renewal)
    assert payment.state == PaymentState.CONFIRMED
    assert payment.gateway_ids["payment_intent"].startswith("pi_")
    # The receipt names the card, as for a payment made at Checkout.
    assert payment_method_label(payment) == "Visa ending 4242"
    renewal.refresh_from_db()
    assert renewal.status == InvoiceStatus.PAID
    assert Membership.objects.get(member=member).paid_through_on == dt.date(2028, 8, 15)
    charge.refresh_from_db()
    assert charge.state == ChargeState.PAID
    assert len(mails_to(member, "will be charged on")) == 1


def test_a_declined_card_is_retried_three_times_in_a_week_then_stopped(
    member, localstripe, run_day
):
    auto_renewing_member(member, localstripe, DECLINED_CARD)
    day = ENDS - dt.timedelta(days=7)
    while day <= ENDS + dt.timedelta(days=20):
        run_day(day)
        day += dt.timedelta(days=1)

    charge = ScheduledCharge.objects.get()
    assert charge.state == ChargeState.STOPPED
    assert charge.attempts == 4  # the charge on the end date and three retries
    attempts = Payment.objects.filter(gateway="stripe", invoice=charge.invoice)
    assert attempts.count() == 4
    assert set(attempts.values_list("state", flat=True)) == {PaymentState.FAILED}
    retries = mails_to(member, "we will try again on")
    assert [m.subject.rsplit(" on ", 1)[1] for m in retries] == [
        "August 17, 2027",
        "August 20, 2027",
        "August 22, 2027",
    ]
    [stopped] = mails_to(member, "We could not charge your card")
    assert reverse("stripe:pay", args=[charge.invoice.number]) in stopped.body
    # No payment: the membership follows the normal path, grace then lapsed.
    run_day(ENDS + dt.timedelta(days=30))
    assert Membership.objects.get(member=member).status == Status.GRACE
    run_day(ENDS + dt.timedelta(days=61))
    assert Membership.objects.get(member=member).status == Status.LAPSED
    assert attempts.count() == 4


def test_a_card_that_needs_authentication_gets_the_member_a_link_to_pay(
    member, localstripe, run_day
):
    auto_renewing_member(member, localstripe, NEEDS_3DS_CARD)

    run_day(ENDS - dt.timedelta(days=7))
    run_day(ENDS)
    run_day(ENDS + dt.timedelta(days=2))

    charge = ScheduledCharge.objects.get()
    assert charge.state == ChargeState.ACTION_REQUIRED
    assert Payment.objects.filter(invoice=charge.invoice).count() == 1
    [ask] = mails_to(member, "confirm the payment")
    assert reverse("stripe:pay", args=[charge.invoice.number]) in ask.body


def test_switching_auto_renew_off_stops_the_notice_and_the_charge(
    member, member_client, localstripe, run_day
):
    auto_renewing_member(member, localstripe, GOOD_CARD)

    page = member_client.get(reverse("billing:dashboard"))
    assert b"Switch automatic renewal off" in page.content
    member_client.post(reverse("stripe:auto_renew"), {"auto_renew": "off"})
    run_day(ENDS - dt.timedelta(days=7))
    run_day(ENDS)

    assert StripeCustomer.objects.get(member=member).auto_renew is False
    assert not ScheduledCharge.objects.exists()
    assert not Payment.objects.filter(gateway="stripe").exists()
    assert not mails_to(member, "will be charged on")


def test_later_card_installments_are_charged_on_their_due_dates(member, localstripe, run_day):
    with time_machine.travel(dt.datetime.combine(JOINED, dt.time(12), NEW_YORK), tick=False):
        pay_invoice(issue_invoice(member, on=JOINED), on=JOINED)
    renew_on = dt.date(2027, 7, 1)
    with time_machine.travel(dt.datetime.combine(renew_on, dt.time(12), NEW_YORK), tick=False):
        invoice = issue_invoice(member, kind="renewal", on=renew_on, installments=2)
        method = save_card(localstripe, member=member, number=GOOD_CARD)
        # What the Checkout for the first installment leaves behind (card saved).
        first = Payment.objects.create(
            invoice=invoice,
            installment=invoice.installments.get(number=1),
            gateway="stripe",
            state=PaymentState.PENDING,
            amount_cents=invoice.installments.get(number=1).amount_cents,
            gateway_ids={"save_card": True},
        )
        card_payment_confirm(
            payment_id=first.pk,
            amount_cents=first.amount_cents,
            currency="usd",
            payment_intent_id="pi_first_installment",
            payment_method_id=method,
        )
    second = invoice.installments.get(number=2)

    run_day(second.due_on - dt.timedelta(days=7))
    run_day(second.due_on)

    second.refresh_from_db()
    assert second.paid_at is not None
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert len(mails_to(member, "will be charged on")) == 1
    renewal = MembershipTerm.objects.get(membership__member=member, kind="renewal")
    assert renewal.status == TermStatus.ACTIVE


def test_a_salary_raised_after_the_last_payment_is_what_the_notice_and_the_charge_use(
    member, localstripe, run_day
):
    from membership.models import DuesRate

    member.annual_salary_cents = 150_000_00
    member.save()
    auto_renewing_member(member, localstripe, GOOD_CARD)
    joined = Invoice.objects.get(member=member, status=InvoiceStatus.PAID)
    member.refresh_from_db()
    member.annual_salary_cents = 180_000_00  # 0.65% of $180,000 is $1,170.00
    member.save()
    assert joined.total_cents != 1_170_00
    assert DuesRate.objects.filter(category__code="full", method="salary_percent").exists()

    run_day(ENDS - dt.timedelta(days=7))
    renewal = Invoice.objects.get(member=member, status=InvoiceStatus.OPEN)
    assert renewal.total_cents == 1_170_00
    [notice] = mails_to(member, "will be charged on")
    assert "$1,170.00" in notice.subject
    assert "0.65% of $180,000.00 salary: $1,170.00" in notice.body
    assert "/profile/" in notice.body

    run_day(ENDS)
    payment = Payment.objects.get(invoice=renewal)
    assert payment.state == PaymentState.CONFIRMED
    assert payment.amount_cents == 1_170_00
