"""Refunds of card payments against localstripe; receipts and terms follow (acceptance 6)."""

import pytest
from django.test import Client
from django.urls import reverse

from billing.models import Payment, PaymentState, Refund, RefundState
from billing.services.stripe_checkout import card_payment_confirm
from membership.models import Membership, MembershipTerm, Status, TermStatus
from tests.billing.stripe_support import (
    charge_saved_card,
    event_for,
    refunded_charge,
    stripe_object,
)
from tests.pdf_support import pdf_text

pytestmark = pytest.mark.django_db


def paid_by_card(member, sdk) -> Payment:
    """A join invoice paid with a real PaymentIntent at localstripe."""
    payment, outcome = charge_saved_card(member, sdk)
    card_payment_confirm(
        payment_id=payment.pk,
        amount_cents=payment.amount_cents,
        currency="usd",
        payment_intent_id=outcome.payment_intent_id,
        charge_id=outcome.charge_id,
    )
    payment.refresh_from_db()
    return payment


def signed_in(member) -> Client:
    """A browser of the member's own (the `member_client` fixture shares `staff_client`'s)."""
    browser = Client()
    browser.force_login(member.user)
    return browser


def test_partial_then_full_refund_through_stripe_update_receipt_and_term(
    member, staff_client, localstripe
):
    member_client = signed_in(member)
    payment = paid_by_card(member, localstripe)
    url = reverse("stripe:staff_payment", args=[payment.pk])

    partial = staff_client.post(url, {"amount": "100.00", "reason": "Charged the wrong category"})

    assert partial.status_code == 302
    refund = Refund.objects.get()
    assert refund.amount_cents == 100_00
    assert refund.state == RefundState.SUCCEEDED
    assert refund.stripe_refund_id.startswith("re_")
    at_stripe = localstripe.v1.refunds.retrieve(refund.stripe_refund_id)
    assert at_stripe.amount == 100_00
    assert at_stripe.payment_intent == payment.gateway_ids["payment_intent"]
    payment.refresh_from_db()
    assert payment.state == PaymentState.CONFIRMED
    assert Membership.objects.get(member=member).status == Status.ACTIVE
    receipt = member_client.get(reverse("billing:receipt", args=[payment.invoice.number]))
    assert b"receipt-refunds" in receipt.content
    assert "−$100.00" in receipt.content.decode()

    rest = payment.amount_cents - 100_00
    full = staff_client.post(
        url,
        {
            "amount": f"{rest / 100:.2f}",
            "reason": "Member left local government",
            "cancel_term": "on",
        },
    )

    assert full.status_code == 302
    payment.refresh_from_db()
    assert payment.state == PaymentState.REFUNDED
    assert sum(Refund.objects.values_list("amount_cents", flat=True)) == payment.amount_cents
    term = MembershipTerm.objects.get(membership__member=member)
    assert term.status == TermStatus.REFUNDED
    assert Membership.objects.get(member=member).status == Status.REFUNDED
    assert Refund.objects.get(amount_cents=rest).term_cancelled
    pdf = member_client.get(reverse("billing:receipt_pdf", args=[payment.invoice.number]))
    text = pdf_text(pdf.content)
    assert "refund to card" in text
    assert "membership term cancelled" in text

    # Stripe then reports both refunds: they are ours already, nothing is added.
    ids = list(Refund.objects.order_by("id").values_list("stripe_refund_id", "amount_cents"))
    charge = refunded_charge(payment, refunds=ids)
    charge["metadata"] = {"payment_id": str(payment.pk)}
    from billing.services.stripe_events import stripe_event_record

    stored, _ = stripe_event_record(event=event_for("charge.refunded", charge))
    from billing.services.stripe_events import stripe_event_process

    stripe_event_process(event_id=stored.pk)
    assert Refund.objects.count() == 2


