"""Events for one term delivered in any order, with duplicates, end in one state (acceptance 2)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.models import Invoice, Payment, Refund
from billing.services.stripe_checkout import card_checkout_start
from membership.models import Membership, MembershipTerm
from tests.billing.stripe_support import event_for, paid_session, refunded_charge
from tests.factories import MemberFactory, issue_invoice

pytestmark = pytest.mark.django_db


def term_events(fake_stripe) -> tuple[Payment, list[dict]]:
    """A member who paid by card, and every event Stripe would send about that payment:
    completed (unpaid, as for a bank debit), async succeeded, the intent succeeded, and two
    `charge.refunded` for a partial refund and then a second one."""
    member = MemberFactory()
    card_checkout_start(invoice=issue_invoice(member))
    payment = Payment.objects.get(invoice__member=member)
    session = paid_session(payment)
    fake_stripe.pay(session)  # what Stripe says when asked, whatever the order of events
    first, second = f"re_a{payment.pk}", f"re_b{payment.pk}"
    return payment, [
        event_for("checkout.session.completed", {**session, "payment_status": "unpaid"}),
        event_for("checkout.session.async_payment_succeeded", session),
        event_for("payment_intent.succeeded", session["payment_intent"]),
        event_for("charge.refunded", refunded_charge(payment, refunds=[(first, 2_000)])),
        event_for(
            "charge.refunded", refunded_charge(payment, refunds=[(first, 2_000), (second, 3_000)])
        ),
    ]


def final_state(payment: Payment) -> dict:
    payment.refresh_from_db()
    invoice = Invoice.objects.get(pk=payment.invoice_id)
    membership = Membership.objects.get(member_id=invoice.member_id)
    terms = MembershipTerm.objects.filter(membership=membership)
    return {
        "invoice": (invoice.status, invoice.paid_cents),
        "payment": (payment.state, payment.is_overpayment),
        "membership": (membership.status, membership.paid_through_on),
        "terms": sorted((t.status, t.start_on, t.end_on) for t in terms),
        "refunds": sorted(
            (r.amount_cents, r.stripe_refund_id.replace(str(payment.pk), ""))
            for r in Refund.objects.filter(payment=payment)
        ),
        "confirmed_payments": Payment.objects.filter(
            invoice=invoice, state__in=["confirmed", "refunded"]
        ).count(),
    }


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_delivery_order_with_duplicates_ends_in_the_same_state(data, fake_stripe, deliver):
    expected_payment, in_order = term_events(fake_stripe)
    for event in in_order:
        deliver(event)
    expected = final_state(expected_payment)

    payment, events = term_events(fake_stripe)
    repeats = data.draw(
        st.lists(st.sampled_from(range(len(events))), max_size=6), label="duplicates"
    )
    order = data.draw(st.permutations(events + [events[i] for i in repeats]), label="order")
    for event in order:
        assert deliver(event).status_code == 200

    assert final_state(payment) == expected
    assert expected["membership"][0] == "active"
    assert expected["refunds"] == [(2_000, "re_a"), (3_000, "re_b")]
    assert expected["confirmed_payments"] == 1
