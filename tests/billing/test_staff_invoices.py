"""Staff view an invoice, record a cheque against it, or cancel it with a reason."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import InvoiceStatus, Payment
from membership.models import Membership, Status, TermStatus
from membership.money import cents_to_dollars, format_cents
from tests.factories import MemberFactory, issue_invoice, pay_invoice

pytestmark = pytest.mark.django_db


def detail_url(invoice) -> str:
    return reverse("billing_staff:invoice_detail", args=[invoice.number])


def record_url(invoice) -> str:
    return reverse("billing_staff:invoice_record_payment", args=[invoice.number])


def cancel_url(invoice) -> str:
    return reverse("billing_staff:invoice_cancel", args=[invoice.number])


@pytest.fixture
def invoice():
    return issue_invoice(MemberFactory(full_name="Morgan Cheque"))


def cheque(invoice, **overrides):
    data = {
        "reference": "004512",
        "received_on": timezone.localdate().isoformat(),
        "amount": str(cents_to_dollars(invoice.total_cents)),
    }
    data.update(overrides)
    return data


# --- The invoice ---


def test_invoice_page_shows_lines_and_total(staff_client, invoice):
    body = staff_client.get(detail_url(invoice)).content.decode()
    for line in invoice.lines.all():
        assert line.label in body
    assert format_cents(invoice.total_cents) in body


def test_invoice_page_shows_payments(staff_client, invoice):
    pay_invoice(invoice, reference="CHQ-7781")
    body = staff_client.get(detail_url(invoice)).content.decode()
    assert "CHQ-7781" in body


def test_paid_invoice_page_links_to_the_receipts(staff_client, invoice):
    pay_invoice(invoice)
    body = staff_client.get(detail_url(invoice)).content.decode()
    assert reverse("billing:receipt", args=[invoice.number]) in body
    assert reverse("billing:receipt_pdf", args=[invoice.number]) in body


def test_unpaid_invoice_page_has_no_receipt_links(staff_client, invoice):
    body = staff_client.get(detail_url(invoice)).content.decode()
    assert reverse("billing:receipt", args=[invoice.number]) not in body


def test_invoice_page_shows_installments(staff_client):
    member = MemberFactory()
    pay_invoice(issue_invoice(member))
    renewal = issue_invoice(member, kind="renewal", installments=4)
    response = staff_client.get(detail_url(renewal))
    assert len(response.context["installments"]) == 4
    assert "Installments" in response.content.decode()


def test_invoice_number_is_found_in_lower_case(staff_client, invoice):
    response = staff_client.get(f"/staff/invoices/{invoice.number.lower()}/")
    assert response.status_code == 200


# --- Recording a cheque ---


def test_form_is_prefilled_with_the_amount_due(staff_client, invoice):
    response = staff_client.get(record_url(invoice))
    form = response.context["form"]
    assert form["amount"].value() == cents_to_dollars(invoice.total_cents)
    assert form["received_on"].value() == timezone.localdate()


def test_form_labels_are_tied_to_inputs(staff_client, invoice):
    body = staff_client.get(record_url(invoice)).content.decode()
    for name in ["reference", "received_on", "amount"]:
        assert f'for="id_{name}"' in body
        assert f'id="id_{name}"' in body


def test_recorded_cheque_makes_the_member_active(staff_client, invoice):
    response = staff_client.post(record_url(invoice), cheque(invoice))
    payment = Payment.objects.get(invoice=invoice)
    assert (payment.reference, payment.amount_cents) == ("004512", invoice.total_cents)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert Membership.objects.get(member=invoice.member).status == Status.ACTIVE
    assert response["Location"] == reverse(
        "billing_staff:member_detail", args=[invoice.member.member_number]
    )


def test_recorded_cheque_is_credited_to_the_staff_member(staff_client, invoice, membership_staff):
    staff_client.post(record_url(invoice), cheque(invoice))
    assert Payment.objects.get(invoice=invoice).recorded_by == membership_staff


def test_recorded_cheque_says_so(staff_client, invoice):
    response = staff_client.post(record_url(invoice), cheque(invoice), follow=True)
    body = response.content.decode()
    assert f"Cheque 004512 for {format_cents(invoice.total_cents)} recorded on" in body
    assert "The membership is paid through" in body


def test_amount_with_dollar_sign_and_commas_is_understood(staff_client):
    invoice = issue_invoice(MemberFactory(annual_salary_cents=400_000_00))
    dollars = f"${cents_to_dollars(invoice.total_cents):,}"
    staff_client.post(record_url(invoice), cheque(invoice, amount=dollars))
    assert Payment.objects.get(invoice=invoice).amount_cents == invoice.total_cents


def test_a_smaller_amount_is_recorded_as_partial_with_the_balance_named(staff_client, invoice):
    response = staff_client.post(record_url(invoice), cheque(invoice, amount="12.34"), follow=True)
    body = response.content.decode()
    balance = format_cents(invoice.total_cents - 12_34)
    assert f"{balance} is still due; the membership is extended when it is paid in full" in body
    assert Payment.objects.get().amount_cents == 12_34


def test_cheque_dated_in_the_future_is_refused(staff_client, invoice):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = staff_client.post(record_url(invoice), cheque(invoice, received_on=tomorrow))
    assert "cannot be in the future" in response.content.decode()
    assert not Payment.objects.exists()


def test_cheque_number_is_required(staff_client, invoice):
    response = staff_client.post(record_url(invoice), cheque(invoice, reference=" "))
    assert response.context["form"].errors["reference"]
    assert not Payment.objects.exists()


def test_second_cheque_for_a_paid_invoice_is_flagged_as_overpayment(staff_client, invoice):
    pay_invoice(invoice)
    response = staff_client.post(
        record_url(invoice), cheque(invoice, reference="DUP-1"), follow=True
    )
    assert Payment.objects.get(reference="DUP-1").is_overpayment
    body = response.content.decode()
    assert "Overpayment: invoice" in body
    assert "the membership was not extended" in body


def test_paid_invoice_warns_before_a_cheque_is_recorded(staff_client, invoice):
    pay_invoice(invoice)
    body = staff_client.get(record_url(invoice)).content.decode()
    assert "is already paid" in body


def test_cancelled_invoice_offers_no_form(staff_client, invoice, membership_staff):
    from billing.services.invoices import invoice_cancel

    invoice_cancel(invoice=invoice, reason="Member withdrew", by=membership_staff)
    response = staff_client.post(record_url(invoice), cheque(invoice))
    assert "cannot take payments" in response.content.decode()
    assert not Payment.objects.exists()


def test_installment_cheque_must_match_the_next_installment(staff_client):
    member = MemberFactory()
    pay_invoice(issue_invoice(member))
    renewal = issue_invoice(member, kind="renewal", installments=2)
    first = renewal.installments.order_by("number").first()
    response = staff_client.get(record_url(renewal))
    assert response.context["form"]["amount"].value() == cents_to_dollars(first.amount_cents)
    staff_client.post(
        record_url(renewal), cheque(renewal, amount=str(cents_to_dollars(first.amount_cents)))
    )
    first.refresh_from_db()
    assert first.paid_at is not None


# --- Cancelling ---


def test_cancel_page_asks_for_confirmation_and_changes_nothing(staff_client, invoice):
    body = staff_client.get(cancel_url(invoice)).content.decode()
    assert f"Cancel invoice {invoice.number}" in body
    assert "This cannot be undone." in body
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN


def test_cancel_needs_a_reason(staff_client, invoice):
    response = staff_client.post(cancel_url(invoice), {"reason": "  ", "confirm": "on"})
    assert "Say why the invoice is cancelled." in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN


def test_cancel_needs_the_confirmation_box(staff_client, invoice):
    response = staff_client.post(cancel_url(invoice), {"reason": "Duplicate"})
    assert "Tick the box to confirm the cancellation." in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN


def test_cancel_closes_the_invoice_and_its_pending_term(staff_client, invoice, membership_staff):
    response = staff_client.post(
        cancel_url(invoice),
        {"reason": "Member joined through the state association", "confirm": "on"},
    )
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.CANCELLED
    assert invoice.close_reason == "Member joined through the state association"
    assert invoice.closed_by == membership_staff
    assert invoice.term.status == TermStatus.CANCELLED
    assert response["Location"] == reverse(
        "billing_staff:member_detail", args=[invoice.member.member_number]
    )


def test_paid_invoice_cannot_be_cancelled(staff_client, invoice):
    pay_invoice(invoice)
    response = staff_client.post(cancel_url(invoice), {"reason": "Oops", "confirm": "on"})
    assert "only open invoices can be cancelled" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID


def test_form_sent_twice_records_the_cheque_once(staff_client, invoice):
    staff_client.post(record_url(invoice), cheque(invoice))
    response = staff_client.post(record_url(invoice), cheque(invoice))
    assert "Cheque 004512 is already recorded on" in response.content.decode()
    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_a_failing_after_commit_receiver_neither_fails_the_page_nor_drops_the_receipt(
    staff_client, invoice, django_capture_on_commit_callbacks
):
    from django.core import mail

    from membership.events import membership_reinstated

    def broken(**kwargs):
        raise RuntimeError("a listener that breaks")

    membership_reinstated.connect(broken, dispatch_uid="test-broken-listener")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = staff_client.post(record_url(invoice), cheque(invoice))
    finally:
        membership_reinstated.disconnect(dispatch_uid="test-broken-listener")
    assert response.status_code == 302
    assert Payment.objects.filter(invoice=invoice).count() == 1
    receipts = [m for m in mail.outbox if invoice.number in m.subject and m.attachments]
    assert len(receipts) == 1
    assert receipts[0].attachments[0][0] == f"receipt-{invoice.number}.pdf"