def test_a_refund_made_in_stripes_dashboard_is_reconciled_from_charge_refunded(
    member, member_client, localstripe, deliver
):
    # `deliver` posts with the same test client; the receipt is read after, as the member.
    payment = paid_by_card(member, localstripe)
    made_there = localstripe.v1.refunds.create(
        params={"payment_intent": payment.gateway_ids["payment_intent"], "amount": 50_00}
    )
    charge = refunded_charge(payment, refunds=[(made_there.id, 50_00)])

    deliver(event_for("charge.refunded", charge))
    deliver(event_for("charge.refunded", charge))

    refund = Refund.objects.get()
    assert refund.stripe_refund_id == made_there.id
    assert refund.amount_cents == 50_00
    assert refund.created_by is None
    receipt = member_client.get(reverse("billing:receipt", args=[payment.invoice.number]))
    assert "−$50.00" in receipt.content.decode()
    assert Membership.objects.get(member=member).status == Status.ACTIVE


def test_refunds_without_details_in_the_event_are_recorded_by_amount(member, localstripe, deliver):
    payment = paid_by_card(member, localstripe)
    charge = refunded_charge(payment, refunds=[])
    charge["amount_refunded"] = payment.amount_cents  # a newer API version lists no refunds

    deliver(event_for("charge.refunded", charge))

    payment.refresh_from_db()
    assert payment.state == PaymentState.REFUNDED
    assert Refund.objects.get().amount_cents == payment.amount_cents


def test_a_refund_of_more_than_is_left_is_refused_and_nothing_reaches_stripe(
    member, staff_client, localstripe
):
    payment = paid_by_card(member, localstripe)

    response = staff_client.post(
        reverse("stripe:staff_payment", args=[payment.pk]),
        {"amount": f"{payment.amount_cents / 100 + 1:.2f}", "reason": "Too much"},
    )

    assert response.status_code == 200
    assert b"what is left of this payment" in response.content
    assert not Refund.objects.exists()


def test_only_a_full_refund_can_cancel_the_term(member, staff_client, localstripe):
    payment = paid_by_card(member, localstripe)

    response = staff_client.post(
        reverse("stripe:staff_payment", args=[payment.pk]),
        {"amount": "10.00", "reason": "Goodwill", "cancel_term": "on"},
    )

    assert b"Only a refund of everything that is left" in response.content
    assert not Refund.objects.exists()


def test_staff_pages_show_ids_and_events_and_refuse_members(
    member, staff_client, localstripe, deliver
):
    member_client = signed_in(member)
    payment = paid_by_card(member, localstripe)
    dispute = stripe_object("dispute", charge=payment.gateway_ids["charge"], amount=10_00)
    deliver(event_for("charge.dispute.created", dispute))

    receipt = staff_client.get(reverse("billing:receipt", args=[payment.invoice.number]))
    assert reverse("stripe:staff_payment", args=[payment.pk]).encode() in receipt.content
    as_member = member_client.get(reverse("billing:receipt", args=[payment.invoice.number]))
    assert reverse("stripe:staff_payment", args=[payment.pk]).encode() not in as_member.content
    detail = staff_client.get(reverse("stripe:staff_payment", args=[payment.pk]))
    flagged = staff_client.get(reverse("stripe:staff_flagged"))

    assert payment.gateway_ids["payment_intent"].encode() in detail.content
    assert b"charge.dispute.created" in detail.content
    assert b"Answer the dispute" in flagged.content
    assert member_client.get(reverse("stripe:staff_flagged")).status_code == 403
    assert member_client.get(reverse("stripe:staff_payment", args=[payment.pk])).status_code == 403
    from billing.models import StripeEvent

    event = StripeEvent.objects.get(type="charge.dispute.created")
    staff_client.post(reverse("stripe:staff_resolve", args=[event.pk]))
    event.refresh_from_db()
    assert event.resolved_at is not None
    assert b"Answer the dispute" not in staff_client.get(reverse("stripe:staff_flagged")).content


