"""Staff record money ICMA gave back on a cheque or bank transfer, with a reason; a full
refund may also cancel the term the payment paid for."""

import pytest
from django.urls import reverse

from billing.models import Payment, PaymentState, Refund, RefundState
from membership.models import MembershipTerm, TermStatus
from tests.factories import MemberFactory, issue_invoice, pay_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid():
    member = MemberFactory(full_name="Quinn Refundee")
    invoice = issue_invoice(member)
    payment = pay_invoice(invoice, reference="CHQ-7001")
    return invoice, payment


def refund_url(payment):
    return reverse("billing_staff:payment_refund", args=[payment.pk])


def test_a_partial_refund_is_recorded_and_leaves_the_term_active(staff_client, paid):
    invoice, payment = paid
    page = staff_client.get(refund_url(payment)).content.decode()
    assert "Quinn Refundee" in page and "Cheque CHQ-7001" in page
    response = staff_client.post(
        refund_url(payment), {"amount": "100.00", "reason": "Paid $100 too much; ICMA cheque 5521."}
    )
    assert response.status_code == 302
    refund = Refund.objects.get(payment=payment)
    assert (refund.amount_cents, refund.state, refund.term_cancelled) == (
        100_00,
        RefundState.SUCCEEDED,
        False,
    )
    payment.refresh_from_db()
    assert payment.state == PaymentState.CONFIRMED
    assert MembershipTerm.objects.get(pk=invoice.term_id).status == TermStatus.ACTIVE
    left = staff_client.get(refund_url(payment)).content.decode()
    expected = f"${(payment.amount_cents - 100_00) / 100:,.2f}"
    assert expected in left  # what can still be refunded
    receipt = reverse("billing:receipt", args=[invoice.number])
    staff_client.force_login(invoice.member.user)
    assert "$100.00" in staff_client.get(receipt).content.decode()


def test_a_full_refund_may_cancel_the_term(staff_client, paid):
    invoice, payment = paid
    response = staff_client.post(
        refund_url(payment),
        {
            "amount": f"{payment.amount_cents / 100:.2f}",
            "reason": "Member left the profession before the term began.",
            "cancel_term": "on",
        },
    )
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.state == PaymentState.REFUNDED
    assert MembershipTerm.objects.get(pk=invoice.term_id).status == TermStatus.REFUNDED
    assert Refund.objects.get(payment=payment).term_cancelled
    # Nothing is left: the page says so and a second refund is refused.
    again = staff_client.post(refund_url(payment), {"amount": "1.00", "reason": "again"})
    assert "refunded already" in again.content.decode()
    assert Refund.objects.filter(payment=payment).count() == 1


@pytest.mark.parametrize(
    "data, message",
    [
        ({"amount": "10.00", "reason": "  "}, "This field is required"),
        ({"amount": "99999.00", "reason": "Too much"}, "what is left of this payment"),
        ({"amount": "10.00", "reason": "Part", "cancel_term": "on"}, "Only a refund of everything"),
    ],
)
def test_bad_refunds_are_refused_and_nothing_is_saved(staff_client, paid, data, message):
    _invoice, payment = paid
    response = staff_client.post(refund_url(payment), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Refund.objects.filter(payment=payment).exists()


def test_money_kept_as_a_credit_is_refunded_from_the_credit_not_here(staff_client, paid):
    invoice, _payment = paid
    extra = pay_invoice(invoice, reference="CHQ-7002", amount_cents=50_00)  # already paid
    assert Payment.objects.get(pk=extra.pk).is_overpayment
    page = staff_client.post(refund_url(extra), {"amount": "1.00", "reason": "x"})
    assert "refund it from the credit" in page.content.decode()
    assert not Refund.objects.filter(payment=extra).exists()


def test_the_invoice_page_links_each_cheque_to_its_refund(staff_client, paid):
    invoice, payment = paid
    page = staff_client.get(reverse("billing_staff:invoice_detail", args=[invoice.number]))
    assert refund_url(payment) in page.content.decode()


def test_members_cannot_open_the_refund_page(client, paid):
    _invoice, payment = paid
    client.force_login(MemberFactory().user)
    assert client.get(refund_url(payment)).status_code in {403, 404}