def refunds_at_stripe(sdk, payment) -> list:
    intent = payment.gateway_ids["payment_intent"]
    return list(sdk.v1.refunds.list(params={"payment_intent": intent, "limit": 100}).data)


@pytest.mark.parametrize("how", ["drop", "stall"])
def test_a_refund_whose_answer_is_lost_stays_pending_and_a_retry_refunds_once(
    how, member, staff_client, localstripe, flaky_stripe
):
    member_client = signed_in(member)
    payment = paid_by_card(member, localstripe)
    url = reverse("stripe:staff_payment", args=[payment.pk])
    everything = f"{payment.amount_cents / 100:.2f}"
    flaky_stripe.cut_next("POST", "/v1/refunds", how=how)

    page = staff_client.post(
        url, {"amount": everything, "reason": "Member left", "cancel_term": "on"}, follow=True
    )

    assert len(refunds_at_stripe(localstripe, payment)) == 1  # Stripe refunded; no answer came
    assert "do not know whether the refund went through" in page.content.decode()
    assert b"Retry refund" in page.content
    assert b"Refund through Stripe" not in page.content
    refund = Refund.objects.get()
    assert refund.state == RefundState.CREATED
    assert refund.error
    assert refund.stripe_refund_id is None
    payment.refresh_from_db()
    assert payment.state == PaymentState.CONFIRMED
    receipt = member_client.get(reverse("billing:receipt", args=[payment.invoice.number]))
    assert b"receipt-refunds" not in receipt.content
    again = staff_client.post(url, {"amount": "1.00", "reason": "Second try by hand"})
    assert b"still pending" in again.content
    assert Refund.objects.count() == 1

    retried = staff_client.post(reverse("stripe:staff_refund_retry", args=[refund.pk]), follow=True)

    at_stripe = refunds_at_stripe(localstripe, payment)
    assert len(at_stripe) == 1
    refund.refresh_from_db()
    assert refund.state == RefundState.SUCCEEDED
    assert refund.stripe_refund_id == at_stripe[0].id
    assert refund.error == ""
    assert refund.term_cancelled
    assert Refund.objects.count() == 1
    payment.refresh_from_db()
    assert payment.state == PaymentState.REFUNDED
    term = MembershipTerm.objects.get(membership__member=member)
    assert term.status == TermStatus.REFUNDED
    assert b"went through" in retried.content
    assert b"Retry refund" not in retried.content
    pdf = member_client.get(reverse("billing:receipt_pdf", args=[payment.invoice.number]))
    assert "refund to card" in pdf_text(pdf.content)


def test_a_refund_stripe_refuses_is_failed_with_its_error_and_the_form_is_offered_again(
    member, staff_client, localstripe, flaky_stripe
):
    member_client = signed_in(member)
    payment = paid_by_card(member, localstripe)
    flaky_stripe.refuse_next(
        "POST",
        "/v1/refunds",
        status=400,
        error={
            "type": "invalid_request_error",
            "code": "charge_already_refunded",
            "message": "Charge ch_1 has already been refunded.",
        },
    )

    page = staff_client.post(
        reverse("stripe:staff_payment", args=[payment.pk]),
        {"amount": "100.00", "reason": "Goodwill"},
        follow=True,
    )

    refund = Refund.objects.get()
    assert refund.state == RefundState.FAILED
    assert "has already been refunded" in refund.error
    assert b"has already been refunded" in page.content
    assert b"Refund through Stripe" in page.content
    assert b"Retry refund" not in page.content
    assert refunds_at_stripe(localstripe, payment) == []
    payment.refresh_from_db()
    assert payment.state == PaymentState.CONFIRMED
    receipt = member_client.get(reverse("billing:receipt", args=[payment.invoice.number]))
    assert b"receipt-refunds" not in receipt.content


def test_charge_refunded_for_our_pending_refund_completes_that_row_without_adding_one(
    member, staff_client, localstripe, flaky_stripe, deliver
):
    member_client = signed_in(member)
    payment = paid_by_card(member, localstripe)
    flaky_stripe.cut_next("POST", "/v1/refunds")
    staff_client.post(
        reverse("stripe:staff_payment", args=[payment.pk]),
        {"amount": "100.00", "reason": "Charged the wrong category"},
    )
    refund = Refund.objects.get()
    assert refund.state == RefundState.CREATED
    (made,) = refunds_at_stripe(localstripe, payment)
    assert made.metadata["refund_id"] == str(refund.pk)
    charge = refunded_charge(
        payment, refunds=[(made.id, made.amount)], metadata={made.id: made.metadata.to_dict()}
    )

    deliver(event_for("charge.refunded", charge))
    deliver(event_for("charge.refunded", charge))

    refund.refresh_from_db()
    assert refund.state == RefundState.SUCCEEDED
    assert refund.stripe_refund_id == made.id
    assert Refund.objects.count() == 1
    payment.refresh_from_db()
    assert payment.state == PaymentState.CONFIRMED
    receipt = member_client.get(reverse("billing:receipt", args=[payment.invoice.number]))
    assert "−$100.00" in receipt.content.decode()


def pending_refund(staff_client, flaky_stripe, payment, *, amount="100.00") -> Refund:
    """A staff refund whose answer from Stripe was lost (Stripe did make it)."""
    flaky_stripe.cut_next("POST", "/v1/refunds")
    staff_client.post(
        reverse("stripe:staff_payment", args=[payment.pk]), {"amount": amount, "reason": "Lost"}
    )
    refund = Refund.objects.get()
    assert refund.state == RefundState.CREATED
    return refund


def test_a_server_error_from_stripe_leaves_the_refund_pending_and_a_retry_makes_it(
    member, staff_client, localstripe, flaky_stripe
):
    payment = paid_by_card(member, localstripe)
    flaky_stripe.refuse_next(
        "POST",
        "/v1/refunds",
        status=500,
        error={"type": "api_error", "message": "Something went wrong on Stripe's end."},
    )

    page = staff_client.post(
        reverse("stripe:staff_payment", args=[payment.pk]),
        {"amount": "100.00", "reason": "Goodwill"},
        follow=True,
    )

    refund = Refund.objects.get()
    assert refund.state == RefundState.CREATED
    assert "went wrong" in refund.error
    assert b"Retry refund" in page.content
    assert refunds_at_stripe(localstripe, payment) == []

    staff_client.post(reverse("stripe:staff_refund_retry", args=[refund.pk]))

    (made,) = refunds_at_stripe(localstripe, payment)
    refund.refresh_from_db()
    assert refund.state == RefundState.SUCCEEDED
    assert refund.stripe_refund_id == made.id
    assert made.amount == 100_00


def test_only_membership_staff_can_retry_a_refund_and_only_by_post(
    member, staff_client, localstripe, flaky_stripe
):
    payment = paid_by_card(member, localstripe)
    refund = pending_refund(staff_client, flaky_stripe, payment)
    retry = reverse("stripe:staff_refund_retry", args=[refund.pk])

    assert signed_in(member).post(retry).status_code == 403
    assert staff_client.get(retry).status_code == 405

    refund.refresh_from_db()
    assert refund.state == RefundState.CREATED
    assert len(refunds_at_stripe(localstripe, payment)) == 1


def test_a_refund_that_is_no_longer_pending_is_not_retried(
    member, staff_client, localstripe, flaky_stripe
):
    payment = paid_by_card(member, localstripe)
    refund = pending_refund(staff_client, flaky_stripe, payment)
    retry = reverse("stripe:staff_refund_retry", args=[refund.pk])
    staff_client.post(retry)

    again = staff_client.post(retry, follow=True)

    assert b"no longer pending" in again.content
    assert len(refunds_at_stripe(localstripe, payment)) == 1
    assert Refund.objects.get().state == RefundState.SUCCEEDED
